import { sameAddress } from '../net/ip.ts';
import { faultTarget, targetHost } from '../lab/faults.ts';
import { endpointOfNode, ispNameserver, nodeForHost, routerNode } from '../lab/lab-plan.ts';
import { checkTarget, type CheckTarget } from '../scenario/check-target.ts';
import { sectionsOf } from '../wgconf/wg-config.ts';
import { faultKind, faultNode, type Check } from '../scenario/scenario.ts';
import { runOrder, runsInFileOrder, takesEndDown } from '../scenario/check-order.ts';
import { familyOf, type Family, type Step } from '../routing/flow.ts';
import { NatClock } from './nat-mappings.ts';
import { buildNetwork, resolveHost, type Learned, type ModelInput, type Network } from './lab-network.ts';
import type { NodeState } from '../routing/node-state.ts';
import { decideRoute } from '../routing/route-decision.ts';
import { getaddrinfoOrder } from '../routing/address-order.ts';
import {
  fromRouter,
  newWalk,
  output,
  selectSource,
  sendOuter,
  tcpHeaders,
  type Outcome,
  type Packet,
  type Walk,
} from './packet-walk.ts';

export type PredictedPath = 'tunnel' | 'internet' | 'none' | 'unknown';

/** What the model says a check will show. */
export interface Prediction {
  path: PredictedPath;
  /** What the server's nginx logs (after SNAT), when the request gets there and its answer gets back. */
  sourceIp?: string;
  /** For a dns check: the node whose resolver answers (`internet` for the ISP's on the router). */
  resolver?: string;
  /** A transfer (`bytes:`) that connects and then stops short, as `expect.stalls` says it. */
  stalls?: true;
}

export interface CheckPrediction {
  /** 1-based, as `wglab run` numbers checks. */
  index: number;
  check: Check;
  predicted: Prediction;
  steps: Step[];
  /** Why it is none or unknown. */
  reason?: string;
}

const clientPort = 20000;

/**
 * Predicts every check of a scenario in the order `wglab run` runs them (runOrder: file order, with the checks
 * whose fault takes an end down after the others), each against the lab with its fault applied; WireGuard peers
 * remember where they last heard from each other until a restart: after every fault, and before a check whose
 * fault takes an end down when a check without a fault ran just before it. Predictions come in file order.
 */
export function predictChecks(input: ModelInput): CheckPrediction[] {
  const { plan } = input;
  const clock = new NatClock(
    new Map(plan.endpoints.flatMap((endpoint) => (endpoint.nat ? [[endpoint.name, endpoint.nat.udpTimeout]] : []))),
  );
  const start = () => {
    const { learned, network } = startingHandshakes(input);
    for (const [endpoint, nat] of network.nats) clock.sent(endpoint, nat.sent);
    return learned;
  };
  let learned: Learned = start();
  let learningUnknown: string | undefined;
  const checks = plan.scenario.checks;
  const waitsForEarlier = (check: Check) => plan.waitsForPeers.includes(endpointOfNode(plan, check.from));
  const inFileOrder = runsInFileOrder(checks, waitsForEarlier);
  const predictions: CheckPrediction[] = [];
  let previous: Check | undefined;
  for (const position of runOrder(checks, waitsForEarlier)) {
    const check = checks[position]!;
    // The lab restarts WireGuard before such a check when a check without a fault ran just before it.
    if (!inFileOrder && takesEndDown(check) && previous && !previous.fault) {
      clock.restarted();
      learned = start();
      learningUnknown = undefined;
    }
    previous = check;
    const kind = faultKind(check);
    const target =
      kind && kind !== 'wireguard-blocked'
        ? faultTarget(plan, kind, check.from, targetHost(check), faultNode(check))
        : undefined;
    const down = kind === 'tunnel-down' || kind === 'peer-down' ? target : undefined;
    const killed = kind === 'wireguard-killed' ? target : undefined;
    const rebound = kind === 'nat-rebind' ? target : undefined;
    clock.advance(check.idle ?? 0);
    if (kind !== undefined && kind !== 'nat-rebind') clock.interrupt();
    const options = {
      ...(down === undefined ? {} : { down }),
      ...(killed === undefined ? {} : { killed }),
      wireguardBlocked: kind === 'wireguard-blocked',
      learned,
      ...(learningUnknown === undefined ? {} : { learningUnknown }),
    };
    const network = buildNetwork(input, options);
    for (const [endpoint, mappings] of clock.mappings(network, rebound, check.idle ?? 0))
      for (const [peer, mapping] of mappings) network.nats.get(endpoint)?.mappings.set(peer, mapping);
    if (target !== undefined && rebound === undefined)
      for (const key of [...learned.keys()]) if (key.startsWith(`${target} `)) learned.delete(key);
    const prediction = predictCheck(network, input, check, position + 1);
    for (const [endpoint, nat] of network.nats) clock.sent(endpoint, nat.sent);
    if (prediction.predicted.path === 'unknown') {
      learningUnknown ??= `check ${position + 1}`;
      clock.undecided(`check ${position + 1}`);
    }
    if (check.fault) {
      if (down !== undefined) prediction.steps.unshift({ kind: 'note', text: `fault: wg-quick down on ${down}` });
      else if (killed !== undefined)
        prediction.steps.unshift({
          kind: 'note',
          text: `fault: WireGuard deleted on ${killed} without wg-quick (no hooks)`,
        });
      else if (kind === 'nat-rebind')
        prediction.steps.unshift({ kind: 'note', text: `fault: the NAT in front of ${target} forgets its mappings` });
      else prediction.steps.unshift({ kind: 'note', text: 'fault: the internet drops WireGuard UDP' });
      // After a fault the lab restarts WireGuard everywhere: what peers learned is gone. Undoing nat-rebind
      // flushes the NAT's mappings once more.
      if (rebound !== undefined) clock.forget(rebound);
      clock.restarted();
      learned = start();
      learningUnknown = undefined;
    }
    predictions[position] = prediction;
  }
  return predictions;
}

