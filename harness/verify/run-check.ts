import { randomBytes } from 'node:crypto';
import { entriesTagged } from '../evidence/access-log.ts';
import type { CapturePoint } from '../evidence/flows.ts';
import { readPcap } from '../evidence/pcap.ts';
import { startCapture } from '../lab/capture.ts';
import { engineSlowness } from '../lab/engine-speed.ts';
import { applyFault, wireguardIsUp } from '../lab/faults.ts';
import type { Lab } from '../lab/lab.ts';
import { lanInterface, nodeForHost, routerNode } from '../lab/lab-plan.ts';
import type { Progress } from '../lab/progress.ts';
import { accessLogPath, requestTagHeader } from '../lab/nginx-site.ts';
import type { Check } from '../scenario/scenario.ts';
import { parseCurlResult } from './curl-result.ts';
import { decideVerdict, type Evidence, type RequestResult, type Verdict } from './verdict.ts';

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
export async function runCheck(lab: Lab, check: Check, index: number, options: { wgShow?: boolean; progress?: Progress } = {}): Promise<CheckResult> {
  const start = performance.now();
  const tag = `${lab.id}-c${index + 1}-${randomBytes(3).toString('hex')}`;
  const url = new URL(check.url);
  const server = nodeForHost(lab.plan, url.hostname)!;
  const serverPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const fault = check.fault ? await applyFault(lab, check.fault, check.from, check.url) : undefined;
  if (fault) options.progress?.(`${lab.id}: fault ${fault.fault}: ${fault.description}`);
  try {
    // The router (every internet link), each WireGuard interface, each LAN interface of an endpoint.
    const points = [
      { label: 'internet', node: routerNode, iface: 'any', role: 'internet' as const },
      ...lab.plan.interfaces.map((face) => ({ label: `${face.node} ${face.iface}`, node: face.node, iface: face.iface, role: 'tunnel' as const })),
      ...lab.plan.endpoints.filter((endpoint) => endpoint.lan).map((endpoint) => ({ label: `${endpoint.name} LAN`, node: endpoint.name, iface: lanInterface, role: 'lan' as const })),
    ];
    const isWireguard = (point: { role: string }) => point.role === 'tunnel';
    const up = await Promise.all(points.map((point) => (isWireguard(point) ? wireguardIsUp(lab, point.node, point.iface) : Promise.resolve(true))));
    const running = await Promise.all(points.map((point, at) => (up[at] ? startCapture(lab, point.node, point.iface) : undefined)));
    const request = await sendRequest(lab, check, tag);
    const pcaps = await Promise.all(running.map((capture) => capture?.stop()));
    const captures: CapturePoint[] = points.map((point, at) => (pcaps[at]
      ? { ...point, packets: readPcap(pcaps[at]!, `${point.label}.pcap`).packets, pcap: pcaps[at] }
      : { ...point, packets: [], absent: `${point.iface} is down on ${point.node}` }));
    const serves = lab.plan.endpoints.find((endpoint) => endpoint.name === server)?.web ?? lab.plan.lanHosts.some((host) => host.name === server);
    const log = serves ? (await lab.exec(server, ['cat', accessLogPath])).stdout : '';
    const evidence: Evidence = { request, serverPort, logEntries: entriesTagged(log, tag), captures, wireguardPorts: lab.plan.wireguardPorts };
    const wgShow: Record<string, string> = {};
    if (options.wgShow) {
      for (const node of lab.plan.wireguardOrder) wgShow[node] = (await lab.exec(node, ['wg', 'show'], { allowFailure: true })).stdout || '(wg0 is down)';
    }
    return { index, check, tag, server, verdict: decideVerdict(check, evidence), evidence, wgShow, faultDescription: fault?.description, seconds: (performance.now() - start) / 1000 };
  } finally {
    if (fault) {
      options.progress?.(`${lab.id}: undoing ${fault.fault}`);
      await fault.undo();
    }
  }
}

/** curl as the article runs it, tagged so nginx logs which request it was; quick to give up when failure is expected. */
async function sendRequest(lab: Lab, check: Check, tag: string): Promise<RequestResult> {
  const quick = check.expect?.path === 'none';
  const slow = await engineSlowness(lab); // 1 on a native engine; timeouts grow with a slow (emulated) one
  const result = await lab.exec(check.from, [
    'curl', '-sS', '-o', '/dev/null',
    '-w', '%{http_code} %{local_port} %{remote_ip} %{remote_port}',
    '-H', `${requestTagHeader}: ${tag}`,
    '--connect-timeout', String((quick ? 1 : 3) * slow), '--max-time', String((quick ? 2 : 8) * slow),
    ...(check.insecure ? ['--insecure'] : []),
    check.url,
  ], { allowFailure: true });
  return parseCurlResult(result.exitCode, result.stdout, result.stderr);
}
