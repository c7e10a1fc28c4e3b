import { isIpv6 } from '../../net/ip.ts';
import { digResult, dnsName, queryEntries } from './client-output.ts';
import { resolverLogPath } from '../../lab/services.ts';
import { readOnce, type CheckKind } from './check-kind.ts';

/**
 * The record a `dns` check asks for a name: A when the lab gives the name an IPv4 address, AAAA when it gives it
 * IPv6 ones only; for a name the lab does not know, none (the check asks AAAA of an IPv6 resolver, A of an IPv4
 * one, as a host with that family alone would).
 */
export function dnsQueryType(hosts: { host: string; ipAddress: string }[], name: string): 'A' | 'AAAA' | undefined {
  const addresses = hosts.filter((entry) => dnsName(entry.host) === dnsName(name)).map((entry) => entry.ipAddress);
  if (addresses.length === 0) return undefined;
  return addresses.some((address) => !isIpv6(address)) ? 'A' : 'AAAA';
}

/**
 * A DNS query (dig: an A or AAAA record, see dnsQueryType) asked of the first resolver the node's /etc/resolv.conf names (what `DNS =` made it),
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
        `type=${dnsQueryType(lab.plan.hosts, target.host) ?? '$(case "$ns" in (*:*) echo AAAA ;; (*) echo A ;; esac)'}`,
        `dig +tries=1 +time=${seconds} +nocookie -b "$bind" '${target.host}' "$type"`,
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
