import { isIpAddress } from '../net/ip.ts';

/** What a check sends: an HTTP(S) request, a DNS query, an ICMP echo, a TCP connection or a UDP datagram. */
export const checkKinds = ['http', 'dns', 'ping', 'tcp', 'udp'] as const;
export type CheckKindName = (typeof checkKinds)[number];

/** The fields that say what a check sends: exactly one of url, dns, ping, tcp and udp. */
export interface CheckTargetFields {
  url?: string;
  dns?: string;
  ping?: string;
  size?: number;
  tcp?: string;
  udp?: string;
}

/** Where a check goes, whatever its kind. */
export interface CheckTarget {
  kind: CheckKindName;
  /** The host as written (brackets stripped): a name or an address; for `dns`, the name asked. */
  host: string;
  /** The server's port: the URL's (80, 443 by default), the tcp/udp port, 53 for dns; none for ping. */
  port?: number;
  protocol: 'tcp' | 'udp' | 'icmp';
  /** How lists and reports name it: the URL, `dns app.example.com`, `ping 10.0.0.2`, `tcp 203.0.113.2:22`. */
  text: string;
}

/** `203.0.113.2:22`, `[2001:db8::2]:22`, `app.example.com:22`: host and port, or undefined when it is neither. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  if (match[1] !== undefined && !isIpAddress(host)) return undefined;
  return { host, port };
}

/** The kinds a check's fields name (a valid check names one). */
export function kindsNamed(check: CheckTargetFields): CheckKindName[] {
  return [
    ...(check.url !== undefined ? (['http'] as const) : []),
    ...(check.dns !== undefined ? (['dns'] as const) : []),
    ...(check.ping !== undefined ? (['ping'] as const) : []),
    ...(check.tcp !== undefined ? (['tcp'] as const) : []),
    ...(check.udp !== undefined ? (['udp'] as const) : []),
  ];
}

/** Where a validated check goes. */
export function checkTarget(check: CheckTargetFields): CheckTarget {
  if (check.url !== undefined) {
    const url = new URL(check.url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return { kind: 'http', host: url.hostname.replace(/^\[|\]$/g, ''), port, protocol: 'tcp', text: check.url };
  }
  if (check.dns !== undefined)
    return { kind: 'dns', host: check.dns, port: 53, protocol: 'udp', text: `dns ${check.dns}` };
  if (check.ping !== undefined)
    return {
      kind: 'ping',
      host: check.ping,
      protocol: 'icmp',
      text: `ping ${check.ping}${check.size === undefined ? '' : ` size ${check.size}`}`,
    };
  const [kind, value] = check.tcp !== undefined ? (['tcp', check.tcp] as const) : (['udp', check.udp] as const);
  if (value === undefined) throw new Error('the check names no url, dns, ping, tcp or udp');
  const split = splitHostPort(value);
  if (!split) throw new Error(`${kind}: ${value} is not host:port`);
  return { kind, host: split.host, port: split.port, protocol: kind, text: `${kind} ${value}` };
}
