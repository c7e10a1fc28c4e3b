import { routerNode } from '../../lab/lab-plan.ts';
import { resolverLogPath } from '../../lab/services.ts';
import { canonicalAddress } from '../../net/ip.ts';
import type { RequestResult, ServerLogEntry } from '../verdict.ts';
import { readOnce, type CheckKind } from './check-kind.ts';

/**
 * A DNS query (dig, A record) asked of the first resolver the node's /etc/resolv.conf names (what `DNS =` made it),
 * never /etc/hosts, from the check's first client port: the query's packets and its line in the resolver's log
 * (every resolver of the lab logs each query with its source address and port) are told apart by it.
 */
export const dnsCheck: CheckKind = {
  async send(lab, { check, target, ports, lane }, wait) {
    const seconds = Math.max(1, Math.ceil(wait.connect));
    const result = await lab.sh(
      check.from,
      [
        `ns=$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)`,
        `[ -n "$ns" ] || { echo 'no nameserver in /etc/resolv.conf' >&2; exit 10; }`,
        `case "$ns" in *:*) bind="::#${ports.from}" ;; *) bind="0.0.0.0#${ports.from}" ;; esac`,
        `dig +tries=1 +time=${seconds} +nocookie -b "$bind" '${target.host}' A`,
      ].join('\n'),
      { allowFailure: true, lane },
    );
    return { ...digResult(result.exitCode, result.stdout, result.stderr), localPort: ports.from };
  },
  async logEntries(lab, sent) {
    const resolvers = lab.plan.resolvers.map((resolver) => resolver.node);
    const logs = await readOnce(
      lab,
      resolvers.map((node) => ({ node, path: resolverLogPath })),
    );
    return sent.map((one) =>
      resolvers.flatMap((node) =>
        queryEntries(logs.get(`${node} ${resolverLogPath}`) ?? '', one.target.host, one.ports.from).map((entry) => ({
          ...entry,
          node,
        })),
      ),
    );
  },
};

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
  const wanted = name.toLowerCase().replace(/\.$/, '');
  return log
    .split('\n')
    .map((line) => ({ line: line.trim(), match: /\d+ (\S+)\/(\d+) query\[\w+\] (\S+) from (\S+)$/.exec(line.trim()) }))
    .filter(
      ({ match }) =>
        match !== null && Number(match[2]) === port && match[3]!.toLowerCase().replace(/\.$/, '') === wanted,
    )
    .map(({ line, match }) => ({ remoteAddr: canonicalAddress(match![4]!), line }));
}

/** The node name a resolver's log entry stands for: `internet` for the ISP's on the router. */
export const ispResolver = routerNode;
