import { bracketed, isIpv6, sameAddress } from '../net/ip.ts';
import { peerForDestination, sourceAllowed, type WgPeer } from '../routing/cryptokey.ts';
import type { Family, Flow, Step } from '../routing/flow.ts';
import { familyOf } from '../routing/flow.ts';
import { learnedKey, resolveHost, type NatView, type Network } from './lab-network.ts';
import { describeNetfilterRule, runChain, type ChainResult, type FilterPacket } from '../routing/netfilter.ts';
import { addressesOf, isLocal, type NodeState, type WgInterface } from '../routing/node-state.ts';
import { describeRule } from '../routing/policy-rule.ts';
import { decideRoute } from '../routing/route-decision.ts';
import { describeRoute, type Route } from '../routing/route-table.ts';
import { formatCidr } from '../net/ip.ts';
import {
  baseRpFilter,
  baseSrcValidMark,
  routerLinkIp,
  routerLinkIp6,
  routerNode,
  routerResolverIp6,
} from '../lab/lab-plan.ts';

export interface Packet {
  family: Family;
  src?: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  sport: number;
  dport: number;
  mark: number;
  /** An ICMP error message (fragmentation needed, packet too big): `icmp: drop` on the internet loses it. */
  icmpError?: true;
}

/** The size of a walk's packets, where it matters: a transfer's full segments, a large ping, WireGuard's outer UDP. */
export interface Size {
  /** Bytes, IP header included. */
  bytes: number;
  /**
   * What the packets are: TCP segments (their sender makes smaller ones where its own route is smaller, and after
   * an ICMP error), a ping or its echo reply (one packet: an error ends it), WireGuard's outer UDP.
   */
  sender: 'tcp' | 'ping' | 'echo-reply' | 'outer';
  /** Don't Fragment; undefined where it depends on which WireGuard runs (outer IPv4). */
  dontFragment: boolean | undefined;
  /** Fragments of it are on the way (its sender, or a node that forwarded it, cut it up). */
  fragmented: boolean;
}

/** A NAT a node applied to the connection: conntrack undoes it on the replies that pass that node. */
export interface NatRecord {
  node: string;
  kind: 'snat' | 'dnat';
  before: string;
  after: string;
}

/** One connection's walk: its steps, its NATs, and where its TCP was seen. */
export interface Walk {
  steps: Step[];
  nat: NatRecord[];
  /** The request's own packets went through a WireGuard interface. */
  tunnel: boolean;
  /** The request's own packets crossed the router in clear. */
  clear: boolean;
  /** The client's side of each clear crossing (a request's source, a reply's destination), after any NAT. */
  clearSides: string[];
  reply: boolean;
  /** Set where the packets' size matters; undefined for small packets, which fit every link. */
  size?: Size;
  /**
   * On a TCP request whose MSS is followed: the MSS its SYN announces, as clamps on the way lower it; `unknown` when
   * a chain that may clamp it could not be read.
   */
  syn?: { mss?: number; unknown?: string };
  /** An ICMP error: conntrack takes it as RELATED to the connection it is about. */
  related?: true;
}

export type Outcome =
  | { kind: 'delivered'; node: string; packet: Packet & { src: string } }
  | { kind: 'dropped'; reason: string; stalls: boolean }
  | { kind: 'unknown'; reason: string };

const ephemeralPort = 40000;
const maxDepth = 4;

export function newWalk(reply = false): Walk {
  return { steps: [], nat: [], tunnel: false, clear: false, clearSides: [], reply };
}

/** A packet this node makes: rules and tables pick the route (and the source), then it leaves. */
export function output(network: Network, node: NodeState, packet: Packet, walk: Walk, depth = 0): Outcome {
  if (node.unknown.length > 0) return unknownOn(node);
  if (packet.family === 6 && !node.ipv6) return dropped(walk, `${node.name} has IPv6 off`, false);
  let current = reverseNat(node, packet, walk);
  const mangled = runChain(node.netfilter, node.policies, 'mangle', 'OUTPUT', filterPacket(node, current, walk, 'lo'));
  if (mangled.result.kind === 'unknown') return unknownRule(node, mangled.result);
  current = { ...current, mark: mangled.mark };
  const flow = (src?: string): Flow => ({
    family: current.family,
    ...(src === undefined ? {} : { src }),
    dst: current.dst,
    protocol: current.protocol,
    sport: current.sport,
    dport: current.dport,
    mark: current.mark,
    iif: 'lo',
  });
  let decision = decideRoute(node.rules, node.routes, flow(current.src));
  if (decision.kind === 'route' && current.src === undefined) {
    const src = selectSource(node, decision.route, current.family);
    if (src === undefined)
      return dropped(walk, `${node.name} has no ${current.family === 4 ? 'IPv4' : 'IPv6'} address to send from`, false);
    current = { ...current, src };
    decision = decideRoute(node.rules, node.routes, flow(src));
  }
  for (const note of decision.notes) walk.steps.push({ kind: 'note', text: `${node.name}: ${note}` });
  if (decision.kind === 'fail')
    return dropped(
      walk,
      `${node.name}: ${decision.reason} (${decision.error}: the sender gets an error at once)`,
      false,
    );
  const route = decision.route;
  walk.steps.push({
    kind: 'route',
    text: `${node.name}: ${describeRule(decision.rule)} → ${describeRoute(route)}`,
    ...(route.dev === undefined ? {} : { dev: route.dev }),
  });
  const sending = { ...current, src: current.src ?? selectSource(node, route, current.family)! };
  if (route.type === 'local') return input(network, node, 'lo', sending, walk, depth);
  const filtered = runChain(node.netfilter, node.policies, 'filter', 'OUTPUT', {
    ...filterPacket(node, sending, walk, undefined),
    oif: route.dev,
  });
  const stop = chainStops(node, filtered.result, walk);
  if (stop) return stop;
  if (walk.syn && walk.syn.mss === undefined && depth === 0 && !walk.reply && sending.protocol === 'tcp')
    walk.syn.mss = route.advmss ?? routeMtu(node, route) - tcpHeaders(sending.family);
  return postrouting(network, node, route, sending, walk, depth, undefined);
}

