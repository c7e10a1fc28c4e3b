import { firstLine } from '../errors.ts';
import { CaptureSessions } from '../lab/capture.ts';
import { connectEngine, type Engine } from '../lab/engine.ts';
import { EngineGoneError, engineWentAway } from '../lab/engine-gone.ts';
import { planLab, type LabPlan } from '../lab/lab-plan.ts';
import { sameEndpoints, type Lab } from '../lab/lab.ts';
import type { Progress } from '../lab/progress.ts';
import { startLab } from '../lab/start-lab.ts';
import type { WireguardFlavour } from '../lab/wireguard-flavour.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';
import { keysPerEndpoint, type KeySource } from '../wgconf/generate-configs.ts';
import type { Finding } from '../wgconf/lint/finding.ts';
import { lintScenario } from '../wgconf/lint/lint.ts';
import type { CheckResult } from './run-check.ts';
import { runChecks } from './run-checks.ts';
import { endsResetAfter, peekLongest, stopsEarly, takeLongest } from './run-order.ts';

/** A scenario planned for a run: its lab plan (the files the lab installs) and lint's findings on those files. */
export interface PlannedScenario {
  plan: LabPlan;
  findings: Finding[];
}

/** What running one scenario's checks in a lab gave: each check's result, and how long each phase took. */
export interface ScenarioRun extends PlannedScenario {
  /** The lab's id, the engine it ran on (as given) and its WireGuard. */
  lab: string;
  engine: string;
  wireguard: WireguardFlavour;
  results: CheckResult[];
  /** Seconds per phase: lab bring-up phases (or the reconfigure), then the checks and the total. */
  timings: Record<string, number>;
}

/**
 * Plans a scenario once for a run: the plan's files are the ones linted, installed and reported. A file that
 * cannot be read or parsed throws here, before any lab starts.
 */
export function planScenario(scenario: Scenario, keys?: KeySource): PlannedScenario {
  const plan = planLab(scenario, { keys });
  return { plan, findings: lintScenario(scenario, plan.configs) };
}

/** An engine a run places labs on, and how many labs it runs at once. */
export interface EngineSlot {
  engine: Engine;
  labs: number;
  /** How many times slower than a native engine it answers (1 when not measured): a slow one takes short scenarios. */
  slowness?: number;
}

export interface LabPoolOptions {
  /** Labs at once (default 2) on the user's engine, when `engines` is not given. */
  concurrency?: number;
  /**
   * The engines to place labs on, each with its labs at once. An engine that stops answering mid-run gives its
   * scenarios back to the others; the run fails only when none is left.
   */
  engines?: EngineSlot[];
  /** Pins WireGuard keys of generated configs when a scenario is given unplanned. */
  keys?: KeySource;
  progress?: Progress;
  /** Leave the last lab running (detached: `wglab down` or `wglab prune --all` removes it); its id is returned. */
  keep?: boolean;
  /** Collect `wg show` of every node with each check (for artifacts). */
  wgShow?: boolean;
  /** Called when a scenario's checks are about to run in `lab`: brought up for it, or reconfigured for it. */
  onScenario?: (scenario: Scenario, lab: Lab, how: 'bring-up' | 'reconfigure') => void;
  onCheckStart?: (check: Check, index: number, total: number) => void;
  onCheck?: (result: CheckResult, scenario: Scenario) => void;
  /** Called as each scenario's checks have all been decided. */
  onRun?: (run: ScenarioRun) => void;
}

/**
 * Runs many scenarios on `concurrency` labs at once. A lab whose endpoints (names, public IPs, served names)
 * fit the next scenario is reused: only WireGuard is reconfigured, which is what a user changing configs does.
 * Runs come back in the order given.
 */
