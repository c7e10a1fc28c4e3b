import { sameEndpoints, sameWireguardFiles } from '../lab/lab.ts';
import type { LabPlan } from '../lab/lab-plan.ts';
import { runOrder } from '../scenario/check-order.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';

// In what order a run takes its scenarios and checks (run-scenario drives the labs; the choices are made here).

/**
 * The order checks run in (scenario/check-order.ts: file order, with the checks whose fault takes an end down
 * after the others, those whose end `resetNext` says the lab takes down next anyway last): WireGuard's restart
 * after such a fault is then the next scenario's reconfigure (or nothing, before a teardown), not a `wg-quick up`
 * and `down` of its own, and the checks between join into fewer runs. Each run of consecutive checks without a
 * fault goes together (runChecksTogether); each check with a fault, an `idle:` wait or a transfer (`bytes:`) alone,
 * so a fault never overlaps another check; a check for which `waitsForEarlier` holds begins a new run, after every
 * check before it. Report order stays the file's.
 */
export function checkBatches(
  checks: readonly Check[],
  waitsForEarlier: (check: Check) => boolean,
  resetNext: (check: Check) => boolean = () => false,
): { check: Check; index: number }[][] {
  const batches: { check: Check; index: number }[][] = [];
  // A fault, a wait for an idle lab (`idle:`) or a transfer (`bytes:`, which would starve its neighbours on a slow
  // engine) needs the lab to itself.
  const alone = (check: Check) => check.fault !== undefined || check.idle !== undefined || check.bytes !== undefined;
  for (const index of runOrder(checks, waitsForEarlier, resetNext)) {
    const check = checks[index]!;
    const last = batches.at(-1);
    if (!alone(check) && last && !alone(last[0]!.check) && !waitsForEarlier(check)) last.push({ check, index });
    else batches.push([{ check, index }]);
  }
  return batches;
}

/**
 * The WireGuard ends a lab takes down after running `plan` anyway: with `next` (the scenario it is to run next,
 * by reconfiguring), the ends whose files `next` changes or drops; with none, every end when the lab is torn
 * down, and none when it is kept running (it is left as its configs say, every end up).
 */
export function endsResetAfter(plan: LabPlan, next: LabPlan | undefined, keptRunning: boolean): Set<string> {
  if (next && sameEndpoints(plan, next))
    return new Set(
      plan.wireguardOrder.filter(
        (node) => !next.wireguardOrder.includes(node) || !sameWireguardFiles(plan, next, node),
      ),
    );
  return new Set(next || !keptRunning ? plan.wireguardOrder : []);
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
  const next = peekLongest(queue, labPlan, shortest);
  if (next) queue.splice(queue.indexOf(next), 1);
  return next;
}

/** What takeLongest would take, left in the queue. */
export function peekLongest<T extends { scenario: Scenario; plan: LabPlan }>(
  queue: readonly T[],
  labPlan?: LabPlan,
  shortest = false,
): T | undefined {
  if (queue.length === 0) return undefined;
  // On a tie the earlier in the queue (file order) wins. A slow engine (`shortest`) takes the shortest instead,
  // so the run does not end waiting for it on a long scenario.
  const cost = (item: T) => (shortest ? -1 : 1) * estimatedCheckMs(item.scenario);
  const longest = (items: readonly T[]) => items.reduce((best, item) => (cost(item) > cost(best) ? item : best));
  const fitting = labPlan ? queue.filter((item) => sameEndpoints(labPlan, item.plan)) : [];
  return longest(fitting.length > 0 ? fitting : queue);
}