/**
 * MSS clamping (mangle FORWARD for a forwarded packet, then POSTROUTING) on the SYN of a followed TCP request, then
 * nat POSTROUTING (SNAT, MASQUERADE) on a connection's first packet, then onto the wire. `iif` is where a forwarded
 * packet came in; undefined for one this node made.
 */
function postrouting(
  network: Network,
  node: NodeState,
  route: Route,
  packet: Packet & { src: string },
  walk: Walk,
  depth: number,
  iif: string | undefined,
): Outcome {
  if (walk.syn && !walk.reply && depth === 0 && packet.protocol === 'tcp') clampMss(node, route, packet, walk, iif);
  let current = packet;
  if (!walk.reply) {
    const nat = runChain(node.netfilter, node.policies, 'nat', 'POSTROUTING', {
      ...filterPacket(node, current, walk, undefined),
      oif: route.dev,
    });
    if (nat.result.kind === 'unknown') return unknownRule(node, nat.result);
    const to =
      nat.result.kind === 'snat'
        ? nat.result.to
        : nat.result.kind === 'masquerade'
          ? selectSource(node, route, current.family)
          : undefined;
    const natRule = nat.result.kind === 'snat' || nat.result.kind === 'masquerade' ? nat.result.rule : undefined;
    if (to !== undefined && natRule && !sameAddress(to, current.src)) {
      walk.nat.push({ node: node.name, kind: 'snat', before: current.src, after: to });
      walk.steps.push({
        kind: 'nat',
        text: `${node.name}: ${nat.result.kind === 'masquerade' ? 'MASQUERADE' : 'SNAT'} ${current.src} → ${to} (${describeNetfilterRule(natRule)})`,
      });
      current = { ...current, src: to };
    }
  }
  return transmit(network, node, route, current, walk, depth, iif === undefined);
}

/**
 * TCPMSS on the SYN, wherever the kernel takes it (mangle and filter FORWARD or OUTPUT, mangle POSTROUTING): the
 * MSS lowered to a number, or (`--clamp-mss-to-pmtu`) to the smaller of the outgoing route's MTU and the route's
 * back to the sender, less the headers. A chain it cannot read leaves the MSS unknown.
 */
function clampMss(
  node: NodeState,
  route: Route,
  packet: Packet & { src: string },
  walk: Walk,
  iif: string | undefined,
) {
  const hook = iif === undefined ? 'OUTPUT' : 'FORWARD';
  const chains: [string, string][] = [
    ['mangle', hook],
    ['filter', hook],
    ['mangle', 'POSTROUTING'],
  ];
  const back = decideRoute(node.rules, node.routes, {
    family: packet.family,
    src: packet.dst,
    dst: packet.src,
    protocol: packet.protocol,
    sport: packet.dport,
    dport: packet.sport,
    mark: 0,
    iif: 'lo',
  });
  const pmtu = Math.min(routeMtu(node, route), back.kind === 'route' ? routeMtu(node, back.route) : Infinity);
  for (const [table, chain] of chains) {
    const { result, mss } = runChain(node.netfilter, node.policies, table, chain, {
      ...filterPacket(node, packet, walk, iif),
      oif: route.dev,
    });
    if (result.kind === 'unknown')
      walk.syn!.unknown ??= `${node.name}: ${describeNetfilterRule(result.rule)}: ${result.reason}`;
    for (const clamp of mss) {
      const to = clamp === 'pmtu' ? pmtu - tcpHeaders(packet.family) : clamp;
      if (walk.syn!.mss !== undefined && to < walk.syn!.mss) {
        walk.steps.push({
          kind: 'note',
          text: `${node.name}: TCPMSS clamps the SYN's MSS ${walk.syn!.mss} → ${to}${clamp === 'pmtu' ? ` (path MTU ${pmtu})` : ''}`,
        });
        walk.syn!.mss = to;
      }
    }
  }
}

/** The MTU packets by a route leave with: the route's own `mtu`, else its device's. */
function routeMtu(node: NodeState, route: Route): number {
  return route.mtu ?? node.devices.find((device) => device.name === route.dev)?.mtu ?? 1500;
}

