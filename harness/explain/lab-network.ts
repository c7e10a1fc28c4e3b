import { hostPrefix, isIpAddress, isIpv6, parseCidr } from '../net/ip.ts';
import { routerLinkIp, routerLinkIp6, type LabPlan } from '../lab/lab-plan.ts';
import { configKey } from '../wgconf/scenario-configs.ts';
import type { WgConfig } from '../wgconf/wg-config.ts';
import { addAddress, type NodeState } from '../routing/node-state.ts';
import { kernelRules } from '../routing/policy-rule.ts';
import { readWgQuickFile, wgQuickDown, wgQuickUp, wireguardKilled, type WgQuickFile } from '../routing/wg-quick.ts';

/** Which interface of which node a peer reaches, once it has heard from it (WireGuard roaming). */
export type Learned = Map<string, { node: string; iface: string }>;

export function learnedKey(node: string, iface: string, peerKey: string | undefined): string {
  return `${node} ${iface} ${peerKey ?? '?'}`;
}

/** The whole lab as the model sees it: every node's state, the router's routes, the fault in effect. */
export interface Network {
  nodes: Map<string, NodeState>;
  /** The router's host routes: each endpoint's public addresses. */
  publicOwners: { address: string; node: string }[];
  ipv6: boolean;
  /** With wireguard-blocked: the router drops UDP from or to these ports. */
  blockedUdpPorts: number[];
  /** Nodes on each endpoint's LAN (the endpoint and its hosts). */
  lans: Map<string, string[]>;
  /** Names every node resolves (/etc/hosts). */
  hosts: { host: string; ipAddress: string }[];
  learned: Learned;
  /** Set when an earlier check's outcome was unknown: what peers learned from it is unknown too. */
  learningUnknown?: string;
  /** The node (and interface, when it has several) a public key belongs to, for "peer B". */
  keyOwners: Map<string, string>;
  /** Nodes running nginx. */
  web: Set<string>;
  /** The lab's wg-quick files, by node, in bring-up order. */
  files: Map<string, WgQuickFile[]>;
  /** Each node's nameservers as resolv.conf has them: `DNS =` of its wg-quick files while up (and after a kill, which runs no hook), else none (the ISP's). */
  nameservers: Map<string, string[]>;
  /** Nodes that run a resolver: the router (`internet`) and endpoints with `resolver: true`. */
  resolvers: Set<string>;
  /** Nodes with a TCP or UDP listener, as `<node> <protocol> <port>`. */
  listeners: Set<string>;
  /** The router's behaviour toward ICMP errors and IP fragments. */
  internet: { icmp: 'pass' | 'drop'; fragments: 'pass' | 'drop' };
  /** Each endpoint's link to the router: its MTU (both sides), and whether a NAT stands on it. */
  links: Map<string, { mtu: number; nat: boolean }>;
  /** Which WireGuard runs, when known: whether routers may fragment its outer IPv4 packets depends on it. */
  wireguard?: 'kernel' | 'userspace';
  /** Each endpoint behind a NAT: what its NAT lets in. */
  nats: Map<string, NatView>;
}

/** Whether a NAT still maps an endpoint's WireGuard socket toward one peer node, as the check starts. */
export interface NatMapping {
  state: 'alive' | 'gone' | 'unknown';
  why: string;
}

/** A NAT in front of an endpoint, during one check: its forwarded ports, its mappings, and who the endpoint sent to. */
export interface NatView {
  forward: number[];
  /** By peer node, as the model's NAT clock sets them before the check; a node not here has no mapping. */
  mappings: Map<string, NatMapping>;
  /** Peer nodes the endpoint's WireGuard sent to during the check: from then on their answers find a mapping. */
  sent: Set<string>;
}

