import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { formatFinding } from '../wgconf/lint/finding.ts';
import { hasErrors, lintWgConfigs, type LintInput } from '../wgconf/lint/lint-wg-configs.ts';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';

export function registerLint(program: Command, setExit: (code: number) => void): void {
  program
    .command('lint')
    .description('check wg-quick files for the article\'s pitfalls; give both ends of a tunnel to cross-check them')
    .argument('<files...>', 'one wg-quick file, the two ends of one tunnel, or a scenario YAML (its configs)')
    .option('--json', 'print { "findings": [ { file, line, rule, severity, message, hint } ] }')
    .addHelpText('after', `
Exit codes: 0 no error finding, 1 an error finding, 2 a file cannot be read or parsed.
Examples:
  wglab lint /etc/wireguard/wg0.conf
  wglab lint a/wg0.conf b/wg0.conf --json
  wglab lint scenarios/article/07-snat-on-a.yaml`)
    .action((files: string[], options: { json?: boolean }) => {
      const inputs = readInputs(files);
      const findings = lintWgConfigs(inputs);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ findings }, null, 2)}\n`);
      } else {
        for (const finding of findings) process.stdout.write(`${formatFinding(finding)}\n`);
        const errors = findings.filter((finding) => finding.severity === 'error').length;
        const warnings = findings.length - errors;
        const names = inputs.map((input) => input.file).join(', ');
        process.stdout.write(findings.length === 0 ? `${names}: no findings\n` : `${names}: ${errors} error(s), ${warnings} warning(s)\n`);
      }
      setExit(hasErrors(findings) ? 1 : 0);
    });
}

function readInputs(files: string[]): LintInput[] {
  if (files.length === 1 && /\.ya?ml$/i.test(files[0]!)) {
    const configs = scenarioConfigs(loadScenario(files[0]!));
    if (configs.size === 0) throw new WglabError(`${files[0]} has no tunnel and no configs: nothing to lint`, { hint: 'add tunnel: or configs: to the scenario' });
    return [...configs].map(([endpoint, config]) => ({ file: config.file ?? `${endpoint}/wg0.conf`, config }));
  }
  if (files.length > 2) {
    throw new WglabError(`lint takes one file or the two ends of one tunnel, not ${files.length}`, { hint: 'run it once per tunnel: wglab lint a.conf b.conf' });
  }
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new WglabError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { location: { file }, hint: 'check the path' });
    }
    return { file, config: parseWgConfig(text, file) };
  });
}