/** IP and TCP headers without options: an MSS is the MTU less these. */
export function tcpHeaders(family: Family): number {
  return family === 4 ? 40 : 60;
}

function transmit(
  network: Network,
  node: NodeState,
  route: Route,
  packet: Packet & { src: string },
  walk: Walk,
  depth: number,
  originated: boolean,
): Outcome {
  const device = node.devices.find((candidate) => candidate.name === route.dev);
  if (!device) return dropped(walk, `${node.name}: no device ${route.dev}`, false);
  if (walk.size) {
    const mtu = route.mtu ?? device.mtu;
    const sendIcmp = (icmp: Packet, icmpWalk: Walk) => output(network, node, icmp, icmpWalk, 0);
    const stop = fit(network, `${node.name} ${device.name}`, mtu, packet, walk, originated, sendIcmp);
    if (stop) return stop;
  }
  if (device.link.kind === 'wireguard') return throughWireguard(network, node, device.name, packet, walk, depth);
  if (device.link.kind === 'internet') return router(network, packet, walk, depth);
  const hop = route.via ?? packet.dst;
  const members = network.lans.get(device.link.endpoint) ?? [];
  const next = members
    .filter((name) => name !== node.name)
    .map((name) => network.nodes.get(name)!)
    .find((candidate) => isLocal(candidate, hop));
  if (!next) return dropped(walk, `no node on ${device.link.endpoint}'s LAN holds ${hop}`, true);
  const iif = next.name === device.link.endpoint ? 'eth1' : 'eth0';
  walk.steps.push({ kind: 'route', text: `LAN → ${next.name} ${iif}` });
  return input(network, next, iif, packet, walk, depth);
}

/**
 * A packet larger than the MTU it leaves by, where its size is followed. The node that made it: TCP sends smaller
 * segments, a ping with Don't Fragment fails ("message too long"), anything else is sent in fragments. A node that
 * forwards it: without Don't Fragment (IPv4 only) it fragments it; with it, it drops it and sends an ICMP error to
 * the packet's source, which then sends smaller segments or fragments: unless the error never gets there, a PMTU
 * black hole (a stall). Undefined when the packet goes on.
 */
function fit(
  network: Network,
  where: string,
  mtu: number,
  packet: Packet & { src: string },
  walk: Walk,
  originated: boolean,
  sendIcmp: (icmp: Packet, icmpWalk: Walk) => Outcome,
): Outcome | undefined {
  const size = walk.size!;
  if (size.bytes <= mtu) return undefined;
  const what = `${size.bytes}-byte ${sizeName(size)}`;
  const note = (text: string) => walk.steps.push({ kind: 'note', text: `${where}: ${text}` });
  if (originated) {
    if (size.sender === 'tcp') {
      note(`MTU ${mtu}: it sends ${mtu}-byte segments`);
      size.bytes = mtu;
    } else if (size.sender === 'ping')
      return dropped(walk, `${where}: the ${what} does not fit (MTU ${mtu}): "message too long"`, false);
    else {
      note(`MTU ${mtu}: the ${what} leaves in fragments`);
      cutInto(size, mtu, packet.family);
    }
    return undefined;
  }
  const dontFragment = packet.family === 6 ? true : size.dontFragment;
  if (dontFragment === undefined)
    return {
      kind: 'unknown',
      reason: `${where}: the ${what} does not fit (MTU ${mtu}); kernel WireGuard sends it without Don't Fragment (fragmented here), wireguard-go with it (dropped here, an ICMP error back): which runs decides (explain --wireguard)`,
    };
  if (!dontFragment) {
    note(`MTU ${mtu}: it forwards the ${what} in fragments`);
    cutInto(size, mtu, packet.family);
    return undefined;
  }
  const error = packet.family === 4 ? 'fragmentation needed' : 'packet too big';
  const icmpWalk = newWalk();
  icmpWalk.related = true;
  const icmp = sendIcmp(
    { family: packet.family, dst: packet.src, protocol: 'icmp', sport: 0, dport: 0, mark: 0, icmpError: true },
    icmpWalk,
  );
  if (icmp.kind === 'unknown') return { kind: 'unknown', reason: `the ICMP "${error}" from ${where}: ${icmp.reason}` };
  const reached = icmp.kind === 'delivered' && sameAddress(icmp.packet.dst, packet.src);
  if (!reached) {
    const why = icmp.kind === 'dropped' ? icmp.reason : `it reaches ${icmp.node}, not ${packet.src}`;
    return dropped(
      walk,
      `${where}: the ${what} does not fit (MTU ${mtu}) and has Don't Fragment; the ICMP "${error}" to ${packet.src} is lost (${why}): a PMTU black hole`,
      true,
    );
  }
  if (size.sender === 'ping' || size.sender === 'echo-reply')
    return dropped(
      walk,
      `${where}: the ${what} does not fit (MTU ${mtu}); ${packet.src} gets ICMP "${error}" and the echo is lost`,
      false,
    );
  if (size.sender === 'tcp') {
    note(
      `the ${what} does not fit (MTU ${mtu}); ICMP "${error}" reaches ${packet.src}, which sends ${mtu}-byte segments`,
    );
    size.bytes = mtu;
  } else {
    note(`the ${what} does not fit (MTU ${mtu}); ICMP "${error}" reaches ${packet.src}, which sends it in fragments`);
    cutInto(size, mtu, packet.family);
  }
  return undefined;
}

