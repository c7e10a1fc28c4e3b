import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Progress } from '../lab/progress.ts';
import { sameEndpoints, type Lab } from '../lab/lab.ts';
import { endpointOfNode, planLab, type LabPlan } from '../lab/lab-plan.ts';
import { startLab } from '../lab/start-lab.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import type { WireguardFlavour } from '../lab/wireguard-flavour.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';
import type { KeySource } from '../wgconf/generate-configs.ts';
import { redactWgConfig } from '../wgconf/redact.ts';
import { countable, describeFlow, summarizeFlows } from '../evidence/flows.ts';
import type { Finding } from '../wgconf/lint/finding.ts';
import { lintScenario } from '../wgconf/lint/lint.ts';
import { runCheck, runChecksTogether, type CheckResult } from './run-check.ts';
import { checkBatches, stopsEarly, takeLongest } from './run-order.ts';

/** One check as `wglab run --json` reports it. */
export interface CheckReport {
  from: string;
  /** The endpoint that serves the URL. */
  to: string;
  url: string;
  fault: string | null;
  expected: { sourceIp: string | null; path: string };
  observed: { sourceIp: string | null; path: string; httpStatus: number | null };
  pass: boolean;
  reasons: string[];
  /** What each capture point saw of the request. */
  seen: string[];
  /** Each capture point: its packets, their conversations, and the pcap kept for it (relative to the artifacts). */
  captures: CaptureReport[];
  logLine: string | null;
  note?: string;
  seconds: number;
}

export interface CaptureReport {
  label: string;
  node: string;
  iface: string;
  packets: number;
  flows: string[];
  absent?: string;
  /** `NN-<from>[-<fault>]/<label>.pcap` under the artifacts directory, when artifacts were kept. */
  pcap?: string;
}

/** The lab's shape, for pictures: endpoints and which of them run WireGuard. */
export interface TopologyReport {
  endpoints: {
    name: string;
    publicIp: string;
    wgIp: string | null;
    listenPort: number | null;
    serves: string | null;
    transparent: boolean;
  }[];
  /** The WireGuard endpoints, the dialing end first. */
  tunnel: string[];
}

export interface ScenarioReport {
  scenario: string;
  description: string | null;
  topology: TopologyReport;
  wireguard: WireguardFlavour;
  lab: string;
  checks: CheckReport[];
  pass: boolean;
  /** Seconds per phase: lab bring-up phases, then the checks. */
  timings: Record<string, number>;
  /** Each WireGuard endpoint's wg0.conf, private keys redacted. */
  configs: Record<string, string>;
  /** Lint's findings on those configs (the lab ran them all the same). */
  lint: Finding[];
}

/** A scenario's report and the evidence behind each check. */
export interface ScenarioRun {
  report: ScenarioReport;
  results: CheckResult[];
}

export interface RunOptions {
  progress?: Progress;
  /** Called before each check runs (for progress). */
  onCheckStart?: (check: Check, index: number, total: number) => void;
  /** Called as each check is decided, to print verdicts as they come. */
  onCheck?: (report: CheckReport, result: CheckResult, scenario: Scenario) => void;
  /** Keep pcaps, access-log lines, redacted configs and `wg show` per check here. */
  artifacts?: string;
  keys?: KeySource;
}

/** Brings a lab up, runs every check of the scenario in it, tears it down, and reports. */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioRun> {
  const start = performance.now();
  await using lab = await startLab(scenario, { progress: options.progress, keys: options.keys });
  return await runChecks(lab, { ...lab.timings }, start, options);
}

export interface RunManyOptions extends RunOptions {
  /** Labs at once (default 2). */
  concurrency?: number;
  /** Called when a scenario's checks are about to run in `lab`: brought up for it, or reconfigured for it. */
  onScenario?: (scenario: Scenario, lab: Lab, how: 'bring-up' | 'reconfigure') => void;
  onReport?: (report: ScenarioReport) => void;
  /** Leave the last lab running (detached: `wglab down` or `wglab prune --all` removes it); its id is returned. */
  keep?: boolean;
}

/**
 * Runs many scenarios on `concurrency` labs at once. A lab whose endpoints (names, public IPs, served names)
 * fit the next scenario is reused: only WireGuard is reconfigured, which is what a user changing configs does.
 * With `artifacts`, each scenario's go to `<artifacts>/<scenario name>/`.
 */
