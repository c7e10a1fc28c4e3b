import { endpointOfNode } from '../lab/lab-plan.ts';
import { CaptureSessions } from '../lab/capture.ts';
import type { Lab } from '../lab/lab.ts';
import type { Progress } from '../lab/progress.ts';
import { checkLabel } from '../scenario/check-label.ts';
import { faultKind, faultNode, type Check } from '../scenario/scenario.ts';
import { faultTarget, targetHost } from '../lab/faults.ts';
import { runCheck, runChecksTogether, type CheckResult } from './run-check.ts';
import { checkBatches, type LeftDown } from './run-order.ts';

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
  const leftDown = (check: Check): LeftDown => {
    const fault = faultKind(check);
    if (fault !== 'tunnel-down' && fault !== 'peer-down' && fault !== 'wireguard-killed') return 'none';
    const node = faultTarget(lab.plan, fault, check.from, targetHost(check), faultNode(check));
    if (node === undefined) return 'none';
    return options.resetNext?.has(node) ? 'reset' : 'kept';
  };
  // Results are handed on in file order, whatever order the checks ran in.
  const decided = new Map<number, CheckResult>();
  const handOn = () => {
    for (let result = decided.get(results.length); result; result = decided.get(results.length)) {
      results.push(result);
      options.onCheck?.(result);
    }
  };
  try {
    for (const batch of checkBatches(scenario.checks, waitsForEarlier, leftDown)) {
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
