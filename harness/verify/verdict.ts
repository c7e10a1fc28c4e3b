import {
  captureRole,
  checkPackets,
  describeFlow,
  isWireguard,
  summarizeFlows,
  towardServer,
  wireguardPackets,
  type CapturePoint,
  type PacketSelector,
} from '../evidence/flows.ts';
import type { CheckKindName } from '../scenario/check-target.ts';
import { describeTrace, traceTransfer } from '../evidence/transfer.ts';
import { sameAddress } from '../net/ip.ts';
import type { Check, CheckPath } from '../scenario/scenario.ts';

/** What curl said about one request. */
export interface RequestResult {
  exitCode: number;
  httpStatus?: number;
  /** The request's client port; undefined when curl made no connection. */
  localPort?: number;
  /** The client ports the request was given (curl --local-port), which tell its packets from a concurrent request's. */
  localPorts?: { from: number; to: number };
  /** Where curl connected: kept for artifacts, never taken as the source IP (only the server's log says that). */
  remoteIp?: string;
  remotePort?: number;
  /** Seconds until the TCP connection was made (curl's time_connect), when it was. */
  connectSeconds?: number;
  /** Seconds until TLS was up (curl's time_appconnect), for https when it was. */
  tlsSeconds?: number;
  /** Bytes of the answer's body that arrived (curl's size_download), for a check that asks for `bytes`. */
  bytesReceived?: number;
  /** For dns: the answer's status (NOERROR, NXDOMAIN, ...) and its records' data. */
  dnsStatus?: string;
  answers?: string[];
  error?: string;
}

/** A line of a server's log that belongs to one check: who it came from, and (for dns) which resolver logged it. */
export interface ServerLogEntry {
  remoteAddr: string;
  line: string;
  /** The node whose server logged it (a resolver's node, `internet` for the ISP's). */
  node?: string;
}

/** How a verdict names a kind's client, its server and its packets. */
interface KindWords {
  client: string;
  server: string;
  /** What the check sent: request, connection, datagram, echo, query. */
  noun: string;
  /** Its packets: "the request's TCP". */
  packets: string;
}

const kindWords: Record<CheckKindName, KindWords> = {
  http: { client: 'curl', server: 'nginx', noun: 'request', packets: "the request's TCP" },
  tcp: { client: 'socat', server: 'the TCP listener', noun: 'connection', packets: "the connection's TCP" },
  udp: { client: 'socat', server: 'the UDP listener', noun: 'datagram', packets: "the datagram's UDP" },
  ping: { client: 'ping', server: 'the target', noun: 'echo', packets: 'the echo' },
  dns: { client: 'dig', server: 'no resolver', noun: 'query', packets: "the query's UDP" },
};

/** Everything gathered for one check: the request, its access-log lines and the packets at each capture point. */
export interface Evidence {
  /** What the check sent (http when left out). */
  kind?: CheckKindName;
  request: RequestResult;
  /** The server's port (none for ping: 0). */
  serverPort: number;
  /** For ping: the echo's identifier, which tells its packets from any other's. */
  echoId?: number;
  logEntries: ServerLogEntry[];
  captures: CapturePoint[];
  /** The tunnel's listen ports, to tell WireGuard's UDP from anything else. */
  wireguardPorts: number[];
  /** The endpoint the request left from (itself, or the endpoint its LAN sits behind). */
  fromEndpoint?: string;
  /** Each node's public addresses: clear packets from a tunnel's far end are that end's own, after the tunnel. */
  publicAddresses?: { node: string; address: string }[];
  /** The capture point nearest the client (its LAN, its WireGuard interface, or the router), for transfers. */
  clientPoint?: string;
}

/**
 * A path as observed: the expected kinds, or what the evidence shows when it is neither (always a failure):
 * `both` when the request's TCP was on a wg0 and in clear at the router; `unclear` when the evidence disagrees
 * (curl and nginx, or nginx and the captures) or the router was not captured.
 */
