import type { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WglabError } from '../errors.ts';
import { checkEngine, routerNode } from '../api/labs.ts';
import { runScenarios, type RunLab } from '../api/run-scenarios.ts';
import { stderrProgress } from '../api/progress.ts';
import { configChanges } from '../report/config-changes.ts';
import { describeCheck } from '../report/describe-check.ts';
import { writeReport } from '../report/write-report.ts';
import { loadScenario } from '../wgconf/load-scenario.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { keysPerEndpoint } from '../wgconf/keys.ts';
import { checkLabel } from '../scenario/check-label.ts';

export const articleScenarioDir = new URL('../../scenarios/article/', import.meta.url).pathname;

/** Colours on a terminal; plain lines when NO_COLOR or CI is set, or stdout is not a terminal. */
function styles(enabled: boolean) {
  const paint = (code: string) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    bold: paint('1'),
    dim: paint('2'),
    red: paint('31'),
    green: paint('32'),
    blue: paint('34'),
    cyan: paint('36'),
  };
}

export function registerDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description(
      "the article's walkthrough, live: each step's config changes, requests, log lines, packets and verdicts; ends with a report",
    )
    .option('--out <dir>', 'where to write report.html, junit.xml, report.json and the pcaps', 'wglab-report')
    .option('--keep', 'leave the lab running at the last step, and say how to look inside it')
    .option('--scenarios <dir>', "run the scenarios in this directory (same endpoints) instead of the article's")
    .addHelpText(
      'after',
      `
Examples:
  npm run demo                       # the same as: wglab demo
  wglab demo --out /tmp/report --keep
Exit codes: 0 every check passed, 1 a check failed, 2 bad input or the environment is not ready.`,
    )
    .action(async (options: { out: string; keep?: boolean; scenarios?: string }) => {
      const dir = options.scenarios ?? articleScenarioDir;
      const files = listScenarios(dir);
      const scenarios = files.map((file) => loadScenario(join(dir, file)));
      const out = resolve(options.out);
      const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !process.env.CI;
      const s = styles(colour);
      const say = (line = '') => process.stdout.write(`${line}\n`);
      let previous: Map<string, string> = new Map();
      let step = 0;
      let lastLab: { lab: RunLab; scenario: Scenario } | undefined;
      let checkCount = 0;

      await checkEngine(); // no engine: say so before the first step
      say(
        s.bold(
          `wglab demo: ${scenarios.length} steps, one lab, every request proven by the access log and packet captures`,
        ),
      );
      const { reports, kept: keptLabs } = await runScenarios(scenarios, {
        concurrency: 1,
        // The same keys in every step, so each diff shows only what the step changes.
        keys: keysPerEndpoint(),
        keep: options.keep,
        artifacts: out,
        progress: stderrProgress,
        onScenario: (scenario, lab, how) => {
          step += 1;
          checkCount = 0;
          lastLab = { lab, scenario };
          say();
          say(s.bold(s.cyan(`━━ Step ${step}/${scenarios.length}: ${scenario.name}`)));
          if (scenario.description) say(s.dim(`   ${scenario.description}`));
          say(
            s.dim(`   lab ${lab.id} ${how === 'bring-up' ? 'brought up' : 'reconfigured'}, WireGuard ${lab.wireguard}`),
          );
          const current = new Map(Object.entries(lab.configs));
          for (const line of configChanges(previous, current)) say(`   ${paintDiff(line, s)}`);
          previous = current;
        },
        onCheckStart: (check, index, total) => {
          if (colour)
            process.stdout.write(s.dim(`   … ${index + 1}/${total} ${checkLabel(check).replace(' ', ' → ')}\r`));
        },
        onCheck: (check, _index, _scenario, faultDescription) => {
          checkCount += 1;
          if (colour) process.stdout.write('\u001b[2K');
          for (const line of describeCheck(check, checkCount, faultDescription))
            say(line === '' ? '' : `   ${paintCheck(line, s)}`);
        },
      });
      const written = writeReport(out, reports);
      const checks = reports.flatMap((report) => report.checks);
      const failed = checks.filter((check) => !check.pass).length;
      say();
      say(
        s.bold(
          failed === 0
            ? s.green(
                `All ${checks.length} checks passed in ${reports.length} steps (WireGuard: ${reports[0]?.wireguard}).`,
              )
            : s.red(`${failed} of ${checks.length} checks failed.`),
        ),
      );
      say(`Report: ${written.html}`);
      say(`        ${written.junit}, ${written.json}, pcaps under ${out}/<step>/`);
      const kept = keptLabs[0];
      if (kept && lastLab) {
        const [client] = lastLab.lab.wireguardOrder.slice(-1);
        say();
        say(s.bold(`The lab is still running (${kept}), at the last step (${reports.at(-1)?.scenario}):`));
        say(
          `  npx wglab exec --lab ${kept} ${client ?? 'A'} -- curl -s -o /dev/null -w '%{http_code}\\n' https://${Object.values(lastLab.scenario.endpoints).find((endpoint) => endpoint.serves)?.serves ?? '10.0.0.2'}/`,
        );
        say(
          `  npx wglab exec --lab ${kept} ${client ?? 'A'} -- sh                      # a shell in a node; also: wg show, ip rule`,
        );
        say(`  npx wglab exec --lab ${kept} ${routerNode} -- tcpdump -ni any -c 20      # what the internet sees`);
        say(`  npx wglab down --lab ${kept}                                      # tear it down`);
      }
      setExit(failed === 0 ? 0 : 1);
    });
}

function listScenarios(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort();
  } catch (error) {
    throw new WglabError(`cannot read the scenario directory ${dir}: ${(error as Error).message}`, {
      hint: 'give --scenarios a directory of scenario YAML files',
    });
  }
  if (files.length === 0)
    throw new WglabError(`no scenario YAML files in ${dir}`, {
      hint: 'give --scenarios a directory of scenario YAML files',
    });
  return files;
}

function paintDiff(line: string, s: ReturnType<typeof styles>): string {
  if (line.startsWith('+++') || line.startsWith('---')) return s.bold(line);
  if (line.startsWith('+')) return s.green(line);
  if (line.startsWith('-')) return s.red(line);
  if (line.startsWith('@@')) return s.cyan(line);
  return s.dim(line);
}

function paintCheck(line: string, s: ReturnType<typeof styles>): string {
  if (/^\d+\. /.test(line)) return s.bold(line);
  if (line.startsWith('   PASS')) return s.green(line);
  if (line.startsWith('   FAIL') || line.startsWith('   why')) return s.red(line);
  if (line.startsWith('   note')) return s.dim(line);
  return line;
}
