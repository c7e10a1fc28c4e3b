import type { NatPlan } from './lab-plan.ts';
import type { Internet, Link } from '../scenario/scenario.ts';

/**
 * What a link's conditions do to one side of it, as shell lines for `dev` (an interface name or "$d"): the MTU,
 * then one netem qdisc for delay, jitter and loss. Both sides of a link get the same lines, so each direction
 * is delayed and lossy once.
 */
export function linkConditionLines(dev: string, link: Link): string[] {
  const netem = [
    ...(link.delay ? [`delay ${link.delay}${link.jitter ? ` ${link.jitter}` : ''}`] : []),
    ...(link.loss ? [`loss ${link.loss}`] : []),
  ];
  return [
    ...(link.mtu === undefined ? [] : [`ip link set dev ${dev} mtu ${link.mtu}`]),
    ...(netem.length === 0 ? [] : [`tc qdisc replace dev ${dev} root netem ${netem.join(' ')}`]),
  ];
}

/** Whether a link's conditions need netem (the kernel's sch_netem): delay, jitter or loss. */
export function needsNetem(link: Link): boolean {
  return link.delay !== undefined || link.loss !== undefined;
}

/** The nftables table that holds the internet router's own behaviour. */
export const internetTable = 'wglab_internet';

/**
 * The router's behaviour as one nftables table: ICMP error messages dropped (destination unreachable with
 * fragmentation needed, packet too big, time exceeded, parameter problem), those it forwards and those it sends
 * itself (its own "fragmentation needed" toward a smaller link); IP fragments dropped before reassembly
 * (priority -500, ahead of conntrack's defragmentation). Nothing when both pass.
 */
export function internetRules(internet: Internet): string | undefined {
  const icmp = [
    'icmp type { destination-unreachable, time-exceeded, parameter-problem } counter drop',
    'icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } counter drop',
  ];
  const chains = [
    ...(internet.fragments === 'drop'
      ? [
          [
            'chain fragments {',
            '  type filter hook prerouting priority -500; policy accept;',
            '  ip frag-off & 0x3fff != 0 counter drop',
            '  exthdr frag exists counter drop',
            '}',
          ],
        ]
      : []),
    ...(internet.icmp === 'drop'
      ? [
          [
            'chain icmp-forward {',
            '  type filter hook forward priority 0; policy accept;',
            ...icmp.map((line) => `  ${line}`),
            '}',
          ],
          [
            'chain icmp-output {',
            '  type filter hook output priority 0; policy accept;',
            ...icmp.map((line) => `  ${line}`),
            '}',
          ],
        ]
      : []),
  ];
  if (chains.length === 0) return undefined;
  return [`table inet ${internetTable} {`, ...chains.flat().map((line) => `  ${line}`), '}', ''].join('\n');
}

/** `sysctl -w` lines for the net.* sysctls a scenario sets in a node (before WireGuard starts). */
export function sysctlLines(sysctls: Record<string, string>): string[] {
  return Object.entries(sysctls).map(([key, value]) => `sysctl -q -w ${key}=${shellWord(value)}`);
}

const shellWord = (text: string) => (/^[\w.:/,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * A NAT's rules: everything leaving by eth0 (the public side) masqueraded, each forwarded UDP port sent on to the
 * endpoint inside. Mappings live as conntrack keeps them (the NAT's own UDP timeouts, set when it starts).
 */
export function natRuleLines(nat: Pick<NatPlan, 'address' | 'forward'>): string[] {
  const tables = natTables(nat);
  return [
    `${tables} -t nat -A POSTROUTING -o eth0 -j MASQUERADE`,
    ...nat.forward.map(
      (port) => `${tables} -t nat -A PREROUTING -i eth0 -p udp --dport ${port} -j DNAT --to-destination ${nat.address}`,
    ),
  ];
}

/** iptables for an IPv4 NAT, ip6tables for an IPv6 one (NAT66: the endpoint holds a private IPv6 address inside). */
function natTables(nat: Pick<NatPlan, 'address'>): string {
  return nat.address.includes(':') ? 'ip6tables' : 'iptables';
}

/** Public ports a NAT takes for new UDP mappings after `nat-rebind`: none it used before. */
export const reboundPorts = '61000-61999';

/** `nat-rebind`: the NAT forgets every mapping, and maps UDP to new public ports from now on. */
export function natRebindLines(nat: Pick<NatPlan, 'address'>): string[] {
  return [
    `${natTables(nat)} -t nat -I POSTROUTING 1 -o eth0 -p udp -j MASQUERADE --to-ports ${reboundPorts}`,
    ...flushMappings(nat),
  ];
}

function flushMappings(nat: Pick<NatPlan, 'address'>): string[] {
  return [`conntrack -F -f ${nat.address.includes(':') ? 'ipv6' : 'ipv4'} 2>/dev/null || true`];
}

/** Undoes `nat-rebind`: the NAT's first rules again, its mappings forgotten once more. */
export function natRebindUndoLines(nat: Pick<NatPlan, 'address'>): string[] {
  return [
    `${natTables(nat)} -t nat -D POSTROUTING -o eth0 -p udp -j MASQUERADE --to-ports ${reboundPorts}`,
    ...flushMappings(nat),
  ];
}