/**
 * The exit peer a request left the tunnel at, as the lab reads it: every clear crossing of the router has, on the
 * client's side, an address of one WireGuard node other than the client's own endpoint (it forwarded the request
 * under its own address after the tunnel). Undefined when any crossing is the client's own, or of no such node.
 */
function exitPeer(network: Network, input: ModelInput, from: string, sides: string[]): string | undefined {
  const owners = new Set(
    sides.map((side) => network.publicOwners.find((owner) => sameAddress(owner.address, side))?.node),
  );
  if (owners.size !== 1) return undefined;
  const [node] = [...owners];
  if (node === undefined || node === endpointOfNode(input.plan, from)) return undefined;
  return input.plan.wireguardOrder.includes(node) ? node : undefined;
}

/**
 * Right after wg-quick up, a peer with PersistentKeepalive and an Endpoint makes a handshake: the other end learns
 * it, and a NAT in front of the sender maps it (the network's `nats` say toward whom).
 */
export function startingHandshakes(input: ModelInput): { learned: Learned; network: Network } {
  const learned: Learned = new Map();
  const network = buildNetwork(input, { learned });
  for (const node of network.nodes.values())
    for (const face of node.wireguard)
      for (const peer of face.peers)
        if (peer.keepalive && peer.endpoint) sendOuter(network, node, face, peer, newWalk(), 0);
  return { learned, network };
}

function predictCheck(network: Network, input: ModelInput, check: Check, index: number): CheckPrediction {
  const target = checkTarget(check);
  const port = target.port ?? 0;
  const server = target.kind === 'dns' ? undefined : nodeForHost(input.plan, target.host);
  const client = network.nodes.get(check.from);
  const base = { index, check };
  if (!client) return { ...base, predicted: { path: 'unknown' }, steps: [], reason: `no node ${check.from}` };
  const nameserver = (network.nameservers.get(check.from) ?? [])[0];
  const addresses =
    target.kind === 'dns'
      ? [nameserver ?? ispNameserver(input.plan, check.from).replace(/%.*$/, '')]
      : getaddrinfoOrder(
          resolveHost(network, target.host).map((address) => ({ address, source: sourceFor(client, address) })),
        );
  if (addresses.length === 0)
    return { ...base, predicted: { path: 'none' }, steps: [], reason: `${target.host} resolves to nothing` };
  const service = serviceOf(network, target, server);
  const ping: Sizing | undefined =
    check.ping !== undefined && check.size !== undefined ? { kind: 'ping', bytes: check.size } : undefined;
  let first: { steps: Step[]; reason: string; stalls: boolean } | undefined;
  for (const address of addresses) {
    const attempt = connect(network, check.from, service, address, port, target.protocol, ping);
    if (attempt.kind === 'unknown')
      return {
        ...base,
        predicted: { path: 'unknown' },
        steps: [...attempt.steps, { kind: 'note', text: `unknown: ${attempt.reason}` }],
        reason: attempt.reason,
      };
    if (attempt.kind === 'answered') {
      const answered = predictAnswered(network, input, check, base, attempt);
      if (check.bytes === undefined || target.protocol !== 'tcp' || answered.predicted.path === 'unknown')
        return answered;
      return transfer(network, check, service, address, port, answered);
    }
    first ??= { steps: attempt.steps, reason: attempt.reason, stalls: attempt.stalls };
  }
  return {
    ...base,
    predicted: { path: 'none' },
    steps: [...first!.steps, { kind: 'deliver', text: 'none' }],
    reason: `${first!.reason}${first!.stalls ? ' (dropped silently: curl waits for its timeout)' : ''}`,
  };
}

