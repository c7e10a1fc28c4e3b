import type { Progress } from '../lab/progress.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { runScenario as runInLab, type CheckReport, type ScenarioReport } from '../verify/run-scenario.ts';
import { assertRecorded } from './record-observed.ts';

export interface RunScenarioOptions {
  /** Bring-up progress lines (none by default). */
  progress?: Progress;
  /** Keep pcaps, access-log lines, redacted configs and `wg show` per check under this directory. */
  artifacts?: string;
  /** Called as each check is decided. */
  onCheck?: (check: CheckReport) => void;
}

/**
 * Brings the scenario's lab up, runs every check, tears it down, and returns what `wglab run --json` prints:
 * `{ scenario, checks: [{ from, url, expected, observed, pass, reasons, ... }], pass, wireguard, ... }`.
 * A failed check is `pass: false` in the report, not a throw; bad input and checks without `expect` throw WglabError.
 */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioReport> {
  assertRecorded([scenario]);
  const run = await runInLab(scenario, {
    progress: options.progress,
    artifacts: options.artifacts,
    onCheck: options.onCheck && ((check) => options.onCheck!(check)),
  });
  return run.report;
}
