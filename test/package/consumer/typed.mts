// A user's TypeScript against the installed package's types: `await using` ends the lab with the block.
import { loadScenario, startLab, WglabError, type CheckOutcome, type ScenarioReport } from 'wglab';

export async function drive(): Promise<CheckOutcome> {
  await using lab = await startLab(loadScenario('never-seen.yaml'));
  await using fault = await lab.fault('tunnel-down', 'laptop');
  void fault;
  return lab.check({
    from: 'laptop',
    url: 'https://intranet.example.test/',
    expect: { path: 'internet', sourceIp: '100.70.1.5' },
  });
}
export const failed = (report: ScenarioReport): string[] =>
  report.checks.filter((check) => !check.pass).map((check) => check.reasons.join('; '));
export const isInputError = (error: unknown): boolean => error instanceof WglabError && error.hint !== undefined;
