import { sameAddress } from '../net/ip.ts';
import { faultTarget, targetHost } from '../lab/faults.ts';
import { endpointOfNode, nodeForHost, routerLinkIp, routerLinkIp6, routerNode } from '../lab/lab-plan.ts';
import { checkTarget, type CheckTarget } from '../scenario/check-target.ts';
import { sectionsOf } from '../wgconf/wg-config.ts';
import { faultKind, faultNode, type Check } from '../scenario/scenario.ts';
import { familyOf, type Family, type Step } from '../routing/flow.ts';
import { buildNetwork, resolveHost, type Learned, type ModelInput, type Network } from './lab-network.ts';
import { addressesOf } from '../routing/node-state.ts';
import { fromRouter, newWalk, output, sendOuter, type Outcome, type Packet, type Walk } from './packet-walk.ts';

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
 * Predicts every check of a scenario in file order, as `wglab run` runs them: each against the lab with its fault
 * applied; WireGuard peers remember where they last heard from each other until a fault's restart.
 */
export function predictChecks(input: ModelInput): CheckPrediction[] {
  const { plan } = input;
  let learned: Learned = startingHandshakes(input);
  let learningUnknown: string | undefined;
  return plan.scenario.checks.map((check, position) => {
    const kind = faultKind(check);
    const target =
      kind && kind !== 'wireguard-blocked'
        ? faultTarget(plan, kind, check.from, targetHost(check), faultNode(check))
        : undefined;
    const down = kind === 'tunnel-down' || kind === 'peer-down' ? target : undefined;
    const killed = kind === 'wireguard-killed' ? target : undefined;
    const network = buildNetwork(input, {
      ...(down === undefined ? {} : { down }),
      ...(killed === undefined ? {} : { killed }),
      wireguardBlocked: kind === 'wireguard-blocked',
      learned,
      ...(learningUnknown === undefined ? {} : { learningUnknown }),
    });
    if (target !== undefined)
      for (const key of [...learned.keys()]) if (key.startsWith(`${target} `)) learned.delete(key);
    const prediction = natOutcome(
      plan,
      check,
      transferOutcome(plan, check, predictCheck(network, input, check, position + 1)),
    );
    if (prediction.predicted.path === 'unknown') learningUnknown ??= `check ${position + 1}`;
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
      // After a fault the lab restarts WireGuard everywhere: what peers learned is gone.
      learned = startingHandshakes(input);
      learningUnknown = undefined;
    }
    return prediction;
  });
}

/**
 * A NAT in front of an endpoint: the model walks its packets as if the endpoint held its public address (what
 * leaves the NAT is the same), but it does not follow mappings: whether an inbound packet finds one (no mapping
 * yet, expired after an idle wait, forgotten by nat-rebind) it does not decide, so such checks are unknown.
 */
function natOutcome(plan: ModelInput['plan'], check: Check, prediction: CheckPrediction): CheckPrediction {
  const natted = plan.endpoints.filter((endpoint) => endpoint.nat);
  if (natted.length === 0) return prediction;
  const timeouts = natted.flatMap((endpoint) =>
    endpoint.nat!.udpTimeout === undefined ? [] : [endpoint.nat!.udpTimeout],
  );
  const reason =
    faultKind(check) === 'nat-rebind'
      ? 'the NAT forgets its mappings (nat-rebind), and the model does not follow NAT mappings'
      : check.idle !== undefined && timeouts.some((timeout) => check.idle! >= timeout)
        ? `the check waits ${check.idle} s, as long as a NAT keeps an idle UDP mapping, and the model does not follow NAT mappings`
        : natted.some((endpoint) => endpointOfNode(plan, check.from) !== endpoint.name)
          ? `${natted.map((endpoint) => endpoint.name).join(', ')} sits behind a NAT, and a packet from outside may find no mapping: the model does not follow NAT mappings`
          : undefined;
  if (reason === undefined) return prediction;
  return {
    ...prediction,
    predicted: { path: 'unknown' },
    steps: [...prediction.steps, { kind: 'note', text: `unknown: ${reason}` }],
    reason,
  };
}

/**
 * A transfer (`bytes:`) on a path the model walks: whether it completes depends on MTUs, ICMP and fragments along
 * the way, which the model does not decide; where the scenario sets none of them, it completes like any request.
 */
