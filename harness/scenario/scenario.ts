import { z } from 'zod';
import { firstHostAddress, isIpAddress, isIpv4, parseCidr, sameAddress } from '../net/ip.ts';
import { kindsNamed, splitHostPort } from './check-target.ts';

const ip = z
  .string()
  .refine(isIpAddress, { message: 'is not an IPv4 or IPv6 address (e.g. 203.0.113.2 or 2001:db8::2)' });
/** One address, or a list of one IPv4 and one IPv6 address (a dual-stack endpoint). */
const ipOrPair = z
  .union([ip, z.array(ip).min(1).max(2)])
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .refine((list) => list.length === 1 || isIpv4(list[0]!) !== isIpv4(list[1]!), {
    message: 'takes one IPv4 and one IPv6 address',
  });
const cidr = z.string().refine((text) => text.includes('/') && parseCidr(text) !== undefined, {
  message: 'is not an address with a prefix (e.g. 192.168.1.1/24)',
});
const port = z.number().int().min(1).max(65535);
const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/,
    'is not a DNS name',
  );
const endpointName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,30}$/, 'names start with a letter and hold letters, digits, - and _');

const nodeName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,30}$/, 'names start with a letter and hold letters, digits, - and _');

export const lanSchema = z.strictObject({
  /** The endpoint's address on its LAN interface (eth1), with the LAN's prefix. */
  address: cidr,
  /** LAN hosts by node name: each a lab node on the LAN, its default route the endpoint. */
  hosts: z.record(nodeName, ip).default({}),
});

/** `20ms`, `1.5s`: a duration as netem takes it. */
const duration = z.string().regex(/^\d+(\.\d+)?(us|ms|s)$/, 'is not a duration with a unit (e.g. 20ms, 1.5s, 500us)');

/** Conditions on an endpoint's link to the internet, both directions. */
export const linkSchema = z.strictObject({
  /** The link's MTU (e.g. 1492 for PPPoE), on the endpoint's interface and the router's side alike. */
  mtu: z.number().int().min(576).max(9000).optional(),
  /** Added one-way delay (netem), each direction. */
  delay: duration.optional(),
  /** Variation of the delay (netem), each direction; needs `delay`. */
  jitter: duration.optional(),
  /** Share of packets lost (netem), each direction: `1%`, `0.5%`. */
  loss: z
    .string()
    .regex(/^\d+(\.\d+)?%$/, 'is not a share in percent (e.g. 1%)')
    .refine((text) => Number.parseFloat(text) <= 100, { message: 'is more than 100%' })
    .optional(),
});

/** A NAT router in front of an endpoint: it holds the public address, the endpoint an address behind it. */
export const natSchema = z.strictObject({
  /** The endpoint's address inside, with the prefix: the prefix's first address is the NAT (its default route). */
  address: cidr,
  /** Seconds an idle UDP mapping lives (replied or not): conntrack's UDP timeouts in the NAT. */
  udpTimeout: z.number().int().min(1).max(3600).optional(),
  /** UDP ports forwarded from the public address to the endpoint. */
  forward: z.array(port).default([]),
});

/** The router between all public links. */
export const internetSchema = z.strictObject({
  /** The router drops ICMP error messages (fragmentation needed, packet too big, unreachable): PMTU discovery breaks. */
  icmp: z.enum(['drop', 'pass']).default('pass'),
  /** The router drops IP fragments. */
  fragments: z.enum(['drop', 'pass']).default('pass'),
});

export const endpointSchema = z.strictObject({
  publicIp: ipOrPair,
  wgIp: ipOrPair.optional(),
  listenPort: port.optional(),
  serves: hostname.optional(),
  /** More DNS names for the public address (for `Endpoint = vpn.example.net:51820`). */
  names: z.array(hostname).default([]),
  lan: lanSchema.optional(),
  /** Files to put on the node before WireGuard starts: path in the node -> local file (relative to the scenario). */
  files: z
    .record(z.string().regex(/^\/[^\0]*[^/]$/, 'is not an absolute file path in the node'), z.string())
    .default({}),
  /** The endpoint's link to the internet: MTU, delay, jitter, loss. */
  link: linkSchema.optional(),
  /** A NAT router in front of the endpoint: it holds `publicIp`, the endpoint `nat.address` behind it. */
  nat: natSchema.optional(),
  /** Runs a DNS server on all the node's addresses, answering the lab's names and logging each query with its source. */
  resolver: z.boolean().default(false),
  /** net.* sysctls set in the node before WireGuard starts (e.g. net.ipv4.conf.all.rp_filter: "1"). */
  sysctls: z
    .record(
      z.string().regex(/^net\.[a-z0-9_.*-]+$/i, 'is not a net.* sysctl (only network sysctls are set in a lab node)'),
      z.union([z.string(), z.number()]).transform(String),
    )
    .default({}),
});

