import { randomBytes } from 'node:crypto';
import { checkTarget } from '../scenario/check-target.ts';
import { isIpv6, parseCidr, sameAddress } from '../net/ip.ts';
import {
  lanHosts as lanHostsOf,
  natGateway,
  type Internet,
  type Link,
  type Nat,
  type Scenario,
} from '../scenario/scenario.ts';
import type { KeySource } from '../wgconf/generate-configs.ts';
import { configAddresses, scenarioConfigs, splitConfigKey } from '../wgconf/scenario-configs.ts';
import { redactWgConfig } from '../wgconf/redact.ts';
import { serializeWgConfig } from '../wgconf/serialize-wg-config.ts';
import type { WgConfig } from '../wgconf/wg-config.ts';
import { readWgSettings } from '../wgconf/wg-settings.ts';

/** The node that stands for the internet: it routes between every endpoint's link. */
export const routerNode = 'internet';
/**
 * The router's address on every link. Link-local, so it can clash with no scenario address and
 * means nothing outside the lab; endpoints reach it on-link and route everything else through it.
 */
export const routerLinkIp = '169.254.0.1';
/** An endpoint's LAN interface; its internet interface stays eth0. */
export const lanInterface = 'eth1';
/**
 * Every node's reverse-path filtering and source-mark use before the scenario's sysctls: loose, as Debian and
 * Ubuntu hosts have it (for `all` and `default`, so every interface made later takes it), with the packet's mark
 * in the check (src_valid_mark, as wg-quick sets it).
 */
export const baseRpFilter = '2';
export const baseSrcValidMark = '1';
/** The router's IPv6 address on every link, link-local for the same reasons. */
export const routerLinkIp6 = 'fe80::1';
/**
 * The router's own IPv6 address for its resolver (the ISP's), on its loopback: what a node whose link does not
 * reach fe80::1 asks (an IPv6-only endpoint behind a NAT). A ULA prefix of its own, clashing with no scenario's.
 */
export const routerResolverIp6 = 'fd53:6c61:62::53';

/**
 * The ISP resolver a node's /etc/resolv.conf names (until a config's `DNS =` takes over): the router's
 * 169.254.0.1 for a node with IPv4, its fe80::1 on eth0 for an IPv6-only endpoint on an internet link, and
 * routerResolverIp6 for one behind an IPv6 NAT (fe80::1 is not on its link; the NAT forwards the query).
 */
export function ispNameserver(plan: Pick<LabPlan, 'endpoints'>, node: string): string {
  const endpoint = plan.endpoints.find((candidate) => candidate.name === node);
  if (!endpoint || !endpoint.publicIps.every((address) => isIpv6(address))) return routerLinkIp;
  return endpoint.nat ? routerResolverIp6 : `${routerLinkIp6}%eth0`;
}

export interface EndpointPlan {
  name: string;
  /** The first public address; `publicIps` holds them all (one IPv4 and one IPv6 when dual-stack). */
  publicIp: string;
  publicIps: string[];
  /** Every wg-quick file of the endpoint by interface name (wg0 included), in bring-up order: installed as /etc/wireguard/<iface>.conf. */
  interfaces: { iface: string; config: string }[];
  /** The name its nginx answers to, with a certificate from the lab's CA. */
  serves?: string;
  /** Whether it runs nginx: it serves a name, or a check's URL names one of its addresses. */
  web: boolean;
  /** Its LAN: the address (with prefix) it holds on eth1. */
  lan?: { address: string };
  /** Files put on the node before WireGuard starts: path in the node -> local path. */
  files: Record<string, string>;
  /** The NAT in front of it, when it sits behind one: the NAT holds its public address. */
  nat?: NatPlan;
}

/** A NAT router in front of an endpoint: public address outside (eth0), `gateway` inside (eth1), masquerading. */
export interface NatPlan {
  /** The NAT's node: `<endpoint>-nat`. */
  node: string;
  /** The endpoint's address inside, and the prefix's length. */
  address: string;
  prefix: number;
  /** The NAT's address inside (the prefix's first), the endpoint's default route. */
  gateway: string;
  /** UDP ports forwarded from the public address to the endpoint. */
  forward: number[];
  /** Seconds an idle UDP mapping lives, when the scenario sets it. */
  udpTimeout?: number;
}

/** A lab node on an endpoint's LAN, its default route the endpoint; it runs nginx and can send checks. */
export interface LanHostPlan {
  name: string;
  address: string;
  /** The endpoint it sits behind. */
  endpoint: string;
  /** The LAN's prefix length. */
  prefix: number;
}

