import { endpointOfNode } from '../lab/lab-plan.ts';
import { CaptureSessions } from '../lab/capture.ts';
import type { Lab } from '../lab/lab.ts';
import type { Progress } from '../lab/progress.ts';
import { checkLabel } from '../scenario/check-label.ts';
import { faultKind, faultNode, type Check } from '../scenario/scenario.ts';
import { faultTarget, targetHost } from '../lab/faults.ts';
import { runCheck, runChecksTogether, type CheckResult } from './run-check.ts';
import { checkBatches } from './run-order.ts';
import { runsInFileOrder, takesEndDown } from '../scenario/check-order.ts';

export interface RunChecksOptions {
  progress?: Progress;
  /** Called before each check runs (for progress). */
  onCheckStart?: (check: Check, index: number, total: number) => void;
  /** Called as each check is decided. */
  onCheck?: (result: CheckResult) => void;
  /** Collect `wg show` of every node with each check (for artifacts). */
  wgShow?: boolean;
  /**
   * Captures kept running across scenarios in this lab (the lab pool's, closed by it); without them, the
   * scenario's own, closed when its checks end.
   */
  captures?: CaptureSessions;
  /**
   * The WireGuard ends the lab takes down after this scenario anyway (the next one changes their files, or the
   * lab goes): checks whose fault leaves one of them down run last (checkBatches).
   */
  resetNext?: ReadonlySet<string>;
}

/**
 * Runs every check of the lab's scenario as `wglab run` does (checks without a fault together, faults alone,
 * WireGuard's restart after the last fault left for whatever comes next: `lab.settleWireguard()` does it).
 */
export async function runChecks(lab: Lab, options: RunChecksOptions = {}): Promise<CheckResult[]> {
  const scenario = lab.scenario;
  const results: CheckResult[] = [];
  // One tcpdump per capture point for the whole scenario (or the lab's life), not one per batch.
  const captures = options.captures ?? new CaptureSessions(lab);
  const checkOptions = { wgShow: options.wgShow ?? false, progress: options.progress, deferRestart: true, captures };
  const waitsForEarlier = (check: Check) => lab.plan.waitsForPeers.includes(endpointOfNode(lab.plan, check.from));
  /** Whether the lab takes the end a check's fault leaves down after this scenario anyway. */
  const resetNext = (check: Check) => {
    const fault = faultKind(check)!;
    const node = faultTarget(lab.plan, fault, check.from, targetHost(check), faultNode(check));
    return node !== undefined && options.resetNext?.has(node) === true;
  };
  const inFileOrder = runsInFileOrder(scenario.checks, waitsForEarlier);
  // Results are handed on in file order, whatever order the checks ran in.
  const decided = new Map<number, CheckResult>();
  const handOn = () => {
    for (let result = decided.get(results.length); result; result = decided.get(results.length)) {
      results.push(result);
      options.onCheck?.(result);
    }
  };
  try {
    let ranBefore: Check | undefined;
    for (const batch of checkBatches(scenario.checks, waitsForEarlier, resetNext)) {
      // A check whose fault takes an end down starts from fresh sessions on the other ends, whatever ran before it
      // (its place among such checks depends on the next scenario): as the model predicts it (predictChecks).
      if (!inFileOrder && takesEndDown(batch[0]!.check) && ranBefore && !ranBefore.fault) lab.deferWireguardRestart();
      ranBefore = batch.at(-1)!.check;
      for (const { check, index } of batch) {
        options.onCheckStart?.(check, index, scenario.checks.length);
        options.progress?.(`${lab.id}: check ${index + 1}/${scenario.checks.length}: ${checkLabel(check)}`);
      }
      const ran =
        batch.length === 1
          ? [await runCheck(lab, batch[0]!.check, batch[0]!.index, checkOptions)]
          : await runChecksTogether(lab, batch, checkOptions);
      for (const result of ran) decided.set(result.index, result);
      handOn();
    }
  } finally {
    if (!options.captures) await captures.close();
  }
  return results;
}