export const reachFixes = ['prefix', 'route', 'rule'] as const;
export const faults = ['tunnel-down', 'peer-down', 'wireguard-blocked', 'wireguard-killed', 'nat-rebind'] as const;
export const paths = ['tunnel', 'internet', 'none'] as const;

export const tunnelSchema = z.strictObject({
  dialer: z.string(),
  listener: z.string(),
  transparent: z.array(z.string()).default([]),
  /** Routing table for the AllowedIPs routes: not 0 or the kernel's own 253 (default), 254 (main), 255 (local). */
  table: z
    .number()
    .int()
    .min(1)
    .max(0xffffffff)
    .refine((table) => ![253, 254, 255].includes(table), {
      message: "is one of the kernel's own tables (253 default, 254 main, 255 local)",
    })
    .default(123),
  /** The dport rule's priority; the table rule takes +1 and the reach rule +2, all ahead of main (32766). */
  priority: z.number().int().min(1).max(32763).default(455),
  reachPeerWgIp: z.enum(reachFixes).default('prefix'),
  snat: z.string().default('none'),
});

const hostPort = z.string().refine((text) => splitHostPort(text) !== undefined, {
  message: 'is not host:port (e.g. 203.0.113.2:22, [2001:db8::2]:22, app.example.com:22)',
});

const checkFields = z.strictObject({
  from: z.string(),
  /** An HTTP(S) request: the server of the URL logs it (nginx). */
  url: z
    .string()
    .url()
    .refine((url) => /^https?:/.test(url), { message: 'must be an http:// or https:// URL' })
    .optional(),
  /** A DNS query for this name, asked of the resolver the node's /etc/resolv.conf names (what `DNS =` set). */
  dns: hostname.optional(),
  /** An ICMP echo to this address or name, Don't Fragment set. */
  ping: z.union([ip, hostname]).optional(),
  /** The echo's payload in bytes (ping -s), for `ping`. */
  size: z.number().int().min(0).max(65000).optional(),
  /** A TCP connection to host:port: the lab listens there and logs it. */
  tcp: hostPort.optional(),
  /** A UDP datagram to host:port and its answer: the lab listens there and logs it. */
  udp: hostPort.optional(),
  insecure: z.boolean().default(false),
  /** A fault applied before the check: its kind, aimed as the kind says, or `{ kind, node }` at a node named. */
  fault: z
    .union([
      z.enum(faults),
      z.strictObject({ kind: z.enum(faults), node: z.string() }).transform((aimed) => aimed as AimedFault),
    ])
    .optional(),
  /** The server answers this request with exactly this many bytes; all must arrive (unless `expect.stalls`). */
  bytes: z.number().int().min(1).max(100_000_000).optional(),
  /** Seconds without check traffic in the lab before the check is sent (after its fault, if any). */
  idle: z.number().min(0).max(600).optional(),
  /** Left out until `wglab run --record` writes what the lab observed. */
  expect: z
    .strictObject({
      sourceIp: ip.optional(),
      path: z.enum(paths),
      /** The transfer connects and then stops short of `bytes` (an MTU blackhole): the truth for a broken setup. */
      stalls: z.boolean().optional(),
      /** For `dns`: the node whose resolver answered, or `internet` for the ISP's resolver on the router. */
      resolver: z.string().optional(),
    })
    .optional(),
  /** Free text shown in reports. */
  note: z.string().optional(),
});

