import { checkTarget, type CheckTargetFields } from './check-target.ts';
import type { AimedFault } from './scenario.ts';

/** What names a check's fault in a label: its kind, and the node it is aimed at when the scenario names one. */
export function faultText(fault: string | AimedFault | null | undefined, node?: string | null): string | undefined {
  if (!fault) return undefined;
  if (typeof fault === 'object') return `${fault.kind} on ${fault.node}`;
  return node ? `${fault} on ${node}` : fault;
}

/**
 * `A https://app.example.com/ [tunnel-down]`, `A dns app.example.com`: a check as every list, line and report names it (a scenario's
 * check or a check's report alike).
 */
export function checkLabel(
  check: CheckTargetFields & {
    from: string;
    /** A check's report names its target as text (`dns app.example.com`); a scenario's check by its fields. */
    target?: string;
    fault?: string | AimedFault | null;
    faultNode?: string | null;
  },
): string {
  const fault = faultText(check.fault, check.faultNode);
  return `${check.from} ${check.target ?? checkTarget(check).text}${fault ? ` [${fault}]` : ''}`;
}
