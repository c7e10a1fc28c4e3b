import { sameAddress } from '../net/ip.ts';
import { faultTarget } from '../lab/faults.ts';
import { endpointOfNode, nodeForHost } from '../lab/lab-plan.ts';
import { faultKind, faultNode, type Check } from '../scenario/scenario.ts';
import { familyOf, type Family, type Step } from '../routing/flow.ts';
import { buildNetwork, resolveHost, type Learned, type ModelInput, type Network } from './lab-network.ts';
import { addressesOf } from '../routing/node-state.ts';
import { newWalk, output, sendOuter, type Outcome, type Packet, type Walk } from './packet-walk.ts';

export type PredictedPath = 'tunnel' | 'internet' | 'none' | 'unknown';

/** What the model says a check will show. */
export interface Prediction {
  path: PredictedPath;
  /** What the server's nginx logs (after SNAT), when the request gets there and its answer gets back. */
  sourceIp?: string;
  /** The DNS server the client's `DNS =` sets (names in URLs still come from /etc/hosts in the lab). */
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
        ? faultTarget(plan, kind, check.from, check.url, faultNode(check))
        : undefined;
    const down = kind === 'wireguard-killed' ? undefined : target;
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
    const prediction = transferOutcome(plan, check, predictCheck(network, input, check, position + 1));
    if (prediction.predicted.path === 'unknown') learningUnknown ??= `check ${position + 1}`;
    if (check.fault) {
      if (down !== undefined) prediction.steps.unshift({ kind: 'note', text: `fault: wg-quick down on ${down}` });
      else if (killed !== undefined)
        prediction.steps.unshift({
          kind: 'note',
          text: `fault: WireGuard deleted on ${killed} without wg-quick (no hooks)`,
        });
      else prediction.steps.unshift({ kind: 'note', text: 'fault: the internet drops WireGuard UDP' });
      // After a fault the lab restarts WireGuard everywhere: what peers learned is gone.
      learned = startingHandshakes(input);
      learningUnknown = undefined;
    }
    return prediction;
  });
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
  const url = new URL(check.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const server = nodeForHost(input.plan, url.hostname);
  const client = network.nodes.get(check.from);
  const resolver = input.plan.endpoints.some((endpoint) => endpoint.name === check.from)
    ? client?.wireguard.flatMap((face) => face.dns)[0]
    : undefined;
  const base = { index, check };
  const extra = resolver === undefined ? {} : { resolver };
  if (!client) return { ...base, predicted: { path: 'unknown', ...extra }, steps: [], reason: `no node ${check.from}` };
  const families = new Set(
    addressesOf(client)
      .filter((cidr) => !/^(fe80:|169\.254\.)/i.test(cidr.address))
      .map((cidr) => familyOf(cidr.address)),
  );
  const score = (family: Family) => (families.has(family) ? 0 : 2) + (family === 6 ? 0 : 1);
  const addresses = resolveHost(network, url.hostname).sort((a, b) => score(familyOf(a)) - score(familyOf(b)));
  if (addresses.length === 0)
    return { ...base, predicted: { path: 'none', ...extra }, steps: [], reason: `${url.hostname} resolves to nothing` };
  let first: { steps: Step[]; reason: string; stalls: boolean } | undefined;
  for (const address of addresses) {
    const attempt = connect(network, check.from, server, address, port);
    if (attempt.kind === 'unknown')
      return {
        ...base,
        predicted: { path: 'unknown', ...extra },
        steps: [...attempt.steps, { kind: 'note', text: `unknown: ${attempt.reason}` }],
        reason: attempt.reason,
      };
    if (attempt.kind === 'answered') {
      const { request, reply } = attempt;
      const steps = [
        ...request.steps,
        {
          kind: 'deliver' as const,
          text: `nginx on ${server} sees ${attempt.sourceIp}${request.nat.length === 0 ? ' (no SNAT)' : ''}`,
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
          predicted: { path: 'tunnel', sourceIp: attempt.sourceIp, ...extra },
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
          predicted: { path: 'unknown', sourceIp: attempt.sourceIp, ...extra },
          steps: [
            ...steps,
            { kind: 'note', text: 'unknown: the TCP would be both in the tunnel and in clear (the lab reads both)' },
          ],
          reason: 'the request and its reply take different paths, one through the tunnel and one in clear',
        };
      if (!tunnel && !clear)
        return {
          ...base,
          predicted: { path: 'unknown', sourceIp: attempt.sourceIp, ...extra },
          steps: [
            ...steps,
            { kind: 'note', text: 'unknown: neither a tunnel nor the router carries it (the lab reads unclear)' },
          ],
          reason: 'the request never crosses the router nor a WireGuard interface',
        };
      const path = tunnel ? 'tunnel' : 'internet';
      return {
        ...base,
        predicted: { path, sourceIp: attempt.sourceIp, ...extra },
        steps: [...steps, { kind: 'deliver', text: path }],
      };
    }
    first ??= { steps: attempt.steps, reason: attempt.reason, stalls: attempt.stalls };
  }
  return {
    ...base,
    predicted: { path: 'none', ...extra },
    steps: [...first!.steps, { kind: 'deliver', text: 'none' }],
    reason: `${first!.reason}${first!.stalls ? ' (dropped silently: curl waits for its timeout)' : ''}`,
  };
}

type Attempt =
  | { kind: 'answered'; sourceIp: string; request: Walk; reply: Walk }
  | { kind: 'failed'; steps: Step[]; reason: string; stalls: boolean }
  | { kind: 'unknown'; steps: Step[]; reason: string };

/** One TCP connection: the request to the server, and the server's answer back to the client's socket. */
function connect(network: Network, from: string, server: string | undefined, address: string, port: number): Attempt {
  const request = newWalk();
  const packet: Packet = {
    family: familyOf(address),
    dst: address,
    protocol: 'tcp',
    sport: clientPort,
    dport: port,
    mark: 0,
  };
  const there = output(network, network.nodes.get(from)!, packet, request);
  if (there.kind !== 'delivered') return fail(request, there);
  const clientSrc = originalSource(request, there.packet.src);
  if (there.node !== server || !network.web.has(there.node)) {
    const reason = `${there.node} answers ${address} but runs no web server for it: connection refused`;
    request.steps.push({ kind: 'drop', text: reason });
    return { kind: 'failed', steps: request.steps, reason, stalls: false };
  }
  const reply = newWalk(true);
  reply.nat = request.nat;
  const back: Packet = {
    family: packet.family,
    src: there.packet.dst,
    dst: there.packet.src,
    protocol: 'tcp',
    sport: there.packet.dport,
    dport: clientPort,
    mark: 0,
  };
  const home = output(network, network.nodes.get(there.node)!, back, reply);
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
  return { kind: 'answered', sourceIp: there.packet.src, request, reply };
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
