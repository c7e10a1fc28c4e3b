import type { Progress } from '../lab/progress.ts';
import type { CheckReport, ScenarioReport } from '../report/report-model.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { assertRecorded } from './record-observed.ts';
import { runScenarios } from './run-scenarios.ts';

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
  const { reports } = await runScenarios([scenario], {
    progress: options.progress,
    artifacts: options.artifacts,
    artifactsPerScenario: false,
    onCheck: options.onCheck && ((check) => options.onCheck!(check)),
  });
  return reports[0]!;
}
