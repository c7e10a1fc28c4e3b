import { Option, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stderrProgress } from '../lab/progress.ts';
import { writeReport } from '../report/write-report.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { runScenario, type CheckReport } from '../verify/run-scenario.ts';

export function registerRun(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('verify a scenario in a lab: each check\'s path and source IP, from the access log and packet captures')
    .argument('<scenario>', 'scenario YAML file')
    .option('--json', 'print one JSON object instead of verdict lines (progress still goes to stderr)')
    .option('--artifacts <dir>', 'keep per check: pcaps (open them in Wireshark), access-log lines, redacted configs, wg show')
    .addOption(new Option('--report <dir>', 'write report.html (open it in a browser), junit.xml and report.json, with the artifacts under <dir>/<scenario>/').conflicts('artifacts'))
    .addHelpText('after', `
Exit codes: 0 every check passed, 1 a check failed, 2 bad input or the environment is not ready.
Examples:
  wglab run scenarios/article/03-transparent-a-prefix.yaml
  wglab run my-configs.yaml --json --artifacts out/
  wglab run my-configs.yaml --report report/     # then open report/report.html`)
    .action(async (file: string, options: { json?: boolean; artifacts?: string; report?: string }) => {
      const scenario = loadScenario(file);
      const { report } = await runScenario(scenario, {
        progress: stderrProgress,
        artifacts: options.report ? join(options.report, scenario.name) : options.artifacts,
        onCheck: (check, result) => {
          if (!options.json) process.stdout.write(`${formatVerdict(check, result.index)}\n`);
        },
      });
      if (options.artifacts) {
        mkdirSync(options.artifacts, { recursive: true });
        writeFileSync(join(options.artifacts, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      }
      if (options.report) {
        const written = writeReport(options.report, [report]);
        stderrProgress(`report: ${written.html} (JUnit: ${written.junit})`);
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const failed = report.checks.filter((check) => !check.pass).length;
        process.stdout.write(`${report.scenario}: ${report.checks.length - failed} passed, ${failed} failed (WireGuard: ${report.wireguard})\n`);
      }
      setExit(report.pass ? 0 : 1);
    });
}

/** `PASS 1 A https://app.example.com/ [tunnel-down]: expected internet as 198.51.100.1, observed internet as 198.51.100.1 (HTTP 200)` */
export function formatVerdict(check: CheckReport, index: number): string {
  const fault = check.fault ? ` [${check.fault}]` : '';
  const as = (sourceIp: string | null) => (sourceIp ? ` as ${sourceIp}` : '');
  const status = check.observed.httpStatus ? ` (HTTP ${check.observed.httpStatus})` : '';
  const head = `${check.pass ? 'PASS' : 'FAIL'} ${index + 1} ${check.from} ${check.url}${fault}: expected ${check.expected.path}${as(check.expected.sourceIp)}, observed ${check.observed.path}${as(check.observed.sourceIp)}${status}`;
  return check.pass ? head : [head, ...check.reasons.map((reason) => `     why: ${reason}`), ...check.seen.map((line) => `     seen at ${line}`)].join('\n');
}
