import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { changeLine, diffReports } from '../report/diff-reports.ts';

export function registerDiff(program: Command, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('compare two wglab run --json reports: every check whose observed path or source IP changed')
    .argument('<old>', 'the earlier report (wglab run S --json > old.json, or DIR/report.json of --report)')
    .argument('<new>', 'the later report')
    .option('--json', 'print { "changes": [ { scenario, number, from, url, fault, old, new } ] }')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing changed, 1 a check's path or source IP changed, 2 a file is not a report.
Examples:
  wglab run office.yaml --json > before.json
  # ...edit the configs...
  wglab run office.yaml --json > after.json
  wglab diff before.json after.json`,
    )
    .action((oldFile: string, newFile: string, options: { json?: boolean }) => {
      const changes = diffReports(readReport(oldFile), readReport(newFile), [oldFile, newFile]);
      if (options.json) process.stdout.write(`${JSON.stringify({ changes }, null, 2)}\n`);
      else {
        for (const change of changes) process.stdout.write(`${changeLine(change)}\n`);
        process.stdout.write(
          changes.length === 0 ? 'no check changed its path or source IP\n' : `${changes.length} check(s) changed\n`,
        );
      }
      setExit(changes.length === 0 ? 0 : 1);
    });
}

function readReport(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WglabError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      location: { file },
      hint: 'check the path',
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new WglabError(`${file} is not JSON`, {
      location: { file },
      hint: 'give two files written by: wglab run S --json > report.json',
    });
  }
}