/** Fragments: none larger than the MTU that cut them; an IPv4 fragment is cut again where it does not fit. */
function cutInto(size: Size, mtu: number, family: Family): void {
  size.fragmented = true;
  size.bytes = Math.min(size.bytes, mtu);
  if (family === 4) size.dontFragment = false;
}

/**
 * The NAT in front of an endpoint, for a packet from outside: an ICMP error, a forwarded UDP port and the answers of
 * a connection the endpoint opened get in; a peer's WireGuard packets only while the endpoint's socket is mapped
 * toward that peer (its own packets in this check, or a mapping still alive); nothing else.
 */
function throughNat(
  nat: NatView,
  endpoint: string,
  sender: string | undefined,
  packet: Packet & { src: string },
  walk: Walk,
  depth: number,
): Outcome | undefined {
  if (packet.icmpError) return undefined;
  if (packet.protocol === 'udp' && nat.forward.includes(packet.dport)) {
    walk.steps.push({ kind: 'nat', text: `the NAT in front of ${endpoint} forwards UDP ${packet.dport}` });
    return undefined;
  }
  if (depth === 0) {
    if (walk.reply) return undefined;
    return dropped(
      walk,
      `the NAT in front of ${endpoint} drops it: nothing inside opened this connection${nat.forward.length ? ` (it forwards UDP ${nat.forward.join(', ')} only)` : ''}`,
      true,
    );
  }
  if (sender !== undefined && nat.sent.has(sender)) return undefined;
  const mapping = (sender === undefined ? undefined : nat.mappings.get(sender)) ?? {
    state: 'gone',
    why: `${endpoint} has sent nothing to ${sender ?? packet.src} yet`,
  };
  if (mapping.state === 'alive') {
    walk.steps.push({ kind: 'nat', text: `the NAT in front of ${endpoint} still maps it: ${mapping.why}` });
    return undefined;
  }
  if (mapping.state === 'unknown')
    return { kind: 'unknown', reason: `the NAT in front of ${endpoint}: ${mapping.why}` };
  return dropped(
    walk,
    `the NAT in front of ${endpoint} has no mapping for ${sender ?? packet.src}'s WireGuard packets: ${mapping.why}`,
    true,
  );
}

function sizeName(size: Size): string {
  return { tcp: 'TCP segment', ping: 'ping', 'echo-reply': 'echo reply', outer: 'WireGuard packet' }[size.sender];
}

/** The internet router: host routes to each endpoint's public addresses, nothing else; wireguard-blocked drops WireGuard's UDP. */
function router(network: Network, packet: Packet & { src: string }, walk: Walk, depth: number): Outcome {
  if (depth === 0) {
    walk.clear = true;
    walk.clearSides.push(walk.reply ? packet.dst : packet.src);
  }
  if (packet.family === 6 && !network.ipv6) return dropped(walk, 'the internet carries no IPv6 in this lab', false);
  if (packet.icmpError && network.internet.icmp === 'drop')
    return dropped(walk, 'the internet drops ICMP errors (icmp: drop)', true);
  const fragmentsDropped = () =>
    walk.size?.fragmented && network.internet.fragments === 'drop'
      ? dropped(
          walk,
          `the internet drops IP fragments (fragments: drop), and the ${sizeName(walk.size)} is in fragments`,
          true,
        )
      : undefined;
  const early = fragmentsDropped();
  if (early) return early;
  if (
    packet.protocol === 'udp' &&
    (network.blockedUdpPorts.includes(packet.sport) || network.blockedUdpPorts.includes(packet.dport))
  )
    return dropped(walk, 'the internet drops WireGuard UDP (wireguard-blocked)', true);
  if ([routerLinkIp, routerLinkIp6, routerResolverIp6].some((address) => sameAddress(packet.dst, address))) {
    walk.steps.push({ kind: 'internet', text: `internet: the router's own address ${packet.dst}` });
    return { kind: 'delivered', node: routerNode, packet };
  }
  const owner = network.publicOwners.find((entry) => sameAddress(entry.address, packet.dst));
  if (!owner)
    return dropped(
      walk,
      `the internet has no route to ${packet.dst} (only the endpoints' public addresses are routed there)`,
      false,
    );
  const sender = network.publicOwners.find((entry) => sameAddress(entry.address, packet.src))?.node;
  // WireGuard's UDP from an endpoint behind a NAT maps its socket toward that peer: the peer's answers get in.
  if (depth >= 1 && sender !== undefined) network.nats.get(sender)?.sent.add(owner.node);
  const nat = network.nats.get(owner.node);
  const barred = nat ? throughNat(nat, owner.node, sender, packet, walk, depth) : undefined;
  if (barred) return barred;
  if (walk.size) {
    const from = network.publicOwners.find((entry) => sameAddress(entry.address, packet.src))?.node;
    const natted = [owner.node, from].find(
      (node) => node !== undefined && network.links.get(node)?.nat && network.links.get(node)!.mtu !== 1500,
    );
    if (natted !== undefined)
      return {
        kind: 'unknown',
        reason: `the link of ${natted}'s NAT has MTU ${network.links.get(natted)!.mtu}, and the model does not decide MTUs at a NAT`,
      };
    const sendIcmp = (icmp: Packet, icmpWalk: Walk): Outcome =>
      network.internet.icmp === 'drop'
        ? dropped(icmpWalk, 'the internet drops ICMP errors, its own too (icmp: drop)', true)
        : router(network, { ...icmp, src: icmp.family === 4 ? routerLinkIp : routerLinkIp6 }, icmpWalk, 1);
    const before = walk.size.fragmented;
    const mtu = network.links.get(owner.node)?.mtu ?? 1500;
    const stop = fit(network, `internet → ${owner.node}`, mtu, packet, walk, false, sendIcmp);
    if (stop) return stop;
    // Fragments the router cuts itself pass it (its fragment filter sees only what comes in); a sender that
    // learned the MTU from its ICMP error sends fragments that come in.
    const learned = !before && walk.size.fragmented && (packet.family === 6 || walk.size.dontFragment === true);
    const late = learned ? fragmentsDropped() : undefined;
    if (late) return late;
  }
  walk.steps.push({ kind: 'internet', text: `internet → ${owner.node} eth0` });
  return input(network, network.nodes.get(owner.node)!, 'eth0', packet, walk, depth);
}

