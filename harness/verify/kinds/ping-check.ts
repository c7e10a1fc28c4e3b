import { echoEntries, echoIdOf, pingResult } from './client-output.ts';
import { pingLogPath } from '../../lab/services.ts';
import { readOnce, type CheckKind } from './check-kind.ts';

/**
 * One ICMP echo (ping -c 1) with Don't Fragment set and the payload `size:` asks for; its identifier is the check's
 * first client port, which tells its packets and its line in the target's log (tcpdump, echo requests in) apart.
 */
export const pingCheck: CheckKind = {
  async send(lab, { check, target, ports, lane }, wait) {
    const result = await lab.exec(
      check.from,
      [
        'ping',
        '-n',
        '-c',
        '1',
        '-W',
        String(Math.max(1, Math.ceil(wait.connect))),
        '-M',
        'do',
        '-e',
        String(echoIdOf(ports.from)),
        ...(check.size === undefined ? [] : ['-s', String(check.size)]),
        target.host,
      ],
      { allowFailure: true, lane },
    );
    return pingResult(result.exitCode, result.stdout, result.stderr);
  },
  async logEntries(lab, sent) {
    const logs = await readOnce(
      lab,
      sent.flatMap((one) => (one.server === undefined ? [] : [{ node: one.server, path: pingLogPath }])),
    );
    return sent.map((one) => echoEntries(logs.get(`${one.server} ${pingLogPath}`) ?? '', echoIdOf(one.ports.from)));
  },
};
