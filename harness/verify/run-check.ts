import { randomBytes } from 'node:crypto';
import type { CapturePoint } from '../evidence/flows.ts';
import { readPcap } from '../evidence/pcap.ts';
import { CaptureSessions } from '../lab/capture.ts';
import { applyFault, faultBesideRestart, wireguardIsUp } from '../lab/faults.ts';
import type { Lab } from '../lab/lab.ts';
import { endpointOfNode, lanInterface, nodeForHost, routerNode } from '../lab/lab-plan.ts';
import type { Progress } from '../lab/progress.ts';
import type { Check } from '../scenario/scenario.ts';
import { checkTarget } from '../scenario/check-target.ts';
import type { SentCheck } from './kinds/check-kind.ts';
import { checkKindOf } from './kinds/check-kinds.ts';
import { echoIdOf } from './kinds/client-output.ts';
import { noneWaitSeconds, waitedTooBriefly } from './none-wait.ts';
import { decideVerdict, type Evidence, type RequestResult, type ServerLogEntry, type Verdict } from './verdict.ts';

export interface CheckResult {
  index: number;
  check: Check;
  tag: string;
  /** The node that serves the URL (an endpoint or a LAN host). */
  server: string;
  verdict: Verdict;
  evidence: Evidence;
  /** `wg show` on each WireGuard endpoint after the request, for artifacts. */
  wgShow: Record<string, string>;
  faultDescription?: string;
  seconds: number;
}

/** One check: fault -> captures -> request -> evidence -> verdict, and the fault undone. */
export async function runCheck(
  lab: Lab,
  check: Check,
  index: number,
  options: CheckOptions = {},
): Promise<CheckResult> {
  // WireGuard's restart after the fault before, and this check's fault beside it where they touch different ends.
  const beside = check.fault ? faultBesideRestart(lab.plan, check) : { leaving: new Set<string>(), together: false };
  const restart = lab.settleWireguard(beside.leaving);
  const applying = check.fault
    ? beside.together
      ? applyFault(lab, check)
      : restart.then(() => applyFault(lab, check))
    : Promise.resolve(undefined);
  const [restarted, applied] = await Promise.allSettled([restart, applying]);
  if (restarted.status === 'rejected') throw restarted.reason;
  if (applied.status === 'rejected') throw applied.reason;
  const fault = applied.value;
  reportDownHooks(lab, options);
  if (fault) options.progress?.(`${lab.id}: fault ${fault.fault}: ${fault.description}`);
  try {
    if (check.idle !== undefined) {
      options.progress?.(`${lab.id}: waiting until the lab has carried no check traffic for ${check.idle} s`);
      await lab.untilIdle(check.idle);
    }
    const [result] = await observePatiently(lab, [{ check, index }], options);
    return { ...result!, faultDescription: fault?.description };
  } finally {
    if (fault) {
      options.progress?.(`${lab.id}: undoing ${fault.fault}`);
      await fault.undo({ deferRestart: options.deferRestart });
      reportDownHooks(lab, options);
    }
  }
}

/**
 * Checks without a fault, all at once against the lab: one capture session per capture point spans them, each
 * request binds client ports of its own (curl --local-port), and each verdict takes only the packets on its
 * ports and the access-log line with its tag. Requests from one node run side by side on lanes of their own.
 */
export async function runChecksTogether(
  lab: Lab,
  items: { check: Check; index: number }[],
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  const faulty = items.find((item) => item.check.fault);
  if (faulty) throw new Error(`check ${faulty.index + 1} has a fault: faults run alone (runCheck)`);
  await lab.settleWireguard();
  reportDownHooks(lab, options);
  return observePatiently(lab, items, options);
}

/** Down hooks that failed in the lab's own restarts (wg-quick deleted the interface all the same): said, not lost. */
function reportDownHooks(lab: Lab, options: CheckOptions): void {
  for (const failed of lab.takeDownHookFailures()) options.progress?.(`${lab.id}: restarting WireGuard: ${failed}`);
}

/**
 * A check expected to fail waits briefly (noneWaitSeconds); when its TCP connected and it then outlasted that
 * wait, the path answers, slowly (a loaded machine, a first WireGuard handshake): it is sent once more with the
 * full wait, so its verdict rests on what the path did rather than on how busy the machine was. A second try that
 * gets nothing keeps the first one's verdict (unclear: its TCP connected), with both reasons.
 */