/** What a node is: the internet router, a scenario endpoint, or a host on an endpoint's LAN. */
export type NodeKind = 'router' | 'endpoint' | 'lan-host' | 'nat';

/** One container of the lab: its kind, the networks it is on (the first is its eth0) and its start-time sysctls. */
export interface NodePlan {
  name: string;
  kind: NodeKind;
  networks: string[];
  /** Sysctls the container starts with (IPv6 on, forwarding on the router). */
  sysctls: Record<string, string>;
  /** net.* sysctls the scenario sets in the node before WireGuard starts. */
  scenarioSysctls: Record<string, string>;
}

/** One network of the lab: an endpoint's link to the internet router, or an endpoint's LAN. */
export interface LinkPlan {
  /**
   * The engine's network name: `<lab id>-<endpoint>` for a link (the router to the endpoint, or to its NAT),
   * `<lab id>-<endpoint>-lan` for a LAN, `<lab id>-<endpoint>-inside` between a NAT and its endpoint.
   */
  network: string;
  kind: 'internet' | 'lan' | 'inside';
  /** The endpoint the link belongs to. */
  endpoint: string;
  /** Conditions on the link, both directions (internet links): MTU on both sides, netem delay, jitter and loss. */
  conditions: Link;
}

/** A web server of the lab: nginx with a certificate from the lab's CA, logging each tagged request. */
export interface WebService {
  node: string;
  /** The certificate's subject: the served name, else the node's name. */
  name: string;
  /** The DNS names its certificate holds. */
  dns: string[];
  /** Body sizes checks ask of it (`bytes:`): each is a file it serves when a request names its size. */
  bodies: number[];
}

/** A TCP or UDP listener a check connects to: it logs each connection's peer and the tag the client sends. */
export interface ListenerService {
  node: string;
  protocol: 'tcp' | 'udp';
  port: number;
}

/**
 * A DNS server of the lab (dnsmasq): the ISP's on the router, which every node's resolv.conf names until `DNS =`
 * changes it, and one on each endpoint with `resolver: true`. Each answers the lab's names (`hosts`), says NXDOMAIN
 * for any other (nothing is forwarded out of the lab) and logs every query with its source.
 */
export interface ResolverService {
  node: string;
}

/** One WireGuard interface of one endpoint. */
export interface WgInterfacePlan {
  node: string;
  iface: string;
  listenPort?: number;
}

/** Everything a lab needs, worked out before any container exists. */
export interface LabPlan {
  id: string;
  scenario: Scenario;
  /**
   * The parsed wg-quick files the lab installs, keyed as scenarioConfigs keys them (the endpoint for wg0,
   * `<endpoint>/<iface>` otherwise): lint and the reports read these, never a second generation.
   */
  configs: Map<string, WgConfig>;
  /** Every container, the router first: what the runtime starts. */
  nodes: NodePlan[];
  /** Every network, internet links first: what the runtime creates. */
  links: LinkPlan[];
  /** The router's behaviour: ICMP errors and fragments passed or dropped. */
  internet: Internet;
  /** Every web server: endpoints that serve a name or whose address a check's URL names, and LAN hosts. */
  web: WebService[];
  /** Every TCP and UDP listener that `tcp:` and `udp:` checks connect to. */
  listeners: ListenerService[];
  /** Nodes a `ping:` check names: each logs the echo requests that reach it. */
  pingTargets: string[];
  /** Every DNS server: the router's (the ISP's) first. */
  resolvers: ResolverService[];
  endpoints: EndpointPlan[];
  lanHosts: LanHostPlan[];
  /** Names every node resolves (through /etc/hosts): served names and `names:` to public IPs, LAN hosts to theirs. */
  hosts: { host: string; ipAddress: string }[];
  /** WireGuard endpoints in the order to bring them up: those that only listen first. */
  wireguardOrder: string[];
  /** Every WireGuard interface, in bring-up order. */
  interfaces: WgInterfacePlan[];
  /** Each WireGuard endpoint's ListenPort (its wg0's, else its first interface's), where its file sets one. */
  listenPorts: Record<string, number>;
  /** Every ListenPort of every interface: WireGuard's UDP in captures. */
  wireguardPorts: number[];
  /** Which node holds each address a URL may name: scenario fields, LAN hosts and the configs' Address lines. */
  addressOwners: { address: string; node: string }[];
  /** Whether any address in the lab is IPv6: nodes then run with IPv6 on. */
  ipv6: boolean;
  /**
   * WireGuard endpoints with a peer they have no Endpoint for: they cannot start that session themselves, so a
   * request from them (or their LAN) depends on the peer having made a handshake first, e.g. an earlier check.
   */
  waitsForPeers: string[];
}

