import { listenerAnswer } from '../../lab/services.ts';
import { canonicalAddress } from '../../net/ip.ts';
import type { RequestResult, ServerLogEntry } from '../verdict.ts';

// What each kind's client printed and its server logged, read into evidence: pure, and tested on real output.

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
  if (answered && exitCode === 0) return { exitCode: 0, localPort: sourcePort };
  // socat ends 0 once it sent (UDP) or connected (TCP) and the answer did not come; a failed connect ends it 1.
  return {
    exitCode: exitCode === 0 ? 1 : exitCode,
    ...(exitCode === 0 ? { localPort: sourcePort } : {}),
    error: error ?? `no answer from the listener before socat gave up${tcp ? '' : ' (UDP: the datagram left)'}`,
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

/** What dig said: the status and answers of a response, the server that gave it; or that none came. */
export function digResult(exitCode: number, stdout: string, stderr: string): RequestResult {
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1];
  const server = /^;; SERVER: ([^#\s]+)#/m.exec(stdout)?.[1];
  const answers = stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith(';'))
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words.length >= 5 && words[2] === 'IN')
    .map((words) => words.slice(4).join(' '));
  if (exitCode === 0 && status !== undefined)
    return { exitCode, dnsStatus: status, answers, ...(server ? { remoteIp: server } : {}) };
  const said = [...stderr.split('\n'), ...stdout.split('\n')]
    .map((line) => line.replace(/^;; /, '').trim())
    .find((line) => /timed out|no servers|unreachable|refused|nameserver/i.test(line));
  return { exitCode: exitCode === 0 ? 9 : exitCode, error: said ?? 'no answer from the resolver' };
}

/**
 * A resolver log's queries for `name` from source port `port` (dnsmasq, log-queries=extra:
 * `dnsmasq[12]: 3 10.0.0.1/20000 query[A] app.example.com from 10.0.0.1`).
 */
export function queryEntries(log: string, name: string, port: number): ServerLogEntry[] {
  const wanted = dnsName(name);
  return log
    .split('\n')
    .map((line) => ({ line: line.trim(), match: /\d+ (\S+)\/(\d+) query\[\w+\] (\S+) from (\S+)$/.exec(line.trim()) }))
    .filter(({ match }) => match !== null && Number(match[2]) === port && dnsName(match[3]!) === wanted)
    .map(({ line, match }) => ({ remoteAddr: canonicalAddress(match![4]!), line }));
}

/** A DNS name as resolvers compare them: in any case, with or without its final dot. */
export function dnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