export const checkSchema = checkFields.superRefine((check, context) => {
  const named = kindsNamed(check);
  if (named.length !== 1)
    context.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        named.length === 0
          ? 'names nothing to send: give one of url, dns, ping, tcp or udp'
          : `names ${named.join(' and ')}: a check sends one thing (split it into one check each)`,
    });
  if (check.size !== undefined && check.ping === undefined)
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['size'],
      message: 'is the payload of a ping: only with ping:',
    });
  if (check.bytes !== undefined && check.url === undefined)
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['bytes'],
      message: 'asks a web server for a body: only with url:',
    });
  if (check.insecure && check.url === undefined)
    context.addIssue({ code: z.ZodIssueCode.custom, path: ['insecure'], message: 'is for https URLs: only with url:' });
  if (check.expect?.resolver !== undefined && check.dns === undefined)
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['expect', 'resolver'],
      message: 'names the resolver that answered a DNS query: only with dns:',
    });
});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'names hold letters, digits, ., - and _'),
  description: z.string().optional(),
  endpoints: z
    .record(endpointName, endpointSchema)
    .refine((endpoints) => Object.keys(endpoints).length > 0, { message: 'names no endpoint' }),
  tunnel: tunnelSchema.optional(),
  /** wg-quick files by endpoint: a path (installed as wg0) or a map of interface names to paths. */
  configs: z
    .record(
      z.string(),
      z.union([
        z.string(),
        z.record(
          z.string().regex(/^[a-zA-Z0-9_=+.-]{1,15}$/, 'is not an interface name as wg-quick takes it (e.g. wg0)'),
          z.string(),
        ),
      ]),
    )
    .optional(),
  internet: internetSchema.optional(),
  checks: z.array(checkSchema).default([]),
});

type EndpointFields = z.output<typeof endpointSchema>;
/** An endpoint: the first address of each field as `publicIp`/`wgIp`, every one in `publicIps`/`wgIps`. */
export type Endpoint = Omit<EndpointFields, 'publicIp' | 'wgIp'> & {
  name: string;
  publicIp: string;
  publicIps: string[];
  wgIp?: string;
  wgIps: string[];
};
export type Lan = z.output<typeof lanSchema>;
export type Tunnel = z.output<typeof tunnelSchema>;
export type Check = z.output<typeof checkSchema>;
export type Expectation = NonNullable<Check['expect']>;
export type ReachFix = (typeof reachFixes)[number];
export type Fault = (typeof faults)[number];
/** A fault aimed at a node the check does not name. */
export interface AimedFault {
  kind: Fault;
  node: string;
}
export type Link = z.output<typeof linkSchema>;
export type Nat = z.output<typeof natSchema>;
export type Internet = z.output<typeof internetSchema>;

/** A check's fault kind, however it was written. */
export function faultKind(check: Pick<Check, 'fault'>): Fault | undefined {
  return typeof check.fault === 'object' ? check.fault.kind : check.fault;
}

/** The node a check's fault is aimed at when the scenario names one (`{ kind, node }`). */
export function faultNode(check: Pick<Check, 'fault'>): string | undefined {
  return typeof check.fault === 'object' ? check.fault.node : undefined;
}
export type CheckPath = (typeof paths)[number];

/** A validated scenario: every name it uses exists, every address is sound. */
export interface Scenario {
  name: string;
  description?: string;
  /** The YAML file it came from, when it came from one. */
  file?: string;
  endpoints: Record<string, Endpoint>;
  tunnel?: Tunnel;
  /** Hand-written wg-quick files by endpoint, then by interface name, as absolute paths. */
  configs?: Record<string, Record<string, string>>;
  /** The router's behaviour; ICMP and fragments pass when left out. */
  internet?: Internet;
  checks: Check[];
}

/** The endpoint that serves a URL's host name, or that owns the address it names (in a scenario field). */
export function endpointForHost(scenario: Scenario, host: string): Endpoint | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  return Object.values(scenario.endpoints).find(
    (endpoint) =>
      endpoint.serves === bare ||
      endpoint.names.includes(bare) ||
      [...endpoint.publicIps, ...endpoint.wgIps].some((address) => sameAddress(address, bare)) ||
      (endpoint.lan !== undefined && sameAddress(parseCidr(endpoint.lan.address)!.address, bare)),
  );
}

/** A LAN host of the scenario: its node name, address and the endpoint it sits behind. */
export interface LanHost {
  name: string;
  address: string;
  endpoint: string;
}

export function lanHosts(scenario: Scenario): LanHost[] {
  return Object.values(scenario.endpoints).flatMap((endpoint) =>
    Object.entries(endpoint.lan?.hosts ?? {}).map(([name, address]) => ({ name, address, endpoint: endpoint.name })),
  );
}

/** The LAN host a URL's host names (by node name or address). */
export function lanHostForHost(scenario: Scenario, host: string): LanHost | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  return lanHosts(scenario).find((lanHost) => lanHost.name === bare || sameAddress(lanHost.address, bare));
}

/** The NAT's address inside: the first address of the endpoint's `nat.address` prefix (192.168.1.1 for 192.168.1.2/24). */
export function natGateway(address: string): string {
  return firstHostAddress(address);
}
