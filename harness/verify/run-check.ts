import { randomBytes } from 'node:crypto';
import { entriesTagged } from '../evidence/access-log.ts';
import type { CapturePoint } from '../evidence/flows.ts';
import { readPcap } from '../evidence/pcap.ts';
import { startCapture } from '../lab/capture.ts';
import { applyFault, wireguardIsUp } from '../lab/faults.ts';
import type { Lab } from '../lab/lab.ts';
import type { Progress } from '../lab/progress.ts';
import { routerNode } from '../lab/lab-plan.ts';
import { accessLogPath, requestTagHeader } from '../lab/nginx-site.ts';
import { endpointForHost, type Check } from '../scenario/scenario.ts';
import { parseCurlResult } from './curl-result.ts';
import { decideVerdict, type Evidence, type RequestResult, type Verdict } from './verdict.ts';

export interface CheckResult {
  index: number;
  check: Check;
  tag: string;
  /** The endpoint that serves the URL. */
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
  const server = endpointForHost(lab.scenario, url.hostname)!;
  const serverPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const fault = check.fault ? await applyFault(lab, check.fault, check.from) : undefined;
  if (fault) options.progress?.(`${lab.id}: fault ${fault.fault}: ${fault.description}`);
  try {
    const points = [{ label: 'internet', node: routerNode, iface: 'any' }, ...lab.plan.wireguardOrder.map((node) => ({ label: `${node} wg0`, node, iface: 'wg0' }))];
    const up = await Promise.all(points.map((point) => (point.iface === 'wg0' ? wireguardIsUp(lab, point.node) : Promise.resolve(true))));
    const running = await Promise.all(points.map((point, at) => (up[at] ? startCapture(lab, point.node, point.iface) : undefined)));
    const request = await sendRequest(lab, check, tag);
    const pcaps = await Promise.all(running.map((capture) => capture?.stop()));
    const captures: CapturePoint[] = points.map((point, at) => (pcaps[at]
      ? { ...point, packets: readPcap(pcaps[at]!, `${point.label}.pcap`).packets, pcap: pcaps[at] }
      : { ...point, packets: [], absent: `wg0 is down on ${point.node}` }));
    const log = server.serves ? (await lab.exec(server.name, ['cat', accessLogPath])).stdout : '';
    const evidence: Evidence = { request, serverPort, logEntries: entriesTagged(log, tag), captures, wireguardPorts: Object.values(lab.plan.listenPorts) };
    const wgShow: Record<string, string> = {};
    if (options.wgShow) {
      for (const node of lab.plan.wireguardOrder) wgShow[node] = (await lab.exec(node, ['wg', 'show'], { allowFailure: true })).stdout || '(wg0 is down)';
    }
    return { index, check, tag, server: server.name, verdict: decideVerdict(check, evidence), evidence, wgShow, faultDescription: fault?.description, seconds: (performance.now() - start) / 1000 };
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
  const result = await lab.exec(check.from, [
    'curl', '-sS', '-o', '/dev/null',
    '-w', '%{http_code} %{local_port} %{remote_ip} %{remote_port}',
    '-H', `${requestTagHeader}: ${tag}`,
    '--connect-timeout', quick ? '1' : '3', '--max-time', quick ? '2' : '8',
    ...(check.insecure ? ['--insecure'] : []),
    check.url,
  ], { allowFailure: true });
  return parseCurlResult(result.exitCode, result.stdout, result.stderr);
}
