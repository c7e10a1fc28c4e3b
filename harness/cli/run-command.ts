import { Option, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { join } from 'node:path';
import { assertRecorded, recordedLine, recordObserved } from '../api/record-observed.ts';
import { WglabError } from '../errors.ts';
import { stderrProgress } from '../api/progress.ts';
import { engineUrls, planScenarios, runScenarios } from '../api/run-scenarios.ts';
import { pathText, verdictLine } from '../report/check-text.ts';
import { reportJson, writeReport } from '../report/write-report.ts';
import { loadScenario } from '../wgconf/load-scenario.ts';
import { formatFinding } from '../wgconf/lint/finding.ts';
import type { CheckReport, ScenarioReport } from '../report/report-model.ts';
import { parseShard, scenariosOfShard, shardText, type Shard } from '../api/shard.ts';
import { checkLabel } from '../scenario/check-label.ts';

export function registerRun(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description("verify a scenario in a lab: each check's path and source IP, from the access log and packet captures")
    .argument(
      '<scenarios...>',
      'scenario YAML files; several run one after another, sharing a lab where their endpoints match',
    )
    .option('--json', 'print one JSON object instead of verdict lines (progress still goes to stderr)')
    .option(
      '--artifacts <dir>',
      'keep per check: pcaps (open them in Wireshark), access-log lines, redacted configs, wg show',
    )
    .option(
      '--concurrency <n>',
      'labs at once with several scenarios (default: from cores and free memory)',
      (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1)
          throw new WglabError(`--concurrency takes a whole number ≥ 1, not ${value}`, {
            hint: 'e.g. --concurrency 2',
          });
        return n;
      },
    )
    .option(
      '--engine <url>',
      'place labs on this Docker engine (unix://, tcp://, ssh://; repeat for several at once, each as many labs as its measured speed allows; default WGLAB_ENGINES=URL,URL, else DOCKER_HOST)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--shard <i/n>',
      'run part I of N: the same split of the same files on every machine, balanced by expected time (merge-reports joins the reports)',
      parseShard,
    )
    .addOption(
      new Option(
        '--record',
        "write what the lab observes into each scenario file as its checks' expect (comments and layout kept), then print what changed",
      ).conflicts('json'),
    )
    .addOption(
      new Option(
        '--report <dir>',
        'write report.html (open it in a browser), junit.xml and report.json, with the artifacts under <dir>/<scenario>/',
      ).conflicts('artifacts'),
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 every check passed, 1 a check failed, 2 bad input or the environment is not ready.
A check may leave out expect: run once with --record to fill it in from what the lab observed; until then
the run stops with exit 2 and names those checks. Later runs verify against the recorded expect.
With several scenarios, --json prints { "scenarios": [...], "pass" } and --artifacts keeps <dir>/<scenario>/.
Examples:
  wglab run scenarios/article/03-transparent-a-prefix.yaml
  wglab run my-configs.yaml --json --artifacts out/
  wglab run my-configs.yaml --report report/     # then open report/report.html
  wglab run scenarios/*.yaml --report report/    # one report (and junit.xml) for all of them
  wglab run my-configs.yaml --record             # write the observed path and source IP as each check's expect
  wglab run scenarios/*.yaml --shard 2/3 --report shard-2/   # machine 2 of 3; then: wglab merge-reports shard-*/ --out report/`,
    )
    .action(
      async (
        files: string[],
        options: {
          json?: boolean;
          artifacts?: string;
          report?: string;
          concurrency?: number;
          record?: boolean;
          shard?: Shard;
          engine?: string[];
        },
      ) => {
        const engines = engineUrls(options.engine);
        // Every file is read and validated before any container starts.
        let scenarios = files.map((file) => loadScenario(file));
        const seen = new Map<string, string>();
        for (const [index, scenario] of scenarios.entries()) {
          const other = seen.get(scenario.name);
          if (other !== undefined)
            throw new WglabError(`two scenarios are named ${scenario.name}: ${other} and ${files[index]}`, {
              hint: 'give each scenario its own name: (reports and artifacts are kept under it)',
            });
          seen.set(scenario.name, files[index]!);
        }
        if (!options.record) assertRecorded(scenarios);
        if (options.shard) {
          // Every shard checks every file (so all refuse the same bad input), then runs its own part.
          const shard = options.shard;
          const all = scenarios;
          scenarios = scenariosOfShard(all, shard);
          files = scenarios.map((scenario) => files[all.indexOf(scenario)]!);
          if (scenarios.length === 0) {
            emptyShard(
              `shard ${shardText(shard)} gets no scenario: ${all.length} scenario${all.length === 1 ? '' : 's'} split over ${shard.total} shards; nothing to run, the report is empty`,
              options,
            );
            setExit(0);
            return;
          }
          stderrProgress(
            `shard ${shardText(shard)}: ${scenarios.length} of ${all.length} scenarios: ${scenarios.map((scenario) => scenario.name).join(', ')}`,
          );
        }
        const line = (check: CheckReport, index: number) =>
          options.record
            ? `observed ${index + 1} ${checkLabel(check)}: ${pathText(check.observed)}`
            : verdictLine(check, index);
        // Each scenario planned once: its files are linted, installed and reported. Lint's findings are shown
        // before any lab starts, and the lab runs the configs all the same.
        const planned = planScenarios(scenarios);
        for (const { plan, findings } of planned) {
          const scenario = plan.scenario;
          if (findings.length === 0) continue;
          const errors = findings.filter((finding) => finding.severity === 'error').length;
          stderrProgress(
            `lint ${scenario.name}: ${errors} error(s), ${findings.length - errors} warning(s); the lab runs the configs as they are`,
          );
          for (const finding of findings) process.stderr.write(`${formatFinding(finding).replace(/^/gm, '  ')}\n`);
        }
        const concurrency = Math.min(scenarios.length, options.concurrency ?? defaultConcurrency());
        const pending = new Map<string, string[]>();
        const print = (scenario: string, line: string) => {
          if (concurrency === 1 && engines.length === 0) process.stdout.write(`${line}\n`);
          else pending.set(scenario, [...(pending.get(scenario) ?? []), line]);
        };
        // Scenarios end in any order; their lines come out in the order the files were given.
        const ended = new Set<string>();
        let next = 0;
        const flush = (scenario: string) => {
          ended.add(scenario);
          for (; next < scenarios.length && ended.has(scenarios[next]!.name); next++) {
            for (const line of pending.get(scenarios[next]!.name) ?? []) process.stdout.write(`${line}\n`);
            pending.delete(scenarios[next]!.name);
          }
        };
        const { reports } = await runScenarios(planned, {
          // With several engines, --concurrency caps each engine's labs; each engine's own measure decides the rest.
          concurrency: engines.length > 0 ? options.concurrency : concurrency,
          engines,
          progress: stderrProgress,
          // One scenario keeps its artifacts in the directory given (a report's still go under its name).
          artifacts: options.report ?? options.artifacts,
          artifactsPerScenario: scenarios.length > 1 || options.report !== undefined,
          // Labs at once: each scenario's lines are printed together when it ends, so they never interleave.
          onScenario: (scenario) => {
            // A scenario moved from an engine that stopped answering starts its lines again.
            pending.delete(scenario.name);
            if (!options.json && scenarios.length > 1) print(scenario.name, `== ${scenario.name}`);
          },
          onCheck: (check, index, scenario) => {
            if (!options.json) print(scenario.name, line(check, index));
          },
          onReport: (report) => {
            if (!options.json && scenarios.length > 1) {
              print(report.scenario, summaryLine(report, engines.length > 1));
              flush(report.scenario);
            }
          },
        });
        const pass = reports.every((report) => report.pass);
        const json = reportJson(reports, { shard: options.shard });
        if (options.artifacts) {
          mkdirSync(options.artifacts, { recursive: true });
          writeFileSync(join(options.artifacts, 'report.json'), `${JSON.stringify(json, null, 2)}\n`);
        }
        if (options.report) {
          stderrProgress(`writing the report to ${options.report}`);
          const written = writeReport(options.report, reports, { shard: options.shard });
          stderrProgress(`report: ${written.html} (JUnit: ${written.junit})`);
        }
        if (options.record) {
          // What the lab observed becomes each check's expect; the run's verdicts no longer matter.
          for (const [index, scenario] of scenarios.entries()) {
            const changes = recordObserved(scenario, reports[index]!);
            for (const change of changes) process.stdout.write(`${recordedLine(scenario, change)}\n`);
            process.stdout.write(
              `${files[index]}: ${changes.length === 0 ? 'every expect already matched what the lab observed' : `${changes.length} expect(s) written`}\n`,
            );
          }
          setExit(0);
          return;
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        } else if (reports.length === 1) {
          process.stdout.write(`${summaryLine(reports[0]!, engines.length > 1)}\n`);
        } else {
          const checks = reports.flatMap((report) => report.checks);
          const failed = checks.filter((check) => !check.pass).length;
          process.stdout.write(
            `${reports.length} scenarios: ${checks.length - failed} checks passed, ${failed} failed${
              pass
                ? ''
                : ` (failing: ${reports
                    .filter((report) => !report.pass)
                    .map((report) => report.scenario)
                    .join(', ')})`
            }\n`,
          );
        }
        setExit(pass ? 0 : 1);
      },
    );
}

/**
 * A shard that got no scenario still reports, so merge-reports can tell it ran: the line, and an empty report
 * (`{ wglabVersion, shard, scenarios: [], pass: true }`) wherever one was asked for.
 */
function emptyShard(line: string, options: { json?: boolean; artifacts?: string; report?: string; shard?: Shard }) {
  const json = reportJson([], { shard: options.shard });
  if (options.json) stderrProgress(line);
  else process.stdout.write(`${line}\n`);
  if (options.artifacts) {
    mkdirSync(options.artifacts, { recursive: true });
    writeFileSync(join(options.artifacts, 'report.json'), `${JSON.stringify(json, null, 2)}\n`);
  }
  if (options.report) {
    const written = writeReport(options.report, [], { shard: options.shard });
    stderrProgress(`report: ${written.html} (JUnit: ${written.junit})`);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
}

/**
 * Labs at once: one per two cores, as free memory allows (a lab of four nodes takes about 150 MB). A lab keeps more
 * than a core busy while it comes up (the engine's daemons, runc, its nodes' processes): on a 2-core machine the
 * article suite took 27.3 s with one lab and 32.5 s with two.
 */
export function defaultConcurrency(cores = availableParallelism(), free = freemem()): number {
  return Math.max(1, Math.min(Math.floor(cores / 2), Math.floor(free / (400 * 1024 * 1024))));
}

function summaryLine(report: ScenarioReport, withEngine = false): string {
  const failed = report.checks.filter((check) => !check.pass).length;
  return `${report.scenario}: ${report.checks.length - failed} passed, ${failed} failed (WireGuard: ${report.wireguard}${withEngine ? `, engine ${report.engine}` : ''})`;
}
