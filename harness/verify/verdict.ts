import type { AccessLogEntry } from '../evidence/access-log.ts';
import { describeFlow, requestPackets, summarizeFlows, wireguardPackets, type CapturePoint } from '../evidence/flows.ts';
import type { Check, CheckPath } from '../scenario/scenario.ts';

/** What curl said about one request. */
export interface RequestResult {
  exitCode: number;
  httpStatus?: number;
  localPort?: number;
  remoteIp?: string;
  remotePort?: number;
  error?: string;
}

/** Everything gathered for one check: the request, its access-log lines and the packets at each capture point. */
export interface Evidence {
  request: RequestResult;
  serverPort: number;
  logEntries: AccessLogEntry[];
  captures: CapturePoint[];
  /** The tunnel's listen ports, to tell WireGuard's UDP from anything else. */
  wireguardPorts: number[];
}

/** A path as observed: the expected kinds, or what the evidence shows when it is neither (always a failure). */
export type ObservedPath = CheckPath | 'both' | 'unclear';

export interface Verdict {
  observed: { path: ObservedPath; sourceIp?: string; httpStatus?: number };
  pass: boolean;
  /** Why it failed, in words that name the evidence. */
  reasons: string[];
  /** One line per capture point: what it saw of this request. */
  seen: string[];
}

/**
 * Decides from evidence, not assumptions: `tunnel` when the request's TCP is on a wg0 and the internet
 * carries none of it in clear (only WireGuard UDP); `internet` when it crossed the router in clear and
 * no wg0 saw it; `none` when curl failed and nginx logged nothing.
 */
export function decideVerdict(check: Check, evidence: Evidence): Verdict {
  const { request } = evidence;
  const clientPort = request.localPort && request.localPort > 0 ? request.localPort : undefined;
  const internet = evidence.captures.find((capture) => capture.label === 'internet');
  // WireGuard interfaces: every capture point but the router and endpoints' LAN interfaces (eth1).
  const tunnels = evidence.captures.filter((capture) => capture.label !== 'internet' && capture.iface !== 'eth1' && !capture.absent);
  const inClear = internet ? requestPackets(internet.packets, evidence.serverPort, clientPort) : [];
  const inTunnel = tunnels.filter((capture) => requestPackets(capture.packets, evidence.serverPort, clientPort).length > 0);
  const logged = evidence.logEntries[0];
  const seen = evidence.captures.map((capture) => {
    if (capture.absent) return `${capture.label}: not captured (${capture.absent})`;
    const flows = summarizeFlows(capture.packets);
    const wg = wireguardPackets(capture.packets, evidence.wireguardPorts).length;
    const request = requestPackets(capture.packets, evidence.serverPort, clientPort).length;
    const parts = [
      request > 0 ? `the request's TCP (${packets(request)})` : 'none of the request\'s TCP',
      ...(capture.label === 'internet' && wg > 0 ? [`WireGuard UDP (${packets(wg)})`] : []),
    ];
    const other = flows.filter((flow) => !(flow.protocol === 'udp' && wg > 0 && evidence.wireguardPorts.some((port) => flow.server.endsWith(`:${port}`))));
    return `${capture.label}: ${parts.join(', ')}${other.length > 0 && request === 0 ? `; other: ${other.slice(0, 2).map(describeFlow).join(', ')}` : ''}`;
  });

  let path: ObservedPath;
  if (request.exitCode !== 0 && !logged) path = 'none';
  else if (inTunnel.length > 0 && inClear.length === 0) path = 'tunnel';
  else if (inClear.length > 0 && inTunnel.length === 0) path = 'internet';
  else if (inClear.length > 0) path = 'both';
  else path = 'unclear';

  const observed = { path, sourceIp: logged?.remoteAddr, httpStatus: request.httpStatus };
  const reasons: string[] = [];
  const expected = check.expect;
  if (expected && path !== expected.path) {
    const why: Record<ObservedPath, string> = {
      tunnel: `the request's TCP was on ${inTunnel.map((capture) => capture.label).join(' and ')} and the internet carried none of it in clear`,
      internet: `the request's TCP crossed the internet in clear (${inClear.length} packets at the router) and no wg0 saw it`,
      none: `curl failed (exit ${request.exitCode}${request.error ? `: ${request.error}` : ''}) and nginx logged nothing`,
      both: `the request's TCP was both on ${inTunnel.map((capture) => capture.label).join(' and ')} and in clear at the router`,
      unclear: `${logged ? 'nginx logged the request' : 'the request got an answer'} but no capture point saw its TCP`,
    };
    reasons.push(`expected path ${expected.path}, observed ${path}: ${why[path]}`);
  }
  if (expected?.sourceIp !== undefined && observed.sourceIp !== expected.sourceIp) {
    reasons.push(observed.sourceIp === undefined
      ? `expected the server to log ${expected.sourceIp}, but it logged no line for this request`
      : `expected the server to log ${expected.sourceIp}, it logged ${observed.sourceIp}: ${logged!.line}`);
  }
  if (evidence.logEntries.length > 1) reasons.push(`nginx logged this request ${evidence.logEntries.length} times`);
  return { observed, pass: reasons.length === 0, reasons, seen };
}

const packets = (count: number) => `${count} packet${count === 1 ? '' : 's'}`;