export type ObservedPath = CheckPath | 'both' | 'unclear';

export interface Verdict {
  observed: {
    path: ObservedPath;
    sourceIp?: string;
    httpStatus?: number;
    /** For a check with `bytes`: whether the transfer stopped short, and how many bytes of the body arrived. */
    stalls?: boolean;
    bytes?: number;
    /** For dns: the node whose resolver answered (`internet` for the ISP's). */
    resolver?: string;
  };
  pass: boolean;
  /** Why it failed, in words that name the evidence. */
  reasons: string[];
  /** One line per capture point: what it saw of this request. */
  seen: string[];
}

/**
 * Decides from evidence, not assumptions:
 * - `none` when curl failed and nginx logged nothing, or when an echo, datagram or query reached its server and no
 *   answer came back; `unclear` when only one of the two says the request failed otherwise, or when curl timed out
 *   after its TCP connection was made (it gave up on a path that answers);
 * - then, the router captured (else `unclear`), from the packets of the request's TCP (its client port, when
 *   curl had one, and the server port), each forwarded packet counted once:
 *   `tunnel` when a wg0 saw them and the router saw none in clear, `internet` when the router saw them in clear
 *   and no wg0 did, `both` when both did, `unclear` when neither did;
 * - the source IP is the address nginx logged for this request, never where curl says it connected.
 */
