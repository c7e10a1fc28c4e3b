import type { Command } from 'commander';
import { formatFinding } from '../wgconf/lint/finding.ts';
import { hasErrors, lint, parseResolve } from '../wgconf/lint/lint.ts';

export function registerLint(program: Command, setExit: (code: number) => void): void {
  program
    .command('lint')
    .description("check wg-quick files for the article's pitfalls; give every file of one setup to cross-check them")
    .argument(
      '<files...>',
      "wg-quick files (any number: each pair that names each other's keys is cross-checked), or a scenario YAML (its configs)",
    )
    .option('--json', 'print { "findings": [ { file, line, rule, severity, message, hint } ] }')
    .option(
      '--resolve <host=ip>',
      'check an Endpoint host name as this address (repeatable); lint never looks names up',
      collect,
      [],
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 no error finding, 1 an error finding, 2 a file cannot be read or parsed.
Examples:
  wglab lint /etc/wireguard/wg0.conf
  wglab lint a/wg0.conf b/wg0.conf --json
  wglab lint site1.conf site2.conf site3.conf
  wglab lint client.conf --resolve vpn.example.net=203.0.113.2
  wglab lint scenarios/article/07-snat-on-a.yaml`,
    )
    .action((files: string[], options: { json?: boolean; resolve: string[] }) => {
      const resolve = parseResolve(options.resolve);
      // A scenario: its configs as the lab installs them, host names resolved as the scenario's endpoints.
      const result = lint(files, { resolve });
      const findings = result.findings;
      const names = result.files.join(', ');
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ findings }, null, 2)}\n`);
      } else {
        for (const finding of findings) process.stdout.write(`${formatFinding(finding)}\n`);
        const errors = findings.filter((finding) => finding.severity === 'error').length;
        const warnings = findings.length - errors;
        process.stdout.write(
          findings.length === 0 ? `${names}: no findings\n` : `${names}: ${errors} error(s), ${warnings} warning(s)\n`,
        );
      }
      setExit(hasErrors(findings) ? 1 : 0);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