export async function runScenarios(
  scenarios: Scenario[],
  options: RunManyOptions = {},
): Promise<ScenarioRun[] & { kept?: string[] }> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, scenarios.length));
  // Plans first: a scenario whose configs cannot be planned stops the run before any lab starts.
  const queue = scenarios.map((scenario, index) => ({
    scenario,
    index,
    plan: planLab(scenario, scenarioConfigs(scenario, options.keys)),
  }));
  const runs: ScenarioRun[] & { kept?: string[] } = [];
  const kept: string[] = [];
  // With several labs, the longest scenarios go first, so no lab is left with a long one at the end, and a lab
  // stops early (its teardown overlapping the others' checks) when what is left is less work than a teardown
  // and another lab is busy to take it. One lab, or a lab to keep (the last scenario's), runs the files in order.
  const busy = new Set<LabPlan>(); // the plans of the scenarios labs are running now
  let failed = false;
  const take = (lab: Lab | undefined) => {
    if (failed) return undefined;
    if (concurrency === 1 || options.keep) return queue.shift();
    if (lab && stopsEarly(queue, [...busy])) return undefined;
    return takeLongest(queue, lab?.plan);
  };
  const worker = async () => {
    let lab: Lab | undefined;
    try {
      for (let next = take(lab); next; next = take(lab)) {
        busy.add(next.plan);
        try {
          const start = performance.now();
          const plan = next.plan;
          let bringUp: Record<string, number>;
          if (lab && sameEndpoints(lab.plan, plan)) {
            await lab.reconfigure(plan);
            bringUp = { reconfigure: (performance.now() - start) / 1000 };
            options.onScenario?.(next.scenario, lab, 'reconfigure');
          } else {
            await lab?.down();
            lab = await startLab(next.scenario, {
              progress: options.progress,
              keys: options.keys,
              detached: options.keep,
            });
            bringUp = { ...lab.timings };
            options.onScenario?.(next.scenario, lab, 'bring-up');
          }
          const artifacts = options.artifacts === undefined ? undefined : join(options.artifacts, next.scenario.name);
          const run = await runChecks(lab, bringUp, start, { ...options, artifacts });
          runs[next.index] = run;
          options.onReport?.(run.report);
        } finally {
          busy.delete(next.plan);
        }
      }
    } catch (error) {
      failed = true; // the other labs take no more scenarios
      await lab?.down();
      lab = undefined;
      throw error;
    } finally {
      if (lab && options.keep) {
        // A kept lab is left as its configs say, not mid-fault; one that cannot be is not kept.
        await lab.settleWireguard().catch(async (error: unknown) => {
          await lab!.down();
          throw error;
        });
        kept.push(lab.id);
      } else await lab?.down();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (options.keep) runs.kept = kept;
  return runs;
}

/**
 * Runs every check of the lab's scenario as `wglab run` does (checks without a fault together, faults alone,
 * WireGuard's restart after the last fault left for whatever comes next: `lab.settleWireguard()` does it).
 */
export async function runChecks(
  lab: Lab,
  bringUp: Record<string, number>,
  start: number,
  options: RunOptions,
): Promise<ScenarioRun> {
  const scenario = lab.scenario;
  const configs = Object.fromEntries(
    lab.plan.endpoints
      .filter((endpoint) => endpoint.wgConfig)
      .map((endpoint) => [endpoint.name, redactWgConfig(endpoint.wgConfig!)]),
  );
  const results: CheckResult[] = [];
  const checks: CheckReport[] = [];
  const checksStart = performance.now();
  const checkOptions = { wgShow: options.artifacts !== undefined, progress: options.progress, deferRestart: true };
  const waitsForEarlier = (check: Check) => lab.plan.waitsForPeers.includes(endpointOfNode(lab.plan, check.from));
  for (const batch of checkBatches(scenario.checks, waitsForEarlier)) {
    for (const { check, index } of batch) {
      options.onCheckStart?.(check, index, scenario.checks.length);
      options.progress?.(
        `${lab.id}: check ${index + 1}/${scenario.checks.length}: ${check.from} -> ${check.url}${check.fault ? ` with ${check.fault}` : ''}`,
      );
    }
    const decided =
      batch.length === 1
        ? [await runCheck(lab, batch[0]!.check, batch[0]!.index, checkOptions)]
        : await runChecksTogether(lab, batch, checkOptions);
    for (const result of decided) {
      const report = checkReport(result, options.artifacts !== undefined);
      results.push(result);
      checks.push(report);
      if (options.artifacts) writeArtifacts(options.artifacts, result, report, configs);
      options.onCheck?.(report, result, scenario);
    }
  }
  const timings = {
    ...bringUp,
    checks: (performance.now() - checksStart) / 1000,
    total: (performance.now() - start) / 1000,
  };
  const topology: TopologyReport = {
    endpoints: Object.values(scenario.endpoints).map((endpoint) => ({
      name: endpoint.name,
      publicIp: endpoint.publicIp,
      wgIp: endpoint.wgIp ?? null,
      listenPort: lab.plan.listenPorts[endpoint.name] ?? endpoint.listenPort ?? null,
      serves: endpoint.serves ?? null,
      transparent: scenario.tunnel?.transparent.includes(endpoint.name) ?? false,
    })),
    tunnel: [...lab.plan.wireguardOrder].reverse(),
  };
  const lint = lintScenario(scenario, options.keys);
  return {
    report: {
      scenario: scenario.name,
      description: scenario.description ?? null,
      topology,
      wireguard: lab.wireguard,
      lab: lab.id,
      checks,
      pass: checks.every((check) => check.pass),
      timings,
      configs,
      lint,
    },
    results,
  };
}

function checkReport(result: CheckResult, kept: boolean): CheckReport {
  const { check, verdict, evidence } = result;
  const dir = checkArtifactDir(result.index, { from: check.from, fault: check.fault ?? null });
  return {
    from: check.from,
    to: result.server,
    url: check.url,
    fault: check.fault ?? null,
    // A check without expect (being recorded) has nothing to pass or fail on but its evidence.
    expected: check.expect
      ? { sourceIp: check.expect.sourceIp ?? null, path: check.expect.path }
      : { sourceIp: null, path: 'unrecorded' },
    observed: {
      sourceIp: verdict.observed.sourceIp ?? null,
      path: verdict.observed.path,
      httpStatus: verdict.observed.httpStatus ?? null,
    },
    pass: verdict.pass,
    reasons: verdict.reasons,
    seen: verdict.seen,
    captures: evidence.captures.map((capture) => ({
      label: capture.label,
      node: capture.node,
      iface: capture.iface,
      packets: countable(capture.packets).length,
      flows: summarizeFlows(capture.packets).slice(0, 6).map(describeFlow),
      ...(capture.absent ? { absent: capture.absent } : {}),
      ...(kept && capture.pcap ? { pcap: `${dir}/${pcapName(capture.label)}` } : {}),
    })),
    logLine: evidence.logEntries[0]?.line ?? null,
    ...(check.note ? { note: check.note } : {}),
    seconds: result.seconds,
  };
}

/** `DIR/NN-<from>[-<fault>]/`: a pcap per capture point, the access-log line, curl's answer, wg show, the configs (redacted). */
export function checkArtifactDir(index: number, report: Pick<CheckReport, 'from' | 'fault'>): string {
  return `${String(index + 1).padStart(2, '0')}-${report.from}${report.fault ? `-${report.fault}` : ''}`;
}

function writeArtifacts(root: string, result: CheckResult, report: CheckReport, configs: Record<string, string>): void {
  const dir = join(root, checkArtifactDir(result.index, report));
  mkdirSync(dir, { recursive: true });
  for (const capture of result.evidence.captures) {
    if (capture.pcap) writeFileSync(join(dir, pcapName(capture.label)), capture.pcap);
  }
  writeFileSync(join(dir, 'access.log'), result.evidence.logEntries.map((entry) => `${entry.line}\n`).join(''));
  writeFileSync(join(dir, 'curl.json'), `${JSON.stringify(result.evidence.request, null, 2)}\n`);
  writeFileSync(join(dir, 'verdict.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const [node, text] of Object.entries(result.wgShow)) writeFileSync(join(dir, `wg-show-${node}.txt`), text);
  for (const [node, text] of Object.entries(configs)) writeFileSync(join(dir, `${node}-wg0.conf`), text);
}

const pcapName = (label: string) => `${label.replace(/\s+/g, '-')}.pcap`;