export async function runScenarios(
  scenarios: (Scenario | PlannedScenario)[],
  options: LabPoolOptions = {},
): Promise<ScenarioRun[] & { kept?: string[] }> {
  // Plans first: a scenario whose configs cannot be planned stops the run before any lab starts.
  const keys = options.keys ?? keysPerEndpoint();
  const queue = scenarios.map((item, index) => {
    const { plan, findings } = 'plan' in item ? item : planScenario(item, keys);
    return { scenario: plan.scenario, index, plan, findings };
  });
  const slots = options.engines ?? [{ engine: await connectEngine(), labs: options.concurrency ?? 2 }];
  const concurrency = Math.max(
    1,
    Math.min(
      slots.reduce((sum, slot) => sum + slot.labs, 0),
      queue.length,
    ),
  );
  const runs: ScenarioRun[] & { kept?: string[] } = [];
  const kept: string[] = [];
  // With several labs, the longest scenarios go first, so no lab is left with a long one at the end, and a lab
  // stops early (its teardown overlapping the others' checks) when what is left is less work than a teardown
  // and another lab is busy to take it. One lab, or a lab to keep (the last scenario's), runs the files in order.
  const busy = new Set<LabPlan>(); // the plans of the scenarios labs are running now
  let failed = false;
  const fastest = Math.min(...slots.map((slot) => slot.slowness ?? 1));
  const take = (lab: Lab | undefined, slot: EngineSlot) => {
    if (failed) return undefined;
    if (concurrency === 1 || options.keep) return queue.shift();
    if (lab && stopsEarly(queue, [...busy])) return undefined;
    return takeLongest(queue, lab?.plan, (slot.slowness ?? 1) >= 2 * fastest);
  };
  const gone = new Set<Engine>(); // engines that stopped answering mid-run
  const worker = async (slot: EngineSlot) => {
    let lab: Lab | undefined;
    // The lab's captures run from scenario to scenario: its removal stops them, a kept lab's are closed.
    let captures: CaptureSessions | undefined;
    let next: ReturnType<typeof take>;
    try {
      for (next = take(lab, slot); next; next = take(lab, slot)) {
        busy.add(next.plan);
        try {
          const start = performance.now();
          const plan = next.plan;
          let timings: Record<string, number>;
          if (lab && sameEndpoints(lab.plan, plan)) {
            await lab.reconfigure(plan);
            for (const failed of lab.takeDownHookFailures())
              options.progress?.(`${lab.id}: before ${plan.scenario.name}: ${failed}`);
            timings = { reconfigure: (performance.now() - start) / 1000 };
            options.onScenario?.(next.scenario, lab, 'reconfigure');
          } else {
            await lab?.down();
            lab = await startLab(plan, { progress: options.progress, detached: options.keep, engine: slot.engine });
            captures = new CaptureSessions(lab);
            timings = { ...lab.timings };
            options.onScenario?.(next.scenario, lab, 'bring-up');
          }
          const scenario = next.scenario;
          const checksStart = performance.now();
          // What this lab most likely does next (as take would choose now): the ends it takes down anyway then.
          const upcoming =
            concurrency === 1 || options.keep
              ? queue[0]
              : peekLongest(queue, plan, (slot.slowness ?? 1) >= 2 * fastest);
          const results = await runChecks(lab, {
            resetNext: endsResetAfter(plan, upcoming?.plan, options.keep === true && upcoming === undefined),
            progress: options.progress,
            wgShow: options.wgShow,
            captures,
            onCheckStart: options.onCheckStart,
            onCheck: options.onCheck && ((result) => options.onCheck!(result, scenario)),
          });
          const run: ScenarioRun = {
            plan,
            findings: next.findings,
            lab: lab.id,
            engine: slot.engine.name,
            wireguard: lab.wireguard,
            results,
            timings: {
              ...timings,
              checks: (performance.now() - checksStart) / 1000,
              total: (performance.now() - start) / 1000,
            },
          };
          runs[next.index] = run;
          options.onRun?.(run);
        } finally {
          busy.delete(next.plan);
        }
      }
      next = undefined;
    } catch (error) {
      if (next && (gone.has(slot.engine) || (await engineWentAway(slot.engine, error)))) {
        // The scenario goes back to the queue for the engines still answering; this engine's lab is gone with it.
        const first = !gone.has(slot.engine);
        gone.add(slot.engine);
        const others = slots.filter((other) => !gone.has(other.engine));
        if (others.length > 0) {
          if (first)
            options.progress?.(
              `engine ${slot.engine.name} stopped answering (${firstLine(error)}): its scenarios move to ${others.map((other) => other.engine.name).join(', ')}`,
            );
          queue.unshift(next);
          await lab?.down().catch(() => undefined);
          lab = undefined;
          return;
        }
        failed = true;
        await lab?.down().catch(() => undefined);
        lab = undefined;
        throw error instanceof EngineGoneError ? error : new EngineGoneError(error, slot.engine.name);
      }
      failed = true; // the other labs take no more scenarios
      await lab?.down();
      lab = undefined;
      throw error;
    } finally {
      if (lab && options.keep) {
        // A kept lab is left as its configs say, not mid-fault, with no tcpdump running; one that cannot be is not kept.
        await captures?.close();
        await lab.settleWireguard().catch(async (error: unknown) => {
          await lab!.down();
          throw error;
        });
        for (const failed of lab.takeDownHookFailures())
          options.progress?.(`${lab.id}: restarting WireGuard: ${failed}`);
        kept.push(lab.id);
      } else await lab?.down();
    }
  };
  const workers = slots.flatMap((slot) => Array.from({ length: Math.min(slot.labs, concurrency) }, () => slot));
  await Promise.all(workers.map((slot) => worker(slot)));
  // Scenarios handed back after every other worker had finished: run them on the engines still answering.
  while (queue.length > 0 && !failed) {
    const alive = slots.filter((slot) => !gone.has(slot.engine));
    if (alive.length === 0) break;
    await Promise.all(alive.map((slot) => worker(slot)));
  }
  if (options.keep) runs.kept = kept;
  return runs;
}
