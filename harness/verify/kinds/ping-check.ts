import { pingLogPath } from '../../lab/services.ts';
import { canonicalAddress } from '../../net/ip.ts';
import type { RequestResult, ServerLogEntry } from '../verdict.ts';
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

/** The echo identifier of a check: its first client port (below 65536). */
export function echoIdOf(port: number): number {
  return port & 0xffff;
}

/** What ping said: through on a reply; else the error it printed (frag needed, message too long, no reply). */
export function pingResult(exitCode: number, stdout: string, stderr: string): RequestResult {
  if (exitCode === 0) return { exitCode };
  const said = [...stderr.split('\n'), ...stdout.split('\n')]
    .map((line) => line.trim())
    .find((line) => /^From |error|unreachable|too long|Frag|ping: /i.test(line));
  const loss = /(\d+)% packet loss/.exec(stdout)?.[0];
  return { exitCode, error: said?.replace(/^ping: /, '') ?? (loss ? `no reply (${loss})` : 'no reply') };
}

/** The target's log lines of one echo (tcpdump -n -i any: `eth0 In IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 20000, ...`). */
export function echoEntries(log: string, echoId: number): ServerLogEntry[] {
  return log
    .split('\n')
    .map((line) => ({ line: line.trim(), match: /\bIP6? (\S+) > (\S+): ICMP6?,? echo request, id (\d+)/.exec(line) }))
    .filter(({ match }) => match !== null && Number(match[3]) === echoId)
    .map(({ line, match }) => ({ remoteAddr: canonicalAddress(match![1]!), line }));
}