export function decideVerdict(check: Check, evidence: Evidence): Verdict {
  const { request, serverPort, wireguardPorts } = evidence;
  const kind = evidence.kind ?? 'http';
  const words = kindWords[kind];
  const clientPort = request.localPort || undefined; // curl's 0: no connection, so the ports it was given, or any
  const client = clientPort ?? request.localPorts;
  const selector: PacketSelector = {
    protocol: kind === 'ping' ? 'icmp' : kind === 'http' || kind === 'tcp' ? 'tcp' : 'udp',
    serverPort,
    ...(client === undefined ? {} : { client }),
    ...(evidence.echoId === undefined ? {} : { echoId: evidence.echoId }),
  };
  /** The check's packets a capture point saw: none where nothing was captured. */
  const requestAt = (capture?: CapturePoint) =>
    capture && !capture.absent ? checkPackets(capture.packets, selector) : [];
  const router = evidence.captures.find((capture) => captureRole(capture) === 'internet');
  const inClear = requestAt(router);
  const inTunnel = evidence.captures.filter(
    (capture) => captureRole(capture) === 'tunnel' && requestAt(capture).length > 0,
  );
  const tunnelNames = inTunnel.map((capture) => capture.label).join(' and ');
  const logged = evidence.logEntries[0];
  const curlFailed = request.exitCode !== 0;
  const curlText = `${words.client} failed (exit ${request.exitCode}${request.error ? `: ${request.error}` : ''})`;
  const server = kind === 'dns' ? (logged ? `${resolverName(logged.node)}` : words.server) : words.server;
  const noun = words.noun;

  // Clear packets at the router that are the far end's own, after the tunnel: it is where the request left the
  // tunnel (an exit peer, a full-tunnel VPN), not the client's way around it.
  const exitAddresses = (evidence.publicAddresses ?? []).filter(
    (owner) => owner.node !== evidence.fromEndpoint && inTunnel.some((capture) => capture.node === owner.node),
  );
  const clientSide = (packet: (typeof inClear)[number]) => (towardServer(packet, selector) ? packet.src : packet.dst);
  const exit =
    inClear.length > 0 &&
    inClear.every((packet) => exitAddresses.some((owner) => sameAddress(owner.address, clientSide(packet) ?? '')))
      ? exitAddresses.find((owner) => sameAddress(owner.address, clientSide(inClear[0]!) ?? ''))
      : undefined;
  // A transfer that connected and then stopped short of the bytes asked for: a stall (e.g. an MTU blackhole).
  const asked = check.bytes;
  const received = request.bytesReceived ?? 0;
  const stalled = asked !== undefined && clientPort !== undefined && curlFailed && received < asked;

  let path: ObservedPath;
  let why: string;
  if (stalled && router && !router.absent && (inTunnel.length > 0 || inClear.length > 0))
    [path, why] =
      inTunnel.length > 0 && inClear.length > 0 && !exit
        ? ['both', `the stalled transfer's TCP was both on ${tunnelNames} and in clear at the router`]
        : inTunnel.length > 0
          ? ['tunnel', `the stalled transfer's TCP was on ${tunnelNames}`]
          : ['internet', `the stalled transfer's TCP crossed the internet in clear`];
  // curl could not make the request at all (its init, the URL, an option): that proves nothing about the path.
  else if (kind === 'http' && curlFailed && curlCouldNotRun.includes(request.exitCode))
    [path, why] = ['unclear', `${curlText}: curl could not make the request, so nothing was tested`];
  // A timeout after the TCP connection was made is no proof that nothing gets through: curl gave up too soon.
  else if (kind === 'http' && curlFailed && !logged && request.exitCode === 28 && clientPort)
    [path, why] = [
      'unclear',
      `${curlText} after its TCP connection was made (client port ${clientPort}): the path answered, more slowly than curl waited`,
    ];
  else if (curlFailed && !logged) [path, why] = ['none', `${curlText} and ${server} logged nothing`];
  // An echo, datagram or query that reached its server and got no answer back (a reply dropped on its way, e.g. by
  // a strict rp_filter or an asymmetric path): nothing came through for the client, though the request arrived.
  else if (curlFailed && (kind === 'ping' || kind === 'udp' || kind === 'dns'))
    [path, why] = [
      'none',
      `${curlText}: ${server} logged the ${noun} (${logged!.line}), but no answer came back${
        inTunnel.length > 0
          ? ` (it went on ${tunnelNames})`
          : inClear.length > 0
            ? ' (it crossed the internet in clear)'
            : ''
      }`,
    ];
  else if (curlFailed) [path, why] = ['unclear', `${curlText}, yet ${server} logged the ${noun}: ${logged!.line}`];
  else if (!logged)
    [path, why] = [
      'unclear',
      `${words.client} got an answer${request.httpStatus ? ` (HTTP ${request.httpStatus})` : ''}, yet ${server} logged no line for this ${noun}`,
    ];
  else if (!router || router.absent)
    [path, why] = [
      'unclear',
      `the router was not captured${router?.absent ? ` (${router.absent})` : ''}, so nothing shows whether the ${noun} crossed the internet in clear`,
    ];
  else if (inTunnel.length > 0 && exit)
    [path, why] = [
      'tunnel',
      `${words.packets} was on ${tunnelNames} and left the tunnel at ${exit.node}: the internet carried it in clear only from ${exit.node}'s address ${exit.address} (${packets(inClear.length)}), after the tunnel`,
    ];
  else if (inTunnel.length > 0 && inClear.length > 0)
    [path, why] = [
      'both',
      `${words.packets} was both on ${tunnelNames} and in clear at the router (${packets(inClear.length)})`,
    ];
  else if (inTunnel.length > 0)
    [path, why] = ['tunnel', `${words.packets} was on ${tunnelNames} and the internet carried none of it in clear`];
  else if (inClear.length > 0)
    [path, why] = [
      'internet',
      `${words.packets} crossed the internet in clear (${packets(inClear.length)} at the router) and no wg0 saw it`,
    ];
  else
    [path, why] = [
      'unclear',
      `${server} logged the ${noun} but no capture point saw ${kind === 'ping' ? 'it' : `its ${selector.protocol.toUpperCase()}`}`,
    ];

  const observed = {
    path,
    sourceIp: logged?.remoteAddr,
    httpStatus: request.httpStatus,
    ...(asked === undefined ? {} : { stalls: stalled, bytes: received }),
    ...(kind === 'dns' && logged ? { resolver: logged.node ?? 'internet' } : {}),
  };
  const reasons: string[] = [];
  const expected = check.expect; // none until `wglab run --record` writes what was observed
  if (expected && path !== expected.path) reasons.push(`expected path ${expected.path}, observed ${path}: ${why}`);
  if (asked !== undefined && expected && path !== 'none') {
    const trace = () =>
      describeTrace(
        traceTransfer(evidence.captures, serverPort, clientPort ?? request.localPorts, evidence.clientPoint),
      );
    if (stalled && !expected.stalls)
      reasons.push(
        `the transfer stalled: ${received} of ${asked} bytes arrived before curl gave up (${request.error ?? `exit ${request.exitCode}`}); ${trace()}`,
      );
    else if (!stalled && expected.stalls)
      reasons.push(
        curlFailed
          ? `expected the transfer to stall, and it made no connection: ${curlText}`
          : `expected the transfer to stall, and all ${received} bytes arrived`,
      );
    else if (!stalled && !curlFailed && received !== asked)
      reasons.push(`the server was asked for ${asked} bytes and ${received} arrived`);
  }
  if (expected?.sourceIp !== undefined && observed.sourceIp !== expected.sourceIp) {
    reasons.push(
      logged
        ? `expected the server to log ${expected.sourceIp}, it logged ${logged.remoteAddr}: ${logged.line}`
        : `expected the server to log ${expected.sourceIp}, but it logged no line for this request`,
    );
  }
  if (expected?.resolver !== undefined && observed.resolver !== expected.resolver)
    reasons.push(
      logged
        ? `expected the resolver of ${expected.resolver} to answer, ${resolverName(logged.node)} did: ${logged.line}`
        : `expected the resolver of ${expected.resolver} to answer, and no resolver of the lab logged the query`,
    );
  if (evidence.logEntries.length > 1) {
    reasons.push(
      `${server} logged this ${noun} ${evidence.logEntries.length} times (from ${evidence.logEntries.map((entry) => entry.remoteAddr).join(', ')})`,
    );
  }

  // Without a client port (curl made no connection), the TCP from the ports it was given, or any TCP on the
  // server port, is shown, and named for what it is.
  const on = request.localPorts
    ? `from ports ${request.localPorts.from}-${request.localPorts.to} to port ${serverPort}`
    : `on port ${serverPort}`;
  const protocolName = selector.protocol.toUpperCase();
  const [tcp, noTcp] =
    kind === 'ping'
      ? [words.packets, `no echo with id ${evidence.echoId ?? '(any)'}`]
      : clientPort
        ? [words.packets, `none of ${words.packets}`]
        : [`${protocolName} ${on}`, `no ${protocolName} ${on}`];
  const seen = evidence.captures.map((capture) => {
    if (capture.absent) return `${capture.label}: not captured (${capture.absent})`;
    const count = requestAt(capture).length;
    const wireguard = wireguardPackets(capture.packets, wireguardPorts).length;
    const parts = [
      count > 0 ? `${tcp} (${packets(count)})` : noTcp,
      ...(wireguard > 0 ? [`WireGuard UDP (${packets(wireguard)})`] : []),
    ];
    // What else was there, when the request was not: the two busiest conversations besides WireGuard's.
    const other =
      count > 0
        ? []
        : summarizeFlows(capture.packets.filter((packet) => !isWireguard(packet, wireguardPorts))).slice(0, 2);
    return `${capture.label}: ${parts.join(', ')}${other.length > 0 ? `; other: ${other.map(describeFlow).join(', ')}` : ''}`;
  });
  return { observed, pass: reasons.length === 0, reasons, seen };
}

/** curl's exit codes for a request it never made: failed to initialise, bad URL, bad internal call, unknown option. */
const curlCouldNotRun = [2, 3, 43, 48];

/** A resolver as verdicts name it: the ISP's on the router, or a node's. */
function resolverName(node: string | undefined): string {
  return node === undefined || node === 'internet' ? "the ISP's resolver (internet)" : `${node}'s resolver`;
}

const packets = (count: number) => `${count} packet${count === 1 ? '' : 's'}`;