/**
 * The source address a node's socket gets for a destination when it connects (what getaddrinfo asks the kernel
 * to order a name's addresses): the route its rules pick for an unmarked packet, and that route's source.
 */
function sourceFor(node: NodeState, address: string): string | undefined {
  const family = familyOf(address);
  if (family === 6 && !node.ipv6) return undefined;
  const decision = decideRoute(node.rules, node.routes, { family, dst: address, protocol: 'udp', mark: 0, iif: 'lo' });
  return decision.kind === 'route' ? selectSource(node, decision.route, family) : undefined;
}

/** An HTTP response's headers: with a body of `bytes`, the first segment is at most this much larger. */
const responseHeaders = 300;

/**
 * A transfer (`bytes:`) on a path the small request took: the server's full segments (the SYN's MSS as it
 * arrived, after clamps) walked back to the client. Lost on the way (a PMTU black hole, fragments dropped), the
 * transfer connects and stalls.
 */
function transfer(
  network: Network,
  check: Check,
  service: Service,
  address: string,
  port: number,
  answered: CheckPrediction,
): CheckPrediction {
  const attempt = connect(network, check.from, service, address, port, 'tcp', {
    kind: 'transfer',
    bytes: check.bytes!,
  });
  const steps =
    attempt.kind === 'answered' ? [...attempt.request.steps, ...replySteps(attempt.reply.steps)] : attempt.steps;
  const sized = steps.filter((step) => step.kind !== 'drop' && /MTU|segment|fragment|MSS/.test(step.text));
  if (attempt.kind === 'unknown')
    return {
      ...answered,
      predicted: { path: 'unknown' },
      steps: [...answered.steps, ...sized, { kind: 'note', text: `unknown: ${attempt.reason}` }],
      reason: attempt.reason,
    };
  const probing =
    attempt.kind === 'failed' && attempt.server !== undefined
      ? network.nodes.get(attempt.server)?.sysctls.get('net.ipv4.tcp_mtu_probing')
      : undefined;
  if (attempt.kind === 'failed' && probing !== undefined && probing !== '0') {
    const reason = `the transfer's full segments are lost (${attempt.reason}), but ${attempt.server} probes the path MTU itself (net.ipv4.tcp_mtu_probing = ${probing}) and may find a size that gets through`;
    return {
      ...answered,
      predicted: { path: 'unknown' },
      steps: [...answered.steps, { kind: 'note', text: `unknown: ${reason}` }],
      reason,
    };
  }
  if (attempt.kind === 'failed')
    return {
      ...answered,
      predicted: { ...answered.predicted, stalls: true },
      steps: [
        ...answered.steps,
        { kind: 'note', text: `the ${check.bytes}-byte transfer:` },
        ...steps.filter((step) => step.reply || /MSS/.test(step.text)),
        { kind: 'drop', text: 'stalls: it connects, and its full segments never arrive' },
      ],
      reason: `the transfer stalls: ${attempt.reason}`,
    };
  return {
    ...answered,
    steps: [
      ...answered.steps,
      {
        kind: 'note',
        text: `the ${check.bytes}-byte transfer completes${sized.length ? `: ${sized.map((step) => step.text).join('; ')}` : ''}`,
      },
    ],
  };
}

