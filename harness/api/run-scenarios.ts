import { join } from 'node:path';
import { engineSlots } from '../lab/engine.ts';
import type { Progress } from '../lab/progress.ts';
import { redactedConfigs } from '../lab/lab-plan.ts';
import type { WireguardFlavour } from '../lab/wireguard-flavour.ts';
import type { Prediction } from '../explain/predict-checks.ts';
import { sameAddress } from '../net/ip.ts';
import { writeCheckArtifacts } from '../report/artifacts.ts';
import { pathText } from '../report/check-text.ts';
import type { CheckReport, ScenarioReport } from '../report/report-model.ts';
import { checkReport, scenarioReport } from '../report/scenario-report.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';
import { keysPerEndpoint, type KeySource } from '../wgconf/generate-configs.ts';
import { planScenario, runScenarios as runInLabs, type PlannedScenario } from '../verify/lab-pool.ts';
import { predictPlan } from './explain.ts';

export type { PlannedScenario } from '../verify/lab-pool.ts';
export { engineUrls } from '../lab/engine.ts';

/** A lab as a run shows it: its id, its WireGuard, the files it installed (keys redacted) and its bring-up order. */
export interface RunLab {
  id: string;
  wireguard: WireguardFlavour;
  /** Each wg-quick file the lab installed, keys redacted: `A` for A's wg0, `A/wg1` for its wg1. */
  configs: Record<string, string>;
  /** The WireGuard endpoints in bring-up order (those that only listen first). */
  wireguardOrder: string[];
}

export interface RunScenariosOptions {
  /** Labs at once (default 2; with `engines`, at most this many on each); one lab runs the scenarios in the order given. */
  concurrency?: number;
  /**
   * Docker engines to place labs on at once (`unix:///…`, `tcp://HOST:PORT`, `ssh://USER@HOST`), each running as
   * many labs as its measured speed allows; an engine that stops answering hands its scenarios to the others.
   * Default: the user's one engine (DOCKER_HOST).
   */
  engines?: string[];
  /** Pins WireGuard keys of generated configs (e.g. the same keys in every step of a walkthrough). */
  keys?: KeySource;
  /** Leave the last lab running; its id is in `kept`. */
  keep?: boolean;
  /** Keep pcaps, access-log lines, configs and `wg show` per check under this directory. */
  artifacts?: string;
  /** With `artifacts`: each scenario's under `<artifacts>/<scenario name>/` (the default), or directly in it. */
  artifactsPerScenario?: boolean;
  progress?: Progress;
  onScenario?: (scenario: Scenario, lab: RunLab, how: 'bring-up' | 'reconfigure') => void;
  onCheckStart?: (check: Check, index: number, total: number) => void;
  /** As each check is decided: its report, its 0-based index in the scenario, and how its fault was applied. */
  onCheck?: (check: CheckReport, index: number, scenario: Scenario, faultDescription?: string) => void;
  onReport?: (report: ScenarioReport) => void;
}

/** A check's report with the model's prediction beside it, and a finding where the model and the lab disagree. */
export function withPrediction(report: CheckReport, prediction: Prediction | undefined): CheckReport {
  if (!prediction) return report;
  const predicted = {
    path: prediction.path,
    ...(prediction.sourceIp === undefined ? {} : { sourceIp: prediction.sourceIp }),
    ...(prediction.stalls ? { stalls: true } : {}),
  };
  const observed = report.observed;
  const decided = ['tunnel', 'internet', 'none'].includes(observed.path) && prediction.path !== 'unknown';
  const differs =
    decided &&
    (prediction.path !== observed.path ||
      (prediction.sourceIp !== undefined &&
        observed.sourceIp !== null &&
        !sameAddress(prediction.sourceIp, observed.sourceIp)) ||
      (observed.stalls !== undefined && observed.path !== 'none' && (prediction.stalls ?? false) !== observed.stalls));
  return {
    ...report,
    predicted,
    ...(differs
      ? {
          modelDisagrees: `the model predicted ${pathText({ path: predicted.path, sourceIp: predicted.sourceIp ?? null, ...(observed.stalls === undefined ? {} : { stalls: prediction.stalls ?? false }) })}, the lab saw ${pathText({ path: observed.path, sourceIp: observed.sourceIp, ...(observed.stalls === undefined ? {} : { stalls: observed.stalls }) })}: wglab explain shows the model's chain`,
        }
      : {}),
  };
}

