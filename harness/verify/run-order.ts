import { sameEndpoints } from '../lab/lab.ts';
import type { LabPlan } from '../lab/lab-plan.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';

// In what order a run takes its scenarios and checks (run-scenario drives the labs; the choices are made here).

/**
 * The order checks run in: each run of consecutive checks without a fault goes together (runChecksTogether),
 * each check with a fault alone, so a fault never overlaps another check. Report order stays the file's.
 */
export function checkBatches(checks: readonly Check[]): { check: Check; index: number }[][] {
  const batches: { check: Check; index: number }[][] = [];
  for (const [index, check] of checks.entries()) {
    const last = batches.at(-1);
    if (!check.fault && last && !last[0]!.check.fault) last.push({ check, index });
    else batches.push([{ check, index }]);
  }
  return batches;
}

/** About what removing a lab's containers and networks takes on a native engine (for ordering only). */
const teardownEstimateSeconds = 0.9;

/**
 * Whether a lab that has run a scenario should stop (and tear down) rather than take another: when other labs
 * are busy and what is left is less work than a teardown, they take it, and this teardown overlaps their checks
 * instead of coinciding with theirs at the end.
 */
export function stopsEarly(queue: readonly { scenario: Scenario }[], othersBusy: number): boolean {
  return othersBusy > 0 && queue.reduce((sum, item) => sum + estimatedCheckSeconds(item.scenario), 0) <= teardownEstimateSeconds;
}

/**
 * A rough cost of a scenario's checks in a lab on a native engine, for ordering only: a check that expects no
 * answer waits for curl to give up, one with a fault restarts WireGuard, the others run together.
 */
export function estimatedCheckSeconds(scenario: Scenario): number {
  return scenario.checks.reduce((sum, check) => sum + (check.fault ? (check.expect?.path === 'none' ? 0.8 : 0.35) : 0.1), 0.25);
}

/**
 * Takes the next scenario for a lab out of the queue: the longest of those this lab can run by reconfiguring
 * it (same endpoints), else the longest of all (a lab is brought up for it).
 */
export function takeLongest<T extends { scenario: Scenario; plan: LabPlan }>(queue: T[], labPlan?: LabPlan): T | undefined {
  if (queue.length === 0) return undefined;
  const longest = (items: T[]) => items.reduce((best, item) => (estimatedCheckSeconds(item.scenario) > estimatedCheckSeconds(best.scenario) ? item : best));
  const fitting = labPlan ? queue.filter((item) => sameEndpoints(labPlan, item.plan)) : [];
  const next = longest(fitting.length > 0 ? fitting : queue);
  queue.splice(queue.indexOf(next), 1);
  return next;
}