/** A packet arriving on `iif`: raw and nat PREROUTING, then delivered (filter and nat INPUT) or forwarded. */
function input(
  network: Network,
  node: NodeState,
  iif: string,
  packet: Packet & { src: string },
  walk: Walk,
  depth: number,
): Outcome {
  if (node.unknown.length > 0) return unknownOn(node);
  if (packet.family === 6 && !node.ipv6) return dropped(walk, `${node.name} has IPv6 off`, true);
  let current = reverseNat(node, packet, walk) as Packet & { src: string };
  if (iif !== 'lo') {
    const raw = runChain(node.netfilter, node.policies, 'raw', 'PREROUTING', filterPacket(node, current, walk, iif));
    const stop = chainStops(node, raw.result, walk);
    if (stop) return stop;
    const mangled = runChain(
      node.netfilter,
      node.policies,
      'mangle',
      'PREROUTING',
      filterPacket(node, current, walk, iif),
    );
    if (mangled.result.kind === 'unknown') return unknownRule(node, mangled.result);
    current = { ...current, mark: mangled.mark };
    if (!walk.reply) {
      const nat = runChain(node.netfilter, node.policies, 'nat', 'PREROUTING', filterPacket(node, current, walk, iif));
      if (nat.result.kind === 'unknown') return unknownRule(node, nat.result);
      if (nat.result.kind === 'dnat') {
        walk.nat.push({ node: node.name, kind: 'dnat', before: current.dst, after: nat.result.to });
        walk.steps.push({ kind: 'nat', text: `${node.name}: DNAT ${current.dst} → ${nat.result.to}` });
        current = { ...current, dst: nat.result.to, ...(nat.result.port ? { dport: nat.result.port } : {}) };
      }
    }
  }
  const rp = iif === 'lo' ? 0 : rpFilter(node, iif, current.family);
  // The kernel checks the way back as if the packet came in where its own route leaves: for a forwarded packet, the
  // forward route's device (so `iif` rules for the other side match), for one delivered here, none (lo); with the
  // packet's mark only under src_valid_mark.
  const ahead = isLocal(node, current.dst) ? undefined : decideRoute(node.rules, node.routes, { ...current, iif });
  if (rp > 0 && ahead?.kind !== 'fail') {
    const srcValidMark = (node.sysctls.get('net.ipv4.conf.all.src_valid_mark') ?? baseSrcValidMark) !== '0';
    const back = decideRoute(node.rules, node.routes, {
      ...current,
      src: current.dst,
      dst: current.src,
      sport: current.dport,
      dport: current.sport,
      iif: ahead?.route.dev ?? 'lo',
      mark: srcValidMark ? current.mark : 0,
    });
    if (back.kind === 'fail' || (rp === 1 && back.route.dev !== iif))
      return dropped(
        walk,
        `${node.name}: rp_filter=${rp} drops it (the way back to ${current.src} ${back.kind === 'fail' ? 'does not exist' : `leaves by ${back.route.dev}, not ${iif}`})`,
        true,
      );
  }
  if (isLocal(node, current.dst)) {
    const filtered = runChain(node.netfilter, node.policies, 'filter', 'INPUT', filterPacket(node, current, walk, iif));
    const stop = chainStops(node, filtered.result, walk);
    if (stop) return stop;
    if (!walk.reply) {
      const nat = runChain(node.netfilter, node.policies, 'nat', 'INPUT', filterPacket(node, current, walk, iif));
      if (nat.result.kind === 'unknown') return unknownRule(node, nat.result);
      if (nat.result.kind === 'snat' && !sameAddress(nat.result.to, current.src)) {
        walk.nat.push({ node: node.name, kind: 'snat', before: current.src, after: nat.result.to });
        walk.steps.push({
          kind: 'nat',
          text: `${node.name}: SNAT in nat INPUT ${current.src} → ${nat.result.to} (${describeNetfilterRule(nat.result.rule)})`,
        });
        current = { ...current, src: nat.result.to };
      }
    }
    return { kind: 'delivered', node: node.name, packet: current };
  }
  return forward(network, node, iif, current, walk, depth);
}