/** The prediction for an exchange that was answered: its path, as the lab reads it from where its packets were. */
function predictAnswered(
  network: Network,
  input: ModelInput,
  check: Check,
  base: { index: number; check: Check },
  attempt: Attempt & { kind: 'answered' },
): CheckPrediction {
  const { request, reply } = attempt;
  const steps = [
    ...request.steps,
    {
      kind: 'deliver' as const,
      text: `${attempt.server} sees ${attempt.sourceIp}${request.nat.length === 0 ? ' (no SNAT)' : ''}`,
    },
    ...replySteps(reply.steps),
  ];
  const tunnel = request.tunnel || reply.tunnel;
  const clear = request.clear || reply.clear;
  const exit =
    tunnel && clear ? exitPeer(network, input, check.from, [...request.clearSides, ...reply.clearSides]) : undefined;
  if (exit !== undefined)
    return {
      ...base,
      predicted: { path: 'tunnel', sourceIp: attempt.sourceIp, ...attempt.resolver },
      steps: [
        ...steps,
        {
          kind: 'deliver',
          text: `tunnel (left at ${exit}: in clear only from ${exit}'s own address, after the tunnel)`,
        },
      ],
    };
  if (tunnel && clear)
    return {
      ...base,
      predicted: { path: 'unknown', sourceIp: attempt.sourceIp },
      steps: [
        ...steps,
        { kind: 'note', text: 'unknown: the TCP would be both in the tunnel and in clear (the lab reads both)' },
      ],
      reason: 'the request and its reply take different paths, one through the tunnel and one in clear',
    };
  if (!tunnel && !clear)
    return {
      ...base,
      predicted: { path: 'unknown', sourceIp: attempt.sourceIp },
      steps: [
        ...steps,
        { kind: 'note', text: 'unknown: neither a tunnel nor the router carries it (the lab reads unclear)' },
      ],
      reason: 'the request never crosses the router nor a WireGuard interface',
    };
  const path = tunnel ? 'tunnel' : 'internet';
  return {
    ...base,
    predicted: { path, sourceIp: attempt.sourceIp, ...attempt.resolver },
    steps: [...steps, { kind: 'deliver', text: path }],
  };
}

/** Whose size the model follows in an exchange: a transfer's segments back, or a ping's echo both ways. */
type Sizing = { kind: 'transfer'; bytes: number } | { kind: 'ping'; bytes: number };

type Attempt =
  | { kind: 'answered'; sourceIp: string; request: Walk; reply: Walk; server: string; resolver: { resolver?: string } }
  | { kind: 'failed'; steps: Step[]; reason: string; stalls: boolean; server?: string }
  | { kind: 'unknown'; steps: Step[]; reason: string };

/** What answers a check where it arrives: nginx, a listener, the kernel (echo), a resolver; and how steps name it. */
interface Service {
  answers(node: string): boolean;
  /** `nginx on B`, `the TCP listener on B:22`, `B (echo reply)`, `internet's resolver`. */
  name(node: string): string;
  /** What a node that does not answer does to it. */
  refused(node: string, address: string): string;
  /** For dns: the answering resolver's node goes into the prediction. */
  names?: 'resolver';
}

function serviceOf(network: Network, target: CheckTarget, server: string | undefined): Service {
  switch (target.kind) {
    case 'dns':
      return {
        answers: (node) => network.resolvers.has(node),
        name: (node) => (node === routerNode ? "the ISP's resolver (internet)" : `${node}'s resolver`),
        refused: (node, address) => `${node} answers ${address} but runs no resolver: the query is refused`,
        names: 'resolver',
      };
    case 'ping':
      return {
        answers: (node) => node === server,
        name: (node) => `${node} (echo reply)`,
        refused: (node, address) => `${node} answers ${address}, not the ping's target ${server}`,
      };
    case 'tcp':
    case 'udp':
      return {
        answers: (node) => node === server && network.listeners.has(`${node} ${target.kind} ${target.port}`),
        name: (node) => `the ${target.kind.toUpperCase()} listener on ${node}:${target.port}`,
        refused: (node, address) => `${node} answers ${address} but nothing listens on ${target.kind} ${target.port}`,
      };
    default:
      return {
        answers: (node) => node === server && network.web.has(node),
        name: (node) => `nginx on ${node}`,
        refused: (node, address) => `${node} answers ${address} but runs no web server for it: connection refused`,
      };
  }
}