export interface PlanOptions {
  /** Pins WireGuard keys of generated configs (tests); fresh pairs otherwise. */
  keys?: KeySource;
  /** The lab's id; a fresh `wglab-<scenario>-<hex>` otherwise. */
  id?: string;
  /** wg-quick files already parsed, keyed as scenarioConfigs keys them (tests give texts of their own). */
  configs?: Map<string, WgConfig>;
}

let plansMade = 0;
/** How many plans this process has made: a run plans each scenario once, and a test holds it to that. */
export function planCount(): number {
  return plansMade;
}

/**
 * The only place a scenario becomes a lab: its wg-quick files (generated from `tunnel:` or read from `configs:`),
 * nodes, addresses, names and bring-up order. A file that cannot be read or parsed throws here, before any
 * container exists.
 */
export function planLab(scenario: Scenario, options: PlanOptions = {}): LabPlan {
  plansMade++;
  const configs = options.configs ?? scenarioConfigs(scenario, options.keys);
  const id = options.id ?? newLabId(scenario.name);
  const byEndpoint = new Map<string, { iface: string; config: WgConfig }[]>();
  for (const [key, config] of configs) {
    const { endpoint, iface } = splitConfigKey(key);
    byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), { iface, config }]);
  }
  // A peer with an Endpoint (an address or a name) is one this end dials; one without, one it waits for.
  const dials = (config: WgConfig) => readWgSettings(config).peers.some((peer) => peer.endpoint !== undefined);
  const waits = (config: WgConfig) => readWgSettings(config).peers.some((peer) => peer.endpoint === undefined);
  const waitsForPeers = [...byEndpoint]
    .filter(([, list]) => list.some(({ config }) => waits(config)))
    .map(([node]) => node);
  const interfaces: (WgInterfacePlan & { dials: boolean })[] = [...byEndpoint].flatMap(([node, list]) =>
    list.map(({ iface, config }) => ({
      node,
      iface,
      listenPort: readWgSettings(config).interface.listenPort?.value,
      dials: dials(config),
    })),
  );
  interfaces.sort((a, b) => Number(a.dials) - Number(b.dials));
  const wireguardOrder = [...new Set(interfaces.map((face) => face.node))];
  const lanHosts: LanHostPlan[] = lanHostsOf(scenario).map((host) => ({
    ...host,
    prefix: parseCidr(scenario.endpoints[host.endpoint]!.lan!.address)!.prefix,
  }));

  const addressOwners: { address: string; node: string }[] = [
    ...Object.values(scenario.endpoints).flatMap((endpoint) =>
      [
        ...endpoint.publicIps,
        ...endpoint.wgIps,
        ...(endpoint.lan ? [parseCidr(endpoint.lan.address)!.address] : []),
      ].map((address) => ({ address, node: endpoint.name })),
    ),
    ...lanHosts.map((host) => ({ address: host.address, node: host.name })),
    ...Object.values(scenario.endpoints).flatMap((endpoint) =>
      endpoint.nat ? [{ address: parseCidr(endpoint.nat.address)!.address, node: endpoint.name }] : [],
    ),
    ...[...configs].flatMap(([key, config]) =>
      configAddresses(config).map((address) => ({ address, node: splitConfigKey(key).endpoint })),
    ),
  ];
  const targets = scenario.checks.map((check) => {
    const target = checkTarget(check);
    return {
      check,
      target,
      node: target.kind === 'dns' ? undefined : nodeForHost({ scenario, addressOwners }, target.host),
    };
  });
  const servers = new Set(targets.filter(({ target }) => target.kind === 'http').map(({ node }) => node));
  const endpoints = Object.values(scenario.endpoints).map((endpoint): EndpointPlan => ({
    name: endpoint.name,
    publicIp: endpoint.publicIp,
    publicIps: endpoint.publicIps,
    interfaces: (byEndpoint.get(endpoint.name) ?? []).map(({ iface, config }) => ({
      iface,
      config: serializeWgConfig(config),
    })),
    serves: endpoint.serves,
    web: endpoint.serves !== undefined || servers.has(endpoint.name),
    lan: endpoint.lan && { address: endpoint.lan.address },
    files: endpoint.files,
    ...(endpoint.nat ? { nat: natPlanOf(endpoint.name, endpoint.nat) } : {}),
  }));
  const hosts = [
    ...Object.values(scenario.endpoints).flatMap((endpoint) =>
      [...(endpoint.serves ? [endpoint.serves] : []), ...endpoint.names].flatMap((host) =>
        endpoint.publicIps.map((ipAddress) => ({ host, ipAddress })),
      ),
    ),
    ...lanHosts.map((host) => ({ host: host.name, ipAddress: host.address })),
  ];
  const listenPorts = Object.fromEntries(
    wireguardOrder.flatMap((node) => {
      const faces = interfaces.filter((face) => face.node === node && face.listenPort !== undefined);
      const port = (faces.find((face) => face.iface === 'wg0') ?? faces[0])?.listenPort;
      return port === undefined ? [] : [[node, port]];
    }),
  );
  const wireguardPorts = [
    ...new Set(interfaces.flatMap((face) => (face.listenPort === undefined ? [] : [face.listenPort]))),
  ];
  const ipv6 =
    addressOwners.some((owner) => isIpv6(owner.address)) ||
    [...configs.values()].some((config) =>
      readWgSettings(config).peers.some((peer) => peer.allowedIps.some((allowed) => isIpv6(allowed.value.address))),
    );
  const links: LinkPlan[] = [
    ...endpoints.map((endpoint) => ({
      network: `${id}-${endpoint.name}`,
      kind: 'internet' as const,
      endpoint: endpoint.name,
      conditions: scenario.endpoints[endpoint.name]!.link ?? {},
    })),
    ...endpoints
      .filter((endpoint) => endpoint.lan)
      .map((endpoint) => ({
        network: `${id}-${endpoint.name}-lan`,
        kind: 'lan' as const,
        endpoint: endpoint.name,
        conditions: {},
      })),
    ...endpoints
      .filter((endpoint) => endpoint.nat)
      .map((endpoint) => ({
        network: `${id}-${endpoint.name}-inside`,
        kind: 'inside' as const,
        endpoint: endpoint.name,
        conditions: {},
      })),
  ];
  const linkOf = (endpoint: string, kind: LinkPlan['kind']) =>
    links.find((link) => link.endpoint === endpoint && link.kind === kind)!.network;
  // IPv6 on in every node when the lab uses it; no duplicate address detection, so addresses work at once.
  const ipv6Sysctls: Record<string, string> = ipv6
    ? {
        'net.ipv6.conf.all.disable_ipv6': '0',
        'net.ipv6.conf.default.disable_ipv6': '0',
        'net.ipv6.conf.all.accept_dad': '0',
        'net.ipv6.conf.default.accept_dad': '0',
      }
    : {};
  const nodes: NodePlan[] = [
    {
      name: routerNode,
      kind: 'router',
      networks: links.filter((link) => link.kind === 'internet').map((link) => link.network),
      sysctls: {
        ...ipv6Sysctls,
        'net.ipv4.ip_forward': '1',
        ...(ipv6 ? { 'net.ipv6.conf.all.forwarding': '1' } : {}),
      },
      scenarioSysctls: {},
    },
    ...endpoints.flatMap((endpoint) =>
      endpoint.nat
        ? [
            {
              name: endpoint.nat.node,
              kind: 'nat' as const,
              networks: [linkOf(endpoint.name, 'internet'), linkOf(endpoint.name, 'inside')],
              sysctls: {
                ...ipv6Sysctls,
                'net.ipv4.ip_forward': '1',
                ...(ipv6 ? { 'net.ipv6.conf.all.forwarding': '1' } : {}),
                ...(endpoint.nat.udpTimeout === undefined
                  ? {}
                  : {
                      'net.netfilter.nf_conntrack_udp_timeout': String(endpoint.nat.udpTimeout),
                      'net.netfilter.nf_conntrack_udp_timeout_stream': String(endpoint.nat.udpTimeout),
                    }),
              },
              scenarioSysctls: {},
            },
          ]
        : [],
    ),
    ...endpoints.map((endpoint) => ({
      name: endpoint.name,
      kind: 'endpoint' as const,
      networks: [
        linkOf(endpoint.name, endpoint.nat ? 'inside' : 'internet'),
        ...(endpoint.lan ? [linkOf(endpoint.name, 'lan')] : []),
      ],
      sysctls: ipv6Sysctls,
      scenarioSysctls: scenario.endpoints[endpoint.name]!.sysctls,
    })),
    ...lanHosts.map((host) => ({
      name: host.name,
      kind: 'lan-host' as const,
      networks: [linkOf(host.endpoint, 'lan')],
      sysctls: ipv6Sysctls,
      scenarioSysctls: {},
    })),
  ];
  const bodiesOf = (node: string) =>
    [
      ...new Set(
        targets.flatMap((target) =>
          target.check.bytes !== undefined && target.target.kind === 'http' && target.node === node
            ? [target.check.bytes]
            : [],
        ),
      ),
    ].sort((a, b) => a - b);
  const web: WebService[] = [
    ...endpoints
      .filter((endpoint) => endpoint.web)
      .map((endpoint) => ({
        node: endpoint.name,
        name: endpoint.serves ?? endpoint.name,
        dns: [...(endpoint.serves ? [endpoint.serves] : []), ...scenario.endpoints[endpoint.name]!.names],
        bodies: bodiesOf(endpoint.name),
      })),
    ...lanHosts.map((host) => ({ node: host.name, name: host.name, dns: [host.name], bodies: bodiesOf(host.name) })),
  ];
  const listeners: ListenerService[] = [];
  for (const { target, node } of targets)
    if ((target.kind === 'tcp' || target.kind === 'udp') && node !== undefined)
      if (
        !listeners.some((known) => known.node === node && known.protocol === target.kind && known.port === target.port)
      )
        listeners.push({ node, protocol: target.kind, port: target.port! });
  const pingTargets = [
    ...new Set(targets.flatMap(({ target, node }) => (target.kind === 'ping' && node !== undefined ? [node] : []))),
  ];
  const resolvers: ResolverService[] = [
    { node: routerNode },
    ...Object.values(scenario.endpoints)
      .filter((endpoint) => endpoint.resolver)
      .map((endpoint) => ({ node: endpoint.name })),
  ];
  return {
    id,
    scenario,
    configs,
    nodes,
    web,
    listeners,
    pingTargets,
    resolvers,
    links,
    internet: scenario.internet ?? { icmp: 'pass', fragments: 'pass' },
    endpoints,
    lanHosts,
    hosts,
    wireguardOrder,
    interfaces: interfaces.map(({ node, iface, listenPort }) => ({ node, iface, listenPort })),
    listenPorts,
    wireguardPorts,
    addressOwners,
    ipv6,
    waitsForPeers,
  };
}