function forward(
  network: Network,
  node: NodeState,
  iif: string,
  packet: Packet & { src: string },
  walk: Walk,
  depth: number,
): Outcome {
  const ipv4Set = node.sysctls.get('net.ipv4.ip_forward') ?? node.sysctls.get('net.ipv4.conf.all.forwarding');
  const forwarding =
    packet.family === 4 ? (ipv4Set ?? '1') !== '0' : (node.sysctls.get('net.ipv6.conf.all.forwarding') ?? '0') !== '0';
  const byDefault = `${node.name} forwards IPv4 only because lab nodes do (they inherit the Docker host's net.ipv4.ip_forward=1): a fresh Linux host does not, and no sysctl in ${node.name}'s files or the scenario's sysctls turns it on`;
  if (
    packet.family === 4 &&
    ipv4Set === undefined &&
    !walk.reply // the request's walk says it once
  )
    walk.steps.push({ kind: 'note', text: byDefault });
  if (!forwarding)
    return dropped(
      walk,
      `${node.name} does not forward ${packet.family === 4 ? 'IPv4' : 'IPv6'} (${packet.family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding'} is 0)`,
      true,
    );
  const flow: Flow = { ...packet, iif };
  const decision = decideRoute(node.rules, node.routes, flow);
  for (const note of decision.notes) walk.steps.push({ kind: 'note', text: `${node.name}: ${note}` });
  if (decision.kind === 'fail') return dropped(walk, `${node.name}: ${decision.reason}`, false);
  walk.steps.push({
    kind: 'route',
    text: `${node.name} forwards: ${describeRule(decision.rule)} → ${describeRoute(decision.route)}`,
    ...(decision.route.dev === undefined ? {} : { dev: decision.route.dev }),
  });
  const filtered = runChain(node.netfilter, node.policies, 'filter', 'FORWARD', {
    ...filterPacket(node, packet, walk, iif),
    oif: decision.route.dev,
  });
  const stop = chainStops(node, filtered.result, walk);
  if (stop) return stop;
  return postrouting(network, node, decision.route, packet, walk, depth, iif);
}

/**
 * The reverse-path filter on an interface: the larger of `all` and the interface's own, as the kernel takes it. An
 * interface takes `default` when it is made: eth0 before any sysctl (0), eth1 and the other links after the lab's
 * (loose), WireGuard's after the scenario's.
 */
function rpFilter(node: NodeState, iif: string, family: Family): number {
  if (family === 6) return 0;
  const get = (scope: string) => node.sysctls.get(`net.ipv4.conf.${scope}.rp_filter`);
  const made = iif === 'eth0' ? '0' : /^eth\d+$/.test(iif) ? baseRpFilter : (get('default') ?? baseRpFilter);
  return Math.max(Number(get('all') ?? baseRpFilter) || 0, Number(get(iif) ?? made) || 0);
}

/** Cryptokey routing: the peer whose AllowedIPs hold the destination, then the encrypted UDP to its endpoint. */
function throughWireguard(
  network: Network,
  node: NodeState,
  iface: string,
  packet: Packet & { src: string },
  walk: Walk,
  depth: number,
): Outcome {
  const face = node.wireguard.find((candidate) => candidate.iface === iface)!;
  const chosen = peerForDestination(face.peers, packet.dst);
  if (!chosen)
    return dropped(
      walk,
      `${node.name} ${iface}: no peer's AllowedIPs hold ${packet.dst}, so WireGuard drops it`,
      false,
    );
  if (depth === 0) walk.tunnel = true;
  walk.steps.push({
    kind: 'wireguard',
    text: `${iface} → peer ${peerName(network, chosen.peer)} (AllowedIPs ${formatCidr(chosen.allowed)})`,
  });
  const arrived = sendOuter(network, node, face, chosen.peer, walk, depth);
  if (arrived.kind !== 'arrived') return arrived;
  const { target, targetFace, targetPeer } = arrived;
  const allowed = sourceAllowed(targetFace.peers, targetPeer, packet.src);
  if (!allowed)
    return dropped(
      walk,
      `${target.name} ${targetFace.iface} drops it: ${packet.src} is not in the AllowedIPs of its peer ${peerName(network, targetPeer)} (WireGuard's source check)`,
      true,
    );
  walk.steps.push({ kind: 'wireguard', text: `${target.name} ${targetFace.iface}` });
  return input(network, target, targetFace.iface, packet, walk, depth);
}