/** One exchange: the check's packet to its server, and the server's answer back to the client's socket. */
function connect(
  network: Network,
  from: string,
  service: Service,
  address: string,
  port: number,
  protocol: 'tcp' | 'udp' | 'icmp',
  sizing?: Sizing,
): Attempt {
  const request = newWalk();
  const family = familyOf(address);
  if (sizing?.kind === 'transfer') request.syn = {};
  if (sizing?.kind === 'ping')
    request.size = {
      bytes: sizing.bytes + (family === 4 ? 28 : 48),
      sender: 'ping',
      dontFragment: true,
      fragmented: false,
    };
  const packet: Packet = {
    family: familyOf(address),
    dst: address,
    protocol,
    sport: protocol === 'icmp' ? 0 : clientPort,
    dport: port,
    mark: 0,
  };
  const there = output(network, network.nodes.get(from)!, packet, request);
  if (there.kind !== 'delivered') return fail(request, there);
  if (request.syn?.unknown)
    return { kind: 'unknown', steps: request.steps, reason: `the SYN's MSS: ${request.syn.unknown}` };
  const clientSrc = originalSource(request, there.packet.src);
  if (!service.answers(there.node)) {
    const reason = service.refused(there.node, address);
    request.steps.push({ kind: 'drop', text: reason });
    return { kind: 'failed', steps: request.steps, reason, stalls: false };
  }
  const reply = newWalk(true);
  reply.nat = request.nat;
  if (sizing?.kind === 'transfer') {
    const mss = request.syn?.mss ?? 1500 - tcpHeaders(family);
    const bytes = Math.min(mss, sizing.bytes + responseHeaders) + tcpHeaders(family);
    reply.size = { bytes, sender: 'tcp', dontFragment: true, fragmented: false };
    reply.steps.push({
      kind: 'note',
      text: `${there.node} sends ${bytes}-byte segments (the SYN's MSS ${mss} as it arrived)`,
    });
  }
  if (sizing?.kind === 'ping')
    // The kernel's echo reply carries no Don't Fragment (IPv4): a smaller link on the way fragments it.
    reply.size = { bytes: request.size!.bytes, sender: 'echo-reply', dontFragment: family === 6, fragmented: false };
  const back: Packet & { src: string } = {
    family: packet.family,
    src: there.packet.dst,
    dst: there.packet.src,
    protocol,
    sport: there.packet.dport,
    dport: protocol === 'icmp' ? 0 : clientPort,
    mark: 0,
  };
  const home =
    there.node === routerNode
      ? fromRouter(network, back, reply)
      : output(network, network.nodes.get(there.node)!, back, reply);
  const steps = () => [...request.steps, ...replySteps(reply.steps)];
  if (home.kind !== 'delivered') {
    if (home.kind === 'unknown') return { kind: 'unknown', steps: steps(), reason: home.reason };
    return {
      kind: 'failed',
      steps: steps(),
      reason: `the reply is lost: ${home.reason}`,
      stalls: true,
      server: there.node,
    };
  }
  if (home.node !== from || !sameAddress(home.packet.dst, clientSrc) || !sameAddress(home.packet.src, address)) {
    const reason = `the reply reaches ${home.node} as ${home.packet.src} → ${home.packet.dst}, which is not the connection ${from} opened to ${address}: dropped`;
    reply.steps.push({ kind: 'drop', text: reason });
    return { kind: 'failed', steps: steps(), reason, stalls: true };
  }
  return {
    kind: 'answered',
    sourceIp: there.packet.src,
    request,
    reply,
    server: service.name(there.node),
    resolver: service.names === 'resolver' ? { resolver: there.node } : {},
  };
}

/** The client's own source address: before any SNAT the client node applied. */
function originalSource(walk: Walk, delivered: string): string {
  return walk.nat.find((record) => record.kind === 'snat')?.before ?? delivered;
}

function fail(walk: Walk, outcome: Exclude<Outcome, { kind: 'delivered' }>): Attempt {
  if (outcome.kind === 'unknown') return { kind: 'unknown', steps: walk.steps, reason: outcome.reason };
  return { kind: 'failed', steps: walk.steps, reason: outcome.reason, stalls: outcome.stalls };
}

/** The reply's steps, marked as such; the first one says `reply:`. */
function replySteps(steps: Step[]): Step[] {
  return steps.map((step, at) => ({ ...step, text: at === 0 ? `reply: ${step.text}` : step.text, reply: true }));
}