/** What the model needs from a scenario: its plan, the wg-quick files it installs, the files: it puts on nodes. */
export interface ModelInput {
  plan: LabPlan;
  configs: Map<string, WgConfig>;
  /** Node → path in the node → content (undefined when the local file cannot be read). */
  nodeFiles: Record<string, Record<string, string | undefined>>;
  /** Which WireGuard the lab runs, when known (a run knows; explain takes --wireguard or WGLAB_WIREGUARD). */
  wireguard?: 'kernel' | 'userspace';
}

export interface NetworkOptions {
  /** The endpoint whose WireGuard is down (tunnel-down, peer-down): wg-quick down with its hooks. */
  down?: string;
  /** The endpoint whose WireGuard interfaces were deleted without wg-quick (wireguard-killed): no hooks. */
  killed?: string;
  wireguardBlocked?: boolean;
  learned?: Learned;
  learningUnknown?: string;
}

/**
 * The lab's network before a check: the addresses and routes start-lab installs (each endpoint's public IPs on eth0
 * with a default route via the router, its LAN on eth1, each LAN host routed through its endpoint), then every
 * wg-quick file brought up in the lab's order with its hooks, and the fault's wg-quick down.
 */
export function buildNetwork(input: ModelInput, options: NetworkOptions = {}): Network {
  const { plan } = input;
  const nodes = new Map<string, NodeState>();
  const fresh = (name: string): NodeState => ({
    name,
    devices: [],
    rules: [...kernelRules(4), ...(plan.ipv6 ? kernelRules(6) : [])],
    routes: [],
    netfilter: [],
    policies: new Map(),
    // The scenario's sysctls are set before WireGuard starts, as in the lab.
    sysctls: new Map(Object.entries(plan.nodes.find((node) => node.name === name)?.scenarioSysctls ?? {})),
    wireguard: [],
    unknown: [],
    ipv6: plan.ipv6,
  });
  const lans = new Map<string, string[]>();
  const links = new Map(
    plan.endpoints.map((endpoint) => {
      const link = plan.links.find(
        (candidate) => candidate.endpoint === endpoint.name && candidate.kind === 'internet',
      );
      return [endpoint.name, { mtu: link?.conditions.mtu ?? 1500, nat: endpoint.nat !== undefined }] as const;
    }),
  );
  for (const endpoint of plan.endpoints) {
    const node = fresh(endpoint.name);
    // Behind a NAT the endpoint's own link is the NAT's inside one, which has no conditions.
    const link = links.get(endpoint.name)!;
    node.devices.push({ name: 'eth0', addresses: [], link: { kind: 'internet' }, mtu: link.nat ? 1500 : link.mtu });
    for (const address of endpoint.publicIps)
      addAddress(node, 'eth0', { address, prefix: hostPrefix(address) }, 'the lab (public IP)');
    node.routes.push(
      {
        family: 4,
        table: 'main',
        destination: { address: routerLinkIp, prefix: 32 },
        type: 'unicast',
        dev: 'eth0',
        metric: 0,
        origin: 'the lab',
      },
      {
        family: 4,
        table: 'main',
        destination: { address: '0.0.0.0', prefix: 0 },
        type: 'unicast',
        dev: 'eth0',
        via: routerLinkIp,
        metric: 0,
        origin: 'the lab',
      },
    );
    if (plan.ipv6)
      node.routes.push({
        family: 6,
        table: 'main',
        destination: { address: '::', prefix: 0 },
        type: 'unicast',
        dev: 'eth0',
        via: routerLinkIp6,
        metric: 1024,
        origin: 'the lab',
      });
    if (endpoint.lan) {
      node.devices.push({ name: 'eth1', addresses: [], link: { kind: 'lan', endpoint: endpoint.name }, mtu: 1500 });
      addAddress(node, 'eth1', parseCidr(endpoint.lan.address)!, 'the lab (LAN)');
      lans.set(endpoint.name, [endpoint.name]);
    }
    nodes.set(endpoint.name, node);
  }
  for (const host of plan.lanHosts) {
    const node = fresh(host.name);
    node.devices.push({ name: 'eth0', addresses: [], link: { kind: 'lan', endpoint: host.endpoint }, mtu: 1500 });
    addAddress(node, 'eth0', { address: host.address, prefix: host.prefix }, 'the lab (LAN host)');
    const gateway = parseCidr(plan.endpoints.find((endpoint) => endpoint.name === host.endpoint)!.lan!.address)!;
    node.routes.push({
      family: isIpv6(gateway.address) ? 6 : 4,
      table: 'main',
      destination: { address: isIpv6(gateway.address) ? '::' : '0.0.0.0', prefix: 0 },
      type: 'unicast',
      dev: 'eth0',
      via: gateway.address,
      metric: isIpv6(gateway.address) ? 1024 : 0,
      origin: 'the lab',
    });
    lans.get(host.endpoint)?.push(host.name);
    nodes.set(host.name, node);
  }
  const files = new Map<string, WgQuickFile[]>();
  const keyOwners = new Map<string, string>();
  for (const face of plan.interfaces) {
    const config = input.configs.get(configKey(face.node, face.iface));
    if (!config) continue;
    const file = readWgQuickFile(face.iface, config);
    files.set(face.node, [...(files.get(face.node) ?? []), file]);
    wgQuickUp(nodes.get(face.node)!, file, { files: input.nodeFiles[face.node] ?? {} });
  }
  for (const [node, list] of files) {
    for (const face of nodes.get(node)!.wireguard)
      if (face.publicKey) keyOwners.set(face.publicKey, list.length > 1 ? `${node} ${face.iface}` : node);
  }
  if (options.down !== undefined) {
    for (const file of [...(files.get(options.down) ?? [])].reverse())
      wgQuickDown(nodes.get(options.down)!, file, { files: input.nodeFiles[options.down] ?? {} });
  }
  if (options.killed !== undefined)
    for (const file of [...(files.get(options.killed) ?? [])].reverse())
      wireguardKilled(nodes.get(options.killed)!, file);
  return {
    nodes,
    publicOwners: plan.endpoints.flatMap((endpoint) =>
      endpoint.publicIps.map((address) => ({ address, node: endpoint.name })),
    ),
    ipv6: plan.ipv6,
    blockedUdpPorts: options.wireguardBlocked ? plan.wireguardPorts : [],
    lans,
    hosts: plan.hosts,
    learned: options.learned ?? new Map(),
    ...(options.learningUnknown === undefined ? {} : { learningUnknown: options.learningUnknown }),
    keyOwners,
    web: new Set([
      ...plan.endpoints.filter((endpoint) => endpoint.web).map((endpoint) => endpoint.name),
      ...plan.lanHosts.map((host) => host.name),
    ]),
    files,
    nameservers: new Map(
      [...files].map(([node, list]) => {
        const up = nodes.get(node)!.wireguard.flatMap((face) => face.dns);
        const kept = node === options.killed ? list.flatMap((file) => file.dns) : [];
        return [node, [...up, ...kept]] as const;
      }),
    ),
    resolvers: new Set(plan.resolvers.map((resolver) => resolver.node)),
    listeners: new Set(plan.listeners.map((listener) => `${listener.node} ${listener.protocol} ${listener.port}`)),
    internet: plan.internet,
    links,
    ...(input.wireguard === undefined ? {} : { wireguard: input.wireguard }),
    nats: new Map(
      plan.endpoints.flatMap((endpoint) =>
        endpoint.nat
          ? [
              [
                endpoint.name,
                {
                  forward: endpoint.nat.forward,
                  mappings: new Map<string, NatMapping>(),
                  sent: new Set<string>(),
                },
              ] as const,
            ]
          : [],
      ),
    ),
  };
}

/** A host name's addresses as /etc/hosts in the lab gives them; an address stands for itself. */
export function resolveHost(network: Pick<Network, 'hosts'>, host: string): string[] {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIpAddress(bare)) return [bare];
  return network.hosts
    .filter((entry) => entry.host.toLowerCase() === bare.toLowerCase())
    .map((entry) => entry.ipAddress);
}