type Arrival =
  | { kind: 'arrived'; target: NodeState; targetFace: WgInterface; targetPeer: WgPeer }
  | Exclude<Outcome, { kind: 'delivered' }>;

/** The encrypted UDP from `face` to `peer`'s endpoint, routed with the interface's fwmark; the other end learns where it came from. */
export function sendOuter(
  network: Network,
  node: NodeState,
  face: WgInterface,
  peer: WgPeer,
  walk: Walk,
  depth: number,
): Arrival {
  if (depth >= maxDepth)
    return dropped(walk, `${node.name}: WireGuard's packets would loop through ${face.iface}`, true);
  const learned = network.learned.get(learnedKey(node.name, face.iface, peer.publicKey));
  let address: string | undefined;
  let port: number | undefined;
  if (learned) {
    const other = network.nodes.get(learned.node)!;
    const otherFace = other.wireguard.find((candidate) => candidate.iface === learned.iface);
    address = otherFace
      ? addressesOf(other).find((cidr) =>
          network.publicOwners.some((owner) => sameAddress(owner.address, cidr.address)),
        )?.address
      : undefined;
    address ??= network.publicOwners.find((owner) => owner.node === learned.node)?.address;
    port = otherFace ? listenPortOf(other, otherFace) : portOfDownFace(network, learned.node, learned.iface);
  } else if (peer.endpoint) {
    address = resolveHost(network, peer.endpoint.host)[0];
    port = peer.endpoint.port;
    if (address === undefined)
      return dropped(walk, `${node.name} ${face.iface}: Endpoint ${peer.endpoint.host} resolves to no address`, false);
  }
  if ((address === undefined || port === undefined) && network.learningUnknown !== undefined)
    return {
      kind: 'unknown',
      reason: `peer ${peerName(network, peer)} of ${node.name} ${face.iface} has no Endpoint, and whether it heard from it depends on an earlier check that is unknown (${network.learningUnknown})`,
    };
  if (address === undefined || port === undefined)
    return dropped(
      walk,
      `${node.name} ${face.iface}: peer ${peerName(network, peer)} has no Endpoint and has not heard from it yet, so WireGuard cannot send (host unreachable)`,
      false,
    );
  const outer: Packet = {
    family: familyOf(address),
    dst: address,
    protocol: 'udp',
    sport: listenPortOf(node, face),
    dport: port,
    mark: face.fwmark,
  };
  // The kernel routes WireGuard's own packets like any other, with the interface's fwmark: into itself is a loop.
  const first = decideRoute(node.rules, node.routes, { ...outer, iif: 'lo' });
  const src = first.kind === 'route' ? selectSource(node, first.route, outer.family) : undefined;
  walk.steps.push({
    kind: 'wireguard',
    text: `outer UDP ${src === undefined ? '' : bracketed(src)}:${outer.sport} → ${bracketed(address)}:${port}${face.fwmark ? ` (fwmark 0x${face.fwmark.toString(16)})` : ''}${learned && !peer.endpoint ? ' (where it last heard from the peer)' : ''}`,
  });
  if (first.kind === 'route' && first.route.dev === face.iface) {
    walk.steps.push({
      kind: 'route',
      text: `${node.name}: ${describeRule(first.rule)} → ${describeRoute(first.route)}`,
      dev: face.iface,
    });
    return dropped(
      walk,
      `${node.name}: WireGuard's own packets to ${address} would go into ${face.iface} itself (a routing loop), so nothing leaves`,
      true,
    );
  }
  const outerWalk: Walk = {
    steps: walk.steps,
    nat: [],
    tunnel: false,
    clear: false,
    clearSides: [],
    reply: false,
    ...(walk.size ? { size: outerSize(network, node, face, walk.size, outer.family) } : {}),
  };
  const outcome = output(network, node, outer, outerWalk, depth + 1);
  if (outcome.kind !== 'delivered') return outcome;
  const target = network.nodes.get(outcome.node)!;
  const targetFace = target.wireguard.find((candidate) => listenPortOf(target, candidate) === outer.dport);
  if (!targetFace)
    return dropped(walk, `nothing listens on ${target.name} UDP ${outer.dport} (WireGuard is down there)`, true);
  if (peer.publicKey !== undefined && targetFace.publicKey !== peer.publicKey)
    return dropped(
      walk,
      `${target.name} ${targetFace.iface} has another key than the peer ${node.name} ${face.iface} dials: the handshake fails`,
      true,
    );
  const targetPeer = targetFace.peers.find((candidate) => candidate.publicKey === face.publicKey);
  if (!targetPeer)
    return dropped(
      walk,
      `${target.name} ${targetFace.iface} has no [Peer] with ${node.name} ${face.iface}'s key: the handshake fails`,
      true,
    );
  network.learned.set(learnedKey(target.name, targetFace.iface, face.publicKey), {
    node: node.name,
    iface: face.iface,
  });
  return { kind: 'arrived', target, targetFace, targetPeer };
}

