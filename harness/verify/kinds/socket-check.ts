import { canonicalAddress } from '../../net/ip.ts';
import { listenerAnswer, listenerLogPath } from '../../lab/services.ts';
import { readOnce, type CheckKind } from './check-kind.ts';
import type { RequestResult, ServerLogEntry } from '../verdict.ts';

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

/**
 * What socat said: through when the listener's answer came back; a TCP connection was made unless socat failed
 * to connect; a UDP datagram always leaves from its port (no answer is a failure of its own).
 */
export function socketResult(
  tcp: boolean,
  exitCode: number,
  stdout: string,
  stderr: string,
  sourcePort: number,
): RequestResult {
  const answered = stdout.includes(listenerAnswer);
  const error = stderr
    .split('\n')
    .map((line) => line.replace(/^.*? socat\[\d+\] [EW] /, '').trim())
    .filter(Boolean)
    .at(-1);
  const connected = tcp ? exitCode === 0 || !/connect\(/.test(stderr) : true;
  if (answered && exitCode === 0) return { exitCode: 0, localPort: sourcePort };
  return {
    exitCode: exitCode === 0 ? 1 : exitCode,
    ...(connected && exitCode === 0 ? { localPort: sourcePort } : {}),
    error: error ?? 'no answer from the listener before socat gave up',
  };
}

/** A listener log's lines with the tag: `<peer address> <peer port> <tag>`. */
export function listenerEntries(log: string, tag: string): ServerLogEntry[] {
  return log
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((words) => words.length === 3 && words[2] === tag)
    .map((words) => ({ remoteAddr: canonicalAddress(words[0]!), line: words.join(' ') }));
}
