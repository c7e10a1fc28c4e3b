import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Progress } from '../lab/progress.ts';
import { sameEndpoints, type Lab } from '../lab/lab.ts';
import { planLab } from '../lab/lab-plan.ts';
import { startLab } from '../lab/start-lab.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import type { WireguardFlavour } from '../lab/wireguard-flavour.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { KeySource } from '../wgconf/generate-configs.ts';
import { redactWgConfig } from '../wgconf/redact.ts';
import { runCheck, type CheckResult } from './run-check.ts';

/** One check as `wglab run --json` reports it. */
export interface CheckReport {
  from: string;
  url: string;
  fault: string | null;
  expected: { sourceIp: string | null; path: string };
  observed: { sourceIp: string | null; path: string; httpStatus: number | null };
  pass: boolean;
  reasons: string[];
  /** What each capture point saw of the request. */
  seen: string[];
  logLine: string | null;
  note?: string;
  seconds: number;
}

export interface ScenarioReport {
  scenario: string;
  wireguard: WireguardFlavour;
  lab: string;
  checks: CheckReport[];
  pass: boolean;
  /** Seconds per phase: lab bring-up phases, then the checks. */
  timings: Record<string, number>;
  /** Each WireGuard endpoint's wg0.conf, private keys redacted. */
  configs: Record<string, string>;
}

/** A scenario's report and the evidence behind each check. */
export interface ScenarioRun {
  report: ScenarioReport;
  results: CheckResult[];
}

export interface RunOptions {
  progress?: Progress;
  /** Called as each check is decided, to print verdicts as they come. */
  onCheck?: (report: CheckReport, result: CheckResult) => void;
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

/**
 * Runs many scenarios on `concurrency` labs at once. A lab whose endpoints (names, public IPs, served names)
 * fit the next scenario is reused: only WireGuard is reconfigured, which is what a user changing configs does.
 */
export async function runScenarios(scenarios: Scenario[], options: RunOptions & { concurrency?: number; onReport?: (report: ScenarioReport) => void } = {}): Promise<ScenarioRun[]> {
  const queue = scenarios.map((scenario, index) => ({ scenario, index }));
  const runs: ScenarioRun[] = [];
  const worker = async () => {
    let lab: Lab | undefined;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const start = performance.now();
        const plan = planLab(next.scenario, scenarioConfigs(next.scenario, options.keys));
        let bringUp: Record<string, number>;
        if (lab && sameEndpoints(lab.plan, plan)) {
          await lab.reconfigure(plan);
          bringUp = { reconfigure: (performance.now() - start) / 1000 };
        } else {
          await lab?.down();
          lab = await startLab(next.scenario, { progress: options.progress, keys: options.keys });
          bringUp = { ...lab.timings };
        }
        const run = await runChecks(lab, bringUp, start, options);
        runs[next.index] = run;
        options.onReport?.(run.report);
      }
    } finally {
      await lab?.down();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, scenarios.length)) }, worker));
  return runs;
}

async function runChecks(lab: Lab, bringUp: Record<string, number>, start: number, options: RunOptions): Promise<ScenarioRun> {
  const scenario = lab.scenario;
  const configs = Object.fromEntries(lab.plan.endpoints.filter((endpoint) => endpoint.wgConfig).map((endpoint) => [endpoint.name, redactWgConfig(endpoint.wgConfig!)]));
  const results: CheckResult[] = [];
  const checks: CheckReport[] = [];
  for (const [index, check] of scenario.checks.entries()) {
    const result = await runCheck(lab, check, index, { wgShow: options.artifacts !== undefined });
    const report = checkReport(result);
    results.push(result);
    checks.push(report);
    if (options.artifacts) writeArtifacts(options.artifacts, result, report, configs);
    options.onCheck?.(report, result);
  }
  const timings = { ...bringUp, checks: checks.reduce((sum, check) => sum + check.seconds, 0), total: (performance.now() - start) / 1000 };
  return { report: { scenario: scenario.name, wireguard: lab.wireguard, lab: lab.id, checks, pass: checks.every((check) => check.pass), timings, configs }, results };
}

function checkReport(result: CheckResult): CheckReport {
  const { check, verdict, evidence } = result;
  return {
    from: check.from,
    url: check.url,
    fault: check.fault ?? null,
    expected: { sourceIp: check.expect.sourceIp ?? null, path: check.expect.path },
    observed: { sourceIp: verdict.observed.sourceIp ?? null, path: verdict.observed.path, httpStatus: verdict.observed.httpStatus ?? null },
    pass: verdict.pass,
    reasons: verdict.reasons,
    seen: verdict.seen,
    logLine: evidence.logEntries[0]?.line ?? null,
    ...(check.note ? { note: check.note } : {}),
    seconds: result.seconds,
  };
}

/** `DIR/NN-<from>[-<fault>]/`: a pcap per capture point, the access-log line, curl's answer, wg show, the configs (redacted). */
export function checkArtifactDir(index: number, report: CheckReport): string {
  return `${String(index + 1).padStart(2, '0')}-${report.from}${report.fault ? `-${report.fault}` : ''}`;
}

function writeArtifacts(root: string, result: CheckResult, report: CheckReport, configs: Record<string, string>): void {
  const dir = join(root, checkArtifactDir(result.index, report));
  mkdirSync(dir, { recursive: true });
  for (const capture of result.evidence.captures) {
    if (capture.pcap) writeFileSync(join(dir, `${capture.label.replace(/\s+/g, '-')}.pcap`), capture.pcap);
  }
  writeFileSync(join(dir, 'access.log'), result.evidence.logEntries.map((entry) => `${entry.line}\n`).join(''));
  writeFileSync(join(dir, 'curl.json'), `${JSON.stringify(result.evidence.request, null, 2)}\n`);
  writeFileSync(join(dir, 'verdict.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const [node, text] of Object.entries(result.wgShow)) writeFileSync(join(dir, `wg-show-${node}.txt`), text);
  for (const [node, text] of Object.entries(configs)) writeFileSync(join(dir, `${node}-wg0.conf`), text);
}