/**
 * Every wg-quick file the lab installs, private keys redacted, keyed as LabPlan.configs (`A` for A's wg0,
 * `A/wg1` for its wg1): what reports, artifacts and the demo show.
 */
export function redactedConfigs(plan: Pick<LabPlan, 'configs'>): Record<string, string> {
  return Object.fromEntries([...plan.configs].map(([key, config]) => [key, redactWgConfig(serializeWgConfig(config))]));
}

/**
 * The node a URL's host names: an endpoint by served name or `names:`, a LAN host by name, or whoever
 * holds the address (scenario fields first, then the configs' Address lines).
 */
export function nodeForHost(plan: Pick<LabPlan, 'scenario' | 'addressOwners'>, host: string): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  const endpoint = Object.values(plan.scenario.endpoints).find(
    (candidate) => candidate.serves === bare || candidate.names.includes(bare),
  );
  if (endpoint) return endpoint.name;
  const lanHost = lanHostsOf(plan.scenario).find((candidate) => candidate.name === bare);
  if (lanHost) return lanHost.name;
  return plan.addressOwners.find((owner) => sameAddress(owner.address, bare))?.node;
}

/** The endpoint a node stands for: itself, or the endpoint a LAN host sits behind. */
export function endpointOfNode(plan: Pick<LabPlan, 'lanHosts'>, node: string): string {
  return plan.lanHosts.find((host) => host.name === node)?.endpoint ?? node;
}

/** `wglab-<scenario>-<6 hex>`: unique per run, and readable in `docker ps`. */
export function newLabId(scenarioName: string): string {
  const slug =
    scenarioName
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 32) || 'lab';
  return `wglab-${slug}-${randomBytes(3).toString('hex')}`;
}

function natPlanOf(endpoint: string, nat: Nat): NatPlan {
  const inside = parseCidr(nat.address)!;
  return {
    node: `${endpoint}-nat`,
    address: inside.address,
    prefix: inside.prefix,
    gateway: natGateway(nat.address),
    forward: nat.forward,
    ...(nat.udpTimeout === undefined ? {} : { udpTimeout: nat.udpTimeout }),
  };
}

/** The NAT in front of a node (an endpoint behind one, or a LAN host behind such an endpoint). */
export function natInFrontOf(plan: Pick<LabPlan, 'endpoints' | 'lanHosts'>, node: string): NatPlan | undefined {
  return plan.endpoints.find((endpoint) => endpoint.name === endpointOfNode(plan, node))?.nat;
}