async function observePatiently(
  lab: Lab,
  items: { check: Check; index: number }[],
  options: CheckOptions,
): Promise<CheckResult[]> {
  const results = await observe(lab, items, options);
  const again = results.filter(waitedTooBriefly);
  if (again.length === 0) return results;
  for (const result of again)
    options.progress?.(
      `${lab.id}: check ${result.index + 1} connected and then outlasted the short wait of a check expected to fail: sending it again with the full wait`,
    );
  const retried = await observe(
    lab,
    again.map(({ check, index }) => ({ check, index })),
    { ...options, patient: true },
  );
  return results.map((first) => {
    const second = retried.find((one) => one.index === first.index);
    if (!second) return first;
    // Its TCP connected the first time: a second try that got nothing does not make the path none.
    if (second.verdict.observed.path !== 'none') return second;
    const reasons = [
      ...first.verdict.reasons,
      `sent again with the full wait, it got nothing: ${second.evidence.request.error ?? `exit ${second.evidence.request.exitCode}`}`,
    ];
    return { ...first, verdict: { ...first.verdict, reasons } };
  });
}

export interface CheckOptions {
  /** Collect `wg show` of every WireGuard end after the requests (for artifacts). */
  wgShow?: boolean;
  progress?: Progress;
  /** Leave WireGuard's restart after a fault to the next check or reconfigure (runChecks, within a run). */
  deferRestart?: boolean;
  /** Captures kept running from batch to batch (their owner closes them); without it, each check's own. */
  captures?: CaptureSessions;
  /** Wait as long for a check expected to fail as for one expected to work (observePatiently's second try). */
  patient?: boolean;
}

/** Shell sessions per node that send requests side by side (each is a `docker exec` kept open). */
const lanesPerNode = 4;

