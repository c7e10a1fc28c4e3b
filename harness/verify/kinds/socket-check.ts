import { listenerEntries, socketResult } from './client-output.ts';
import { listenerLogPath } from '../../lab/services.ts';
import { readOnce, type CheckKind } from './check-kind.ts';

/**
 * A TCP connection or a UDP datagram (socat) from the check's first client port: it sends its tag, the lab's
 * listener on the target logs the tag with the peer's address and answers; the client got through both ways when
 * it reads the answer.
 */
export const socketCheck: CheckKind = {
  async send(lab, { check, target, tag, ports, lane }, wait) {
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const protocol = target.kind === 'tcp' ? 'TCP' : 'UDP';
    const seconds = String(wait.connect);
    const options = [
      `sourceport=${ports.from}`,
      'reuseaddr',
      ...(target.kind === 'tcp' ? [`connect-timeout=${seconds}`] : []),
    ];
    const result = await lab.sh(
      check.from,
      `echo ${tag} | socat -t ${seconds} -T ${seconds} - ${protocol}:${host}:${target.port},${options.join(',')}`,
      { allowFailure: true, lane },
    );
    return socketResult(target.kind === 'tcp', result.exitCode, result.stdout, result.stderr, ports.from);
  },
  async logEntries(lab, sent) {
    const files = sent.flatMap((one) =>
      one.server === undefined
        ? []
        : [
            {
              node: one.server,
              path: listenerLogPath({ protocol: one.target.kind as 'tcp' | 'udp', port: one.target.port! }),
            },
          ],
    );
    const logs = await readOnce(lab, files);
    return sent.map((one, at) => listenerEntries(logs.get(`${files[at]?.node} ${files[at]?.path}`) ?? '', one.tag));
  },
};
