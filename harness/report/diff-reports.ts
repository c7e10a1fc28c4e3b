import { WglabError } from '../errors.ts';
import type { CheckReport } from '../report/report-model.ts';
import { pathText } from './check-text.ts';
import { checkLabel } from '../scenario/check-label.ts';

/** A check whose observed path or source IP differs between two reports, or that only one report has. */
export interface CheckChange {
  scenario: string;
  /** 1-based, as `wglab run` numbers checks. */
  number: number;
  from: string;
  /** What the check sends, as lists name it (the URL of an http check). */
  target: string;
  fault: string | null;
  old: { path: string; sourceIp: string | null } | null;
  new: { path: string; sourceIp: string | null } | null;
}

type Observed = Pick<CheckReport, 'from' | 'url' | 'fault' | 'observed'> & { target?: string };

/** A check's target in a report: `target`, or the URL of a report from before check kinds. */
const targetOf = (check: Observed) => check.target ?? check.url ?? '';

/** The scenarios of a `wglab run --json` report: one scenario's object, or `{ scenarios: [...] }`. */
export function reportScenarios(json: unknown, file: string): { scenario: string; checks: Observed[] }[] {
  const list = (json as { scenarios?: unknown })?.scenarios ?? [json];
  if (
    !Array.isArray(list) ||
    !list.every((item) => typeof item?.scenario === 'string' && Array.isArray(item?.checks))
  ) {
    throw new WglabError(`${file} is not a wglab run --json report`, {
      location: { file },
      hint: 'give two files written by: wglab run S --json > report.json (or --report DIR: DIR/report.json)',
    });
  }
  return list as { scenario: string; checks: Observed[] }[];
}

/**
 * Every check whose observed path or source IP changed from `older` to `newer`. Checks are matched by
 * scenario name and position; a check that only one side has (or that asks another request) is a change too.
 */
export function diffReports(older: unknown, newer: unknown, files: [string, string] = ['OLD', 'NEW']): CheckChange[] {
  const a = reportScenarios(older, files[0]);
  const b = reportScenarios(newer, files[1]);
  const names = [...new Set([...a, ...b].map((report) => report.scenario))];
  const changes: CheckChange[] = [];
  const seen = (check: Observed | undefined) =>
    check ? { path: check.observed.path, sourceIp: check.observed.sourceIp } : null;
  for (const name of names) {
    const oldChecks = a.find((report) => report.scenario === name)?.checks ?? [];
    const newChecks = b.find((report) => report.scenario === name)?.checks ?? [];
    for (let index = 0; index < Math.max(oldChecks.length, newChecks.length); index += 1) {
      let before: Observed | undefined = oldChecks[index];
      let after: Observed | undefined = newChecks[index];
      if (
        before &&
        after &&
        (before.from !== after.from || targetOf(before) !== targetOf(after) || before.fault !== after.fault)
      ) {
        changes.push(change(name, index, before, seen(before), null));
        before = undefined;
      }
      const was = seen(before);
      const now = seen(after);
      if (JSON.stringify(was) !== JSON.stringify(now)) changes.push(change(name, index, (after ?? before)!, was, now));
    }
  }
  return changes;
}

function change(
  scenario: string,
  index: number,
  check: Observed,
  old: CheckChange['old'],
  now: CheckChange['new'],
): CheckChange {
  return { scenario, number: index + 1, from: check.from, target: targetOf(check), fault: check.fault, old, new: now };
}

/** `office check 2 A https://app.example.com/ [tunnel-down]: tunnel as 10.0.0.1 -> internet as 198.51.100.1` */
export function changeLine(change: CheckChange): string {
  const side = (value: CheckChange['old']) => (value ? pathText(value) : '(no such check)');
  return `${change.scenario} check ${change.number} ${checkLabel(change)}: ${side(change.old)} -> ${side(change.new)}`;
}