/**
 * WireGuard's UDP for an inner packet: the inner padded to 16 bytes (not past the interface's MTU), 32 bytes of
 * header and tag, UDP and IP. Kernel WireGuard never sets Don't Fragment; wireguard-go's socket (IPv4) sets it on
 * every packet that fits its route, as Linux does by default.
 */
function outerSize(network: Network, node: NodeState, face: WgInterface, inner: Size, family: Family): Size {
  const mtu = node.devices.find((device) => device.name === face.iface)?.mtu ?? 1420;
  const padded = Math.max(inner.bytes, Math.min(Math.ceil(inner.bytes / 16) * 16, mtu));
  return {
    bytes: padded + 32 + 8 + (family === 4 ? 20 : 40),
    sender: 'outer',
    dontFragment: network.wireguard === undefined ? undefined : network.wireguard === 'userspace',
    fragmented: false,
  };
}

/** A ListenPort, or for an interface without one a port of its own that no listen port equals. */
function listenPortOf(node: NodeState, face: WgInterface): number {
  return face.listenPort ?? ephemeralPort + node.wireguard.indexOf(face);
}

function portOfDownFace(network: Network, node: string, iface: string): number | undefined {
  const file = network.files.get(node)?.find((candidate) => candidate.iface === iface);
  return file?.settings.interface.listenPort?.value ?? ephemeralPort;
}

function peerName(network: Network, peer: WgPeer): string {
  return (peer.publicKey && network.keyOwners.get(peer.publicKey)) ?? peer.publicKey?.slice(0, 8) ?? '(no key)';
}

/** The source a locally made packet takes: the route's src, else the first address of its family on the device, else any. */
export function selectSource(node: NodeState, route: Route, family: Family): string | undefined {
  if (route.src !== undefined) return route.src;
  const ofFamily = (address: string) => familyOf(address) === family && !isLinkLocal(address);
  const device = node.devices.find((candidate) => candidate.name === route.dev);
  return (
    device?.addresses.find((cidr) => ofFamily(cidr.address))?.address ??
    addressesOf(node).find((cidr) => ofFamily(cidr.address))?.address
  );
}

function isLinkLocal(address: string): boolean {
  return isIpv6(address) ? /^fe80:/i.test(address) : address.startsWith('169.254.');
}

/** Conntrack on a reply: a node that NATed the request undoes it on the way back. */
function reverseNat(node: NodeState, packet: Packet, walk: Walk): Packet {
  if (!walk.reply) return packet;
  let current = packet;
  for (const nat of walk.nat.filter((record) => record.node === node.name)) {
    if (nat.kind === 'snat' && sameAddress(current.dst, nat.after)) {
      walk.steps.push({ kind: 'nat', text: `${node.name}: conntrack undoes the SNAT: ${nat.after} → ${nat.before}` });
      current = { ...current, dst: nat.before };
    } else if (nat.kind === 'dnat' && current.src !== undefined && sameAddress(current.src, nat.after)) {
      walk.steps.push({ kind: 'nat', text: `${node.name}: conntrack undoes the DNAT: ${nat.after} → ${nat.before}` });
      current = { ...current, src: nat.before };
    }
  }
  return current;
}

function filterPacket(node: NodeState, packet: Packet, walk: Walk, iif: string | undefined): FilterPacket {
  return {
    family: packet.family,
    src: packet.src ?? (packet.family === 4 ? '0.0.0.0' : '::'),
    dst: packet.dst,
    protocol: packet.protocol,
    sport: packet.sport,
    dport: packet.dport,
    mark: packet.mark,
    ...(iif === undefined ? {} : { iif }),
    state: walk.related ? 'RELATED' : walk.reply ? 'ESTABLISHED' : 'NEW',
    isLocal: (address) => isLocal(node, address),
  };
}

function chainStops(node: NodeState, result: ChainResult, walk: Walk): Outcome | undefined {
  if (result.kind === 'unknown') return unknownRule(node, result);
  if (result.kind === 'drop' || result.kind === 'reject') {
    const what = result.rule ? describeNetfilterRule(result.rule) : 'the chain policy DROP';
    return dropped(
      walk,
      `${node.name}: ${what} ${result.kind === 'drop' ? 'drops' : 'rejects'} it`,
      result.kind === 'drop',
    );
  }
  return undefined;
}

function dropped(walk: Walk, reason: string, stalls: boolean): Outcome & { kind: 'dropped' } {
  walk.steps.push({ kind: 'drop', text: reason });
  return { kind: 'dropped', reason, stalls };
}

function unknownOn(node: NodeState): Outcome {
  return { kind: 'unknown', reason: `${node.name}: ${node.unknown[0]}` };
}

function unknownRule(node: NodeState, result: ChainResult & { kind: 'unknown' }): Outcome {
  return { kind: 'unknown', reason: `${node.name}: ${describeNetfilterRule(result.rule)}: ${result.reason}` };
}

/** A packet the internet router itself sends (the ISP resolver's answer): its host routes to the endpoints. */
export function fromRouter(network: Network, packet: Packet & { src: string }, walk: Walk): Outcome {
  return router(network, packet, walk, 0);
}
