import { checkLabel } from '../scenario/check-label.ts';
import { WglabError } from '../errors.ts';
import type { Command } from 'commander';
import { explainScenarios, type CheckComparison } from '../api/explain.ts';
import type { Prediction } from '../explain/predict-checks.ts';

export function registerExplain(program: Command, setExit: (code: number) => void): void {
  program
    .command('explain')
    .description(
      'predict each check from the configs alone (no lab, no root): its path, source IP and the rules, routes and peers that decide it',
    )
    .argument('<scenarios...>', 'scenario YAML files')
    .option(
      '--json',
      'print { "checks": [ { scenario, index, predicted: { path, sourceIp?, resolver?, stalls? }, why: [...] } ] }',
    )
    .option(
      '--wireguard <kind>',
      'kernel or userspace: the WireGuard the lab would run, where it decides an outcome (default WGLAB_WIREGUARD when it names one)',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 every prediction agrees with its check's expect, 1 a prediction contradicts one, 2 a file cannot be read.
A prediction the model cannot make (a hook script it cannot read, a rule it does not model) is unknown, with why.
Examples:
  wglab explain scenarios/article/03-transparent-a-prefix.yaml
  wglab explain scenarios/negative/a-priorities-swapped.yaml
  wglab explain scenarios/own-network/*.yaml --json`,
    )
    .action((files: string[], options: { json?: boolean; wireguard?: string }) => {
      const comparisons = explainScenarios(files, wireguardOption(options.wireguard));
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ checks: comparisons.map((comparison) => comparison.explained) }, null, 2)}\n`,
        );
      } else {
        const scenarios = new Set(comparisons.map((comparison) => comparison.explained.scenario));
        let shown: string | undefined;
        for (const comparison of comparisons) {
          if (scenarios.size > 1 && comparison.explained.scenario !== shown) {
            shown = comparison.explained.scenario;
            process.stdout.write(`== ${shown}\n`);
          }
          process.stdout.write(explainLines(comparison));
        }
        process.stdout.write(`${summary(comparisons)}\n`);
      }
      setExit(comparisons.some((comparison) => comparison.verdict === 'contradicts') ? 1 : 0);
    });
}

/** --wireguard, else WGLAB_WIREGUARD when it is kernel or userspace (auto says nothing). */
function wireguardOption(given: string | undefined): { wireguard?: 'kernel' | 'userspace' } {
  const value = given ?? process.env.WGLAB_WIREGUARD;
  if (value === 'kernel' || value === 'userspace') return { wireguard: value };
  if (given !== undefined)
    throw new WglabError(`--wireguard ${given} is not kernel or userspace`, {
      hint: 'wglab explain --wireguard kernel (or userspace), or leave it out',
    });
  return {};
}

/** One check: what is predicted, whether it agrees with expect, and the chain that decides it. */
export function explainLines(comparison: CheckComparison): string {
  const { explained, check } = comparison;
  const head = `${explained.index} ${checkLabel(check)}`;
  const expected = check.expect ? outcome(check.expect) : undefined;
  const verdict = {
    agrees: `agrees with expect (${expected})`,
    contradicts: `CONTRADICTS expect (${expected})`,
    unknown: 'unknown',
    'no-expect': 'no expect to compare with',
  }[comparison.verdict];
  const lines = [
    `${head}: predicted ${outcome(explained.predicted)}; ${verdict}`,
    `  ${check.from}: ${explained.why.map((step) => step.replace(new RegExp(`^${escape(check.from)}: `), '')).join(' → ')}`,
  ];
  if (comparison.partsAt)
    lines.push(`  ${comparison.partsAt.what}; parts at step ${comparison.partsAt.step}: ${comparison.partsAt.text}`);
  if (comparison.verdict === 'unknown' && comparison.reason) lines.push(`  unknown because ${comparison.reason}`);
  return `${lines.join('\n')}\n`;
}

function outcome(prediction: Pick<Prediction, 'sourceIp'> & { path: string; stalls?: boolean }): string {
  const path =
    prediction.sourceIp && (prediction.path === 'tunnel' || prediction.path === 'internet')
      ? `${prediction.path} as ${prediction.sourceIp}`
      : prediction.path;
  return prediction.stalls ? `${path}, stalls` : path;
}

function summary(comparisons: CheckComparison[]): string {
  const count = (verdict: CheckComparison['verdict']) =>
    comparisons.filter((comparison) => comparison.verdict === verdict).length;
  const parts = [
    `${count('agrees')} agree`,
    `${count('contradicts')} contradict`,
    ...(count('unknown') > 0 ? [`${count('unknown')} unknown`] : []),
    ...(count('no-expect') > 0 ? [`${count('no-expect')} without expect`] : []),
  ];
  return `${comparisons.length} check(s) explained: ${parts.join(', ')}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
