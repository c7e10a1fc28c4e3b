import { sameEndpoints } from '../lab/lab.ts';
import type { LabPlan } from '../lab/lab-plan.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';

// In what order a run takes its scenarios and checks (run-scenario drives the labs; the choices are made here).

/**
 * The order checks run in: each run of consecutive checks without a fault goes together (runChecksTogether),
 * each check with a fault, an `idle:` wait or a transfer (`bytes:`) alone, so a fault never overlaps another check. A check for which `waitsForEarlier`
 * holds (sent from an end that cannot start its WireGuard session itself) begins a new run, after every check
 * before it, as in file order. Report order stays the file's.
 */
export function checkBatches(
  checks: readonly Check[],
  waitsForEarlier: (check: Check) => boolean,
): { check: Check; index: number }[][] {
  const batches: { check: Check; index: number }[][] = [];
  // A fault, a wait for an idle lab (`idle:`) or a transfer (`bytes:`, which would starve its neighbours on a slow
  // engine) needs the lab to itself.
  const alone = (check: Check) => check.fault !== undefined || check.idle !== undefined || check.bytes !== undefined;
  for (const [index, check] of checks.entries()) {
    const last = batches.at(-1);
    if (!alone(check) && last && !alone(last[0]!.check) && !waitsForEarlier(check)) last.push({ check, index });
    else batches.push([{ check, index }]);
  }
  return batches;
}

/** About what removing a lab's containers and networks takes on a native engine, in ms (for ordering only). */
export const teardownEstimateMs = 900;

/**
 * Whether a lab that has run a scenario should stop (and tear down) rather than take another: when what is left
 * is less work than a teardown and a busy lab (`busy`: the plans they run) can run each of it by reconfiguring,
 * they take it, and this teardown overlaps their checks instead of coinciding with theirs at the end.
 */
export function stopsEarly(queue: readonly { scenario: Scenario; plan: LabPlan }[], busy: readonly LabPlan[]): boolean {
  return (
    busy.length > 0 &&
    queue.reduce((sum, item) => sum + estimatedCheckMs(item.scenario), 0) <= teardownEstimateMs &&
    queue.every((item) => busy.some((plan) => sameEndpoints(plan, item.plan)))
  );
}

/**
 * A rough cost in ms of a scenario in a lab on a native engine, for ordering only: 250 to reconfigure, 800 for a
 * check with a fault that expects no answer (it waits for curl to give up), 350 for one with a fault that
 * expects an answer (WireGuard restarts after it), 100 for any other (they run together).
 */
export function estimatedCheckMs(scenario: Scenario): number {
  return scenario.checks.reduce(
    (sum, check) => sum + (check.fault ? (check.expect?.path === 'none' ? 800 : 350) : 100),
    250,
  );
}

/**
 * Takes the next scenario for a lab out of the queue: the longest of those this lab can run by reconfiguring
 * it (same endpoints), else the longest of all (a lab is brought up for it).
 */
export function takeLongest<T extends { scenario: Scenario; plan: LabPlan }>(
  queue: T[],
  labPlan?: LabPlan,
  shortest = false,
): T | undefined {
  if (queue.length === 0) return undefined;
  // On a tie the earlier in the queue (file order) wins. A slow engine (`shortest`) takes the shortest instead,
  // so the run does not end waiting for it on a long scenario.
  const cost = (item: T) => (shortest ? -1 : 1) * estimatedCheckMs(item.scenario);
  const longest = (items: T[]) => items.reduce((best, item) => (cost(item) > cost(best) ? item : best));
  const fitting = labPlan ? queue.filter((item) => sameEndpoints(labPlan, item.plan)) : [];
  const next = longest(fitting.length > 0 ? fitting : queue);
  queue.splice(queue.indexOf(next), 1);
  return next;
}
