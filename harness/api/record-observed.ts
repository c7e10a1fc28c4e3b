import { readFileSync, writeFileSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { pathText } from '../report/check-text.ts';
import { expectationText, recordExpectations, type RecordedChange } from '../scenario/record-expectations.ts';
import { paths, type Check, type Expectation, type Scenario } from '../scenario/scenario.ts';
import type { ScenarioReport } from '../report/report-model.ts';
import { checkLabel } from '../scenario/check-label.ts';

/** `check 1 A https://app.example.com/ [tunnel-down]`: how messages name a check. */
export function checkName(check: Parameters<typeof checkLabel>[0], index: number): string {
  return `check ${index + 1} ${checkLabel(check)}`;
}

/** The checks of these scenarios that have no `expect` yet. */
export function unrecordedChecks(scenarios: Scenario[]): { scenario: Scenario; index: number; check: Check }[] {
  return scenarios.flatMap((scenario) =>
    scenario.checks.flatMap((check, index) => (check.expect ? [] : [{ scenario, index, check }])),
  );
}

/** Refuses to verify checks that have nothing to verify against (exit 2), naming each and saying to record. */
export function assertRecorded(scenarios: Scenario[]): void {
  const missing = unrecordedChecks(scenarios);
  if (missing.length === 0) return;
  const files = [...new Set(missing.map((item) => item.scenario.file ?? item.scenario.name))];
  throw new WglabError(
    `${missing.length} check(s) have no expect, nothing to verify them against: ${missing.map((item) => `${item.scenario.name} ${checkName(item.check, item.index)}`).join('; ')}`,
    {
      hint: `run with --record once to write what the lab observes as their expect: wglab run ${files.join(' ')} --record`,
    },
  );
}

/**
 * Writes what a run observed into the scenario's file as each check's `expect` (comments and layout kept)
 * and returns what changed. A check whose path was neither tunnel, internet nor none cannot be recorded (exit 1).
 */
export function recordObserved(scenario: Scenario, report: ScenarioReport): RecordedChange[] {
  if (!scenario.file)
    throw new WglabError(`scenario ${scenario.name} has no file to record into`, {
      hint: 'load it with loadScenario(path)',
    });
  const unclear = report.checks
    .map((check, index) => ({ check, index }))
    .filter(
      ({ check }) =>
        !(paths as readonly string[]).includes(check.observed.path) ||
        (check.observed.path !== 'none' && check.observed.sourceIp === null && !check.observed.stalls),
    );
  if (unclear.length > 0) {
    throw new WglabError(
      `cannot record ${unclear.map(({ check, index }) => `${checkName(check, index)} (observed ${check.observed.path}: ${check.reasons.join('; ') || check.seen.join('; ')})`).join(', ')}`,
      {
        exitCode: 1,
        hint: 'a path must be tunnel, internet or none to be recorded; look at the evidence with --report DIR',
      },
    );
  }
  const expectations = new Map(
    report.checks.map((check, index) => {
      const path = check.observed.path as Expectation['path'];
      // A stalled transfer is recorded as one; the server may have logged no line for it (no source IP to hold).
      const expect: Expectation =
        path === 'none'
          ? { path }
          : {
              ...(check.observed.sourceIp === null ? {} : { sourceIp: check.observed.sourceIp }),
              path,
              ...(check.observed.stalls ? { stalls: true } : {}),
              ...(check.observed.resolver === undefined ? {} : { resolver: check.observed.resolver }),
            };
      return [index, expect] as const;
    }),
  );
  const text = readFileSync(scenario.file, 'utf8');
  const recorded = recordExpectations(text, expectations, scenario.file);
  if (recorded.text !== text) writeFileSync(scenario.file, recorded.text);
  return recorded.changes;
}

/** `recorded check 1 A https://app.example.com/: expect { sourceIp: 10.0.0.1, path: tunnel } (was none)` */
export function recordedLine(scenario: Scenario, change: RecordedChange): string {
  const check = scenario.checks[change.index]!;
  return `recorded ${checkName(check, change.index)}: expect ${expectationText(change.after)}${change.before ? ` (was ${pathText({ path: change.before.path, sourceIp: change.before.sourceIp ?? null })})` : ''}`;
}