/**
 * Plans each scenario once (a file that cannot be read or parsed throws here, before any lab starts): the
 * plan's files are the ones linted (`findings`), installed and reported. Generated configs of one call share an
 * endpoint's keys (keysPerEndpoint) unless `keys` is given.
 */
export function planScenarios(scenarios: Scenario[], keys: KeySource = keysPerEndpoint()): PlannedScenario[] {
  return scenarios.map((scenario) => planScenario(scenario, keys));
}

/**
 * Runs scenarios (planned or not) on up to `concurrency` labs at once, reusing a lab whose endpoints fit the
 * next scenario, and returns each scenario's report in the order given, and the id of a kept lab. With
 * `artifacts`, each check's evidence is written as soon as it is decided.
 */
export async function runScenarios(
  scenarios: (Scenario | PlannedScenario)[],
  options: RunScenariosOptions = {},
): Promise<{ reports: ScenarioReport[]; kept: string[] }> {
  const kept = options.artifacts !== undefined;
  const artifactsOf = (scenario: Scenario) =>
    options.artifacts === undefined || options.artifactsPerScenario === false
      ? options.artifacts
      : join(options.artifacts, scenario.name);
  const keys = options.keys ?? keysPerEndpoint();
  const planned = scenarios.map((item) => ('plan' in item ? item : planScenario(item, keys)));
  const configs = new Map(planned.map(({ plan }) => [plan.scenario.name, redactedConfigs(plan)]));
  // The routing model's prediction of each check, from the same plan and for the WireGuard the lab runs: shown
  // beside what the lab observes.
  const predictions = new Map<string, ReturnType<typeof predictPlan>>();
  const checks = new Map<string, CheckReport[]>();
  const reports = new Map<string, ScenarioReport>();
  const slots =
    options.engines && options.engines.length > 0 ? await engineSlots(options.engines, options.concurrency) : undefined;
  for (const slot of slots ?? [])
    options.progress?.(
      `engine ${slot.engine.name}: ${slot.measure.cpus} CPUs, ${(slot.measure.memoryBytes / 2 ** 30).toFixed(1)} GiB, info ${(slot.measure.infoSeconds * 1000).toFixed(0)} ms: ${slot.labs} lab${slot.labs === 1 ? '' : 's'} at once`,
    );
  const runs = await runInLabs(planned, {
    concurrency: options.concurrency,
    engines: slots,
    keep: options.keep,
    wgShow: kept,
    progress: options.progress,
    onScenario: (scenario, lab, how) => {
      checks.set(scenario.name, []);
      const plan = planned.find((item) => item.plan.scenario.name === scenario.name)!.plan;
      predictions.set(scenario.name, predictPlan(plan, lab.wireguard));
      options.onScenario?.(
        scenario,
        {
          id: lab.id,
          wireguard: lab.wireguard,
          configs: configs.get(scenario.name)!,
          wireguardOrder: [...lab.plan.wireguardOrder],
        },
        how,
      );
    },
    onCheckStart: options.onCheckStart,
    onCheck: (result, scenario) => {
      const report = withPrediction(checkReport(result, kept), predictions.get(scenario.name)?.[result.index]);
      checks.get(scenario.name)!.push(report);
      const dir = artifactsOf(scenario);
      if (dir !== undefined) writeCheckArtifacts(dir, result, report, configs.get(scenario.name)!);
      options.onCheck?.(report, result.index, scenario, result.faultDescription);
    },
    onRun: (run) => {
      const report = scenarioReport(run, checks.get(run.plan.scenario.name) ?? []);
      reports.set(run.plan.scenario.name, report);
      options.onReport?.(report);
    },
  });
  return { reports: runs.map((run) => reports.get(run.plan.scenario.name)!), kept: runs.kept ?? [] };
}