/** Captures on every point, the requests at once, then the evidence and a verdict per request. */
async function observe(
  lab: Lab,
  items: { check: Check; index: number }[],
  options: CheckOptions,
): Promise<CheckResult[]> {
  const start = performance.now();
  const seenFrom = new Map<string, number>();
  const requests = items.map(({ check, index }): SentCheck => {
    const target = checkTarget(check);
    // At most lanesPerNode requests from one node at once; more wait on a lane's shell.
    const nth = seenFrom.get(check.from) ?? 0;
    seenFrom.set(check.from, nth + 1);
    return {
      check,
      index,
      target,
      tag: `${lab.id}-c${index + 1}-${randomBytes(3).toString('hex')}`,
      ...(target.kind === 'dns' ? {} : { server: nodeForHost(lab.plan, target.host)! }),
      ports: lab.clientPorts(),
      lane: nth % lanesPerNode,
    };
  });
  // The router (every internet link), each WireGuard interface, each LAN interface of an endpoint.
  const points = [
    { label: 'internet', node: routerNode, iface: 'any', role: 'internet' as const },
    ...lab.plan.interfaces.map((face) => ({
      label: `${face.node} ${face.iface}`,
      node: face.node,
      iface: face.iface,
      role: 'tunnel' as const,
    })),
    ...lab.plan.endpoints
      .filter((endpoint) => endpoint.lan)
      .map((endpoint) => ({
        label: `${endpoint.name} LAN`,
        node: endpoint.name,
        iface: lanInterface,
        role: 'lan' as const,
      })),
    // Both sides of each NAT: what the endpoint sent, and what the NAT made of it.
    ...lab.plan.endpoints.flatMap((endpoint) =>
      endpoint.nat
        ? [
            { label: `${endpoint.nat.node} inside`, node: endpoint.nat.node, iface: 'eth1', role: 'lan' as const },
            { label: `${endpoint.nat.node} outside`, node: endpoint.nat.node, iface: 'eth0', role: 'lan' as const },
          ]
        : [],
    ),
  ];
  const isWireguard = (point: { role: string }) => point.role === 'tunnel';
  const up = await Promise.all(
    points.map((point) => (isWireguard(point) ? wireguardIsUp(lab, point.node, point.iface) : Promise.resolve(true))),
  );
  const sessions = options.captures ?? new CaptureSessions(lab);
  let pcaps: (Uint8Array | undefined)[];
  let answers: RequestResult[];
  try {
    const starts = await Promise.allSettled(
      points.map((point, at) =>
        up[at] ? sessions.start(point.node, point.iface, { comesAndGoes: isWireguard(point) }) : undefined,
      ),
    );
    const failed = starts.find((start) => start.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const running = starts.map((start) => (start.status === 'fulfilled' ? start.value : undefined));
    answers = await Promise.all(requests.map((request) => sendCheck(lab, request, options.patient)));
    lab.checkTrafficEnded();
    pcaps = await Promise.all(running.map((capture) => capture?.take()));
  } finally {
    // No tcpdump outlives a check in a lab that stays up (the library's labs do), unless runChecks keeps it.
    if (!options.captures) await sessions.close();
  }
  const captures: CapturePoint[] = points.map((point, at) =>
    pcaps[at]
      ? { ...point, packets: readPcap(pcaps[at]!, `${point.label}.pcap`).packets, pcap: pcaps[at] }
      : { ...point, packets: [], absent: `${point.iface} is down on ${point.node}` },
  );
  // Each kind reads its servers' logs once for all its checks. A server writes its line as it answers, or just
  // after (nginx once the response is sent, the echo log's tcpdump when it is next scheduled): a request that got
  // its answer and whose line is not there yet is read again, every 20 ms for up to half a second.
  const entries = new Map<SentCheck, ServerLogEntry[]>();
  const readLogs = async (of: SentCheck[]) => {
    for (const kind of new Set(of.map((request) => request.target.kind))) {
      const ofKind = of.filter((request) => request.target.kind === kind);
      const found = await checkKindOf(kind).logEntries(lab, ofKind);
      ofKind.forEach((request, at) => entries.set(request, found[at] ?? []));
    }
  };
  await readLogs(requests);
  const slowness = await lab.engineSlowness();
  for (let waited = 0; waited < 0.5 * slowness; waited += 0.02) {
    const unlogged = requests.filter(
      (request, at) => answers[at]!.exitCode === 0 && entries.get(request)!.length === 0,
    );
    if (unlogged.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await readLogs(unlogged);
  }
  const wgShow: Record<string, string> = {};
  if (options.wgShow) {
    for (const node of lab.plan.wireguardOrder)
      wgShow[node] = (await lab.exec(node, ['wg', 'show'], { allowFailure: true })).stdout || '(wg0 is down)';
  }
  const seconds = (performance.now() - start) / 1000;
  const publicAddresses = lab.plan.endpoints.flatMap((endpoint) =>
    endpoint.publicIps.map((address) => ({ node: endpoint.name, address })),
  );
  /** The capture point nearest a client: its endpoint's LAN (a LAN host), its endpoint's tunnel when that saw packets, else the router. */
  const clientPointOf = (from: string, endpoint: string, points: CapturePoint[]) => {
    if (from !== endpoint) return points.find((point) => point.node === endpoint && point.role === 'lan')?.label;
    return (
      points.find((point) => point.node === endpoint && point.role === 'tunnel' && point.packets.length > 0)?.label ??
      'internet'
    );
  };
  return requests.map((request, at) => {
    const fromEndpoint = endpointOfNode(lab.plan, request.check.from);
    const evidence: Evidence = {
      kind: request.target.kind,
      request: answers[at]!,
      serverPort: request.target.port ?? 0,
      ...(request.target.kind === 'ping' ? { echoId: echoIdOf(request.ports.from) } : {}),
      logEntries: entries.get(request) ?? [],
      captures,
      wireguardPorts: lab.plan.wireguardPorts,
      fromEndpoint,
      publicAddresses,
      clientPoint: clientPointOf(request.check.from, fromEndpoint, captures),
    };
    return {
      index: request.index,
      check: request.check,
      tag: request.tag,
      server: request.server ?? entries.get(request)?.[0]?.node ?? routerNode,
      verdict: decideVerdict(request.check, evidence),
      evidence,
      wgShow,
      seconds,
    };
  });
}

/** Sends a check with its kind's client, waiting long for a path expected to work and briefly for one expected to fail. */
async function sendCheck(lab: Lab, sent: SentCheck, patient = false): Promise<RequestResult> {
  const quick = sent.check.expect?.path === 'none' && !patient;
  const slowness = await lab.engineSlowness(); // 1 on a native engine; timeouts grow with a slow (emulated) one
  // A check expected to get through may take its time (TCP and TLS, a first handshake through WireGuard on an
  // emulated engine): waiting longer changes no verdict of a working path, and only slows a failing one.
  const connect = quick ? noneWaitSeconds(lab.slowestConnect, slowness) : 6 * slowness;
  const answer = await checkKindOf(sent.target.kind).send(lab, sent, { connect, brief: quick, slowness });
  // TCP only: a none check whose TCP connects is wrong whatever TLS then does, and a timeout after the
  // connection reads unclear (verdict), so the wait need only cover a working path's TCP connect.
  if (answer.connectSeconds !== undefined) lab.noteConnect(answer.connectSeconds);
  return answer;
}