function transferOutcome(plan: ModelInput['plan'], check: Check, prediction: CheckPrediction): CheckPrediction {
  const walked = prediction.predicted.path === 'tunnel' || prediction.predicted.path === 'internet';
  if (check.bytes === undefined || !walked) return prediction;
  const conditions = [
    ...(plan.internet.icmp === 'drop' ? ['the internet drops ICMP errors'] : []),
    ...(plan.internet.fragments === 'drop' ? ['the internet drops fragments'] : []),
    ...plan.links.flatMap((link) =>
      link.conditions.mtu === undefined ? [] : [`${link.endpoint}'s link has MTU ${link.conditions.mtu}`],
    ),
  ];
  if (conditions.length === 0) return prediction;
  const reason = `a ${check.bytes}-byte transfer on this path may stall: ${conditions.join(', ')}, and the model does not decide MTUs`;
  return {
    ...prediction,
    predicted: { path: 'unknown' },
    steps: [...prediction.steps, { kind: 'note', text: reason }],
    reason,
  };
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

/** Right after wg-quick up, a peer with PersistentKeepalive and an Endpoint makes a handshake: the other end learns it. */
export function startingHandshakes(input: ModelInput): Learned {
  const learned: Learned = new Map();
  const network = buildNetwork(input, { learned });
  for (const node of network.nodes.values())
    for (const face of node.wireguard)
      for (const peer of face.peers)
        if (peer.keepalive && peer.endpoint) sendOuter(network, node, face, peer, newWalk(), 0);
  return learned;
}

function predictCheck(network: Network, input: ModelInput, check: Check, index: number): CheckPrediction {
  const target = checkTarget(check);
  const port = target.port ?? 0;
  const server = target.kind === 'dns' ? undefined : nodeForHost(input.plan, target.host);
  const client = network.nodes.get(check.from);
  const base = { index, check };
  if (!client) return { ...base, predicted: { path: 'unknown' }, steps: [], reason: `no node ${check.from}` };
  const families = new Set(
    addressesOf(client)
      .filter((cidr) => !/^(fe80:|169\.254\.)/i.test(cidr.address))
      .map((cidr) => familyOf(cidr.address)),
  );
  const score = (family: Family) => (families.has(family) ? 0 : 2) + (family === 6 ? 0 : 1);
  const nameserver = (network.nameservers.get(check.from) ?? [])[0];
  const addresses =
    target.kind === 'dns'
      ? [nameserver ?? (families.has(4) ? routerLinkIp : routerLinkIp6)]
      : resolveHost(network, target.host).sort((a, b) => score(familyOf(a)) - score(familyOf(b)));
  if (addresses.length === 0)
    return { ...base, predicted: { path: 'none' }, steps: [], reason: `${target.host} resolves to nothing` };
  const service = serviceOf(network, target, server);
  const mtuNote = pingMtuUnknown(input, check);
  if (mtuNote !== undefined)
    return {
      ...base,
      predicted: { path: 'unknown' },
      steps: [{ kind: 'note', text: `unknown: ${mtuNote}` }],
      reason: mtuNote,
    };
  let first: { steps: Step[]; reason: string; stalls: boolean } | undefined;
  for (const address of addresses) {
    const attempt = connect(network, check.from, service, address, port, target.protocol);
    if (attempt.kind === 'unknown')
      return {
        ...base,
        predicted: { path: 'unknown' },
        steps: [...attempt.steps, { kind: 'note', text: `unknown: ${attempt.reason}` }],
        reason: attempt.reason,
      };
    if (attempt.kind === 'answered') {
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
        tunnel && clear
          ? exitPeer(network, input, check.from, [...request.clearSides, ...reply.clearSides])
          : undefined;
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
    first ??= { steps: attempt.steps, reason: attempt.reason, stalls: attempt.stalls };
  }
  return {
    ...base,
    predicted: { path: 'none' },
    steps: [...first!.steps, { kind: 'deliver', text: 'none' }],
    reason: `${first!.reason}${first!.stalls ? ' (dropped silently: curl waits for its timeout)' : ''}`,
  };
}

type Attempt =
  | { kind: 'answered'; sourceIp: string; request: Walk; reply: Walk; server: string; resolver: { resolver?: string } }
  | { kind: 'failed'; steps: Step[]; reason: string; stalls: boolean }
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

/**
 * A ping with Don't Fragment whose packet may not fit the path: the model does not decide MTUs, so a packet larger
 * than the smallest MTU the lab may put on its way (WireGuard's 1420 or an MTU its files set, 1280 for IPv6, a
 * link's MTU less WireGuard's 80 bytes) is unknown; a smaller one fits every path of the lab.
 */
function pingMtuUnknown(input: ModelInput, check: Check): string | undefined {
  if (check.ping === undefined || check.size === undefined) return undefined;
  const v6 = check.ping.includes(':');
  const packet = check.size + (v6 ? 48 : 28);
  const wireguardMtus = [...input.configs.values()].flatMap((config) =>
    sectionsOf(config)
      .filter((section) => section.name === 'Interface')
      .flatMap((section) => section.entries.filter((entry) => entry.key === 'MTU').map((entry) => Number(entry.value)))
      .filter((mtu) => Number.isInteger(mtu)),
  );
  const linkMtus = input.plan.links.flatMap((link) => (link.conditions.mtu === undefined ? [] : [link.conditions.mtu]));
  const limit = Math.min(v6 ? 1280 : 1420, ...wireguardMtus, ...linkMtus.map((mtu) => mtu - 80));
  if (packet <= limit) return undefined;
  return `a ${packet}-byte ping packet with Don't Fragment may not fit the path (the lab's smallest MTU on a tunnel's way is ${limit}), and the model does not decide MTUs`;
}

/** One exchange: the check's packet to its server, and the server's answer back to the client's socket. */
function connect(
  network: Network,
  from: string,
  service: Service,
  address: string,
  port: number,
  protocol: 'tcp' | 'udp' | 'icmp',
): Attempt {
  const request = newWalk();
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
  const clientSrc = originalSource(request, there.packet.src);
  if (!service.answers(there.node)) {
    const reason = service.refused(there.node, address);
    request.steps.push({ kind: 'drop', text: reason });
    return { kind: 'failed', steps: request.steps, reason, stalls: false };
  }
  const reply = newWalk(true);
  reply.nat = request.nat;
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
    return { kind: 'failed', steps: steps(), reason: `the reply is lost: ${home.reason}`, stalls: true };
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
