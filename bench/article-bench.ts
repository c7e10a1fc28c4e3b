// npm run bench: the command users type, `wglab run scenarios/article/*.yaml`, spawned and timed as a whole
// process (best of WGLAB_BENCH_RUNS, default 2), with the time per phase from its report and progress lines;
// and the hand-rolled baseline ../shared/bench/reference-lab.sh on the same image, taking turns with it (best of
// the same number of runs). Ends with `article-suite-seconds N`, each run's ratio and `ratio wglab/reference R`.
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import type { ScenarioReport } from '../harness/report/report-model.ts';

const runs = Number(process.env.WGLAB_BENCH_RUNS ?? 2);
const root = new URL('../', import.meta.url).pathname;
const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (value: number) => value.toFixed(2);
/** A scenario's lab time before its checks: the bring-up's wall time (its phases overlap), or the reconfigure. */
const bringUpPhases = (timings: Record<string, number>) =>
  timings['bring-up'] ??
  timings.reconfigure ??
  Object.entries(timings)
    .filter(([name]) => !['checks', 'total'].includes(name))
    .reduce((sum, [, value]) => sum + value, 0);

interface SuiteRun {
  wall: number;
  checks: number;
  failed: number;
  bringUp: number;
  checkSeconds: number;
  teardown: number;
  /** Wall-clock seconds from the process start: its first line (loaded), every lab ready, the last teardown begun. */
  marks: { started: number; ready: number; lastTeardown: number };
  wireguard: string;
  reports: ScenarioReport[];
}

/** One `wglab run` of the whole article, as a user types it; stderr lines timed as they come. */
async function suite(files: string[], extra: string[] = []): Promise<SuiteRun> {
  const start = performance.now();
  const child = execa('node', ['bin/wglab.js', 'run', ...files, ...extra, '--json'], {
    cwd: root,
    reject: false,
    env: { NO_COLOR: '1' },
  });
  let lastTeardown = start;
  let started: number | undefined;
  let ready = start;
  let buffered = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    started ??= performance.now();
    if (/: ready in /.test(chunk.toString())) ready = performance.now();
    if (/tearing down/.test(chunk.toString())) lastTeardown = performance.now();
  });
  const result = await child;
  const wall = (performance.now() - start) / 1000;
  if (result.exitCode !== 0 && result.exitCode !== 1)
    throw new Error(`wglab run exited ${result.exitCode}: ${buffered.slice(-1500)}`);
  const reports = (JSON.parse(String(result.stdout)) as { scenarios: ScenarioReport[] }).scenarios;
  const checks = reports.flatMap((report) => report.checks);
  return {
    wall,
    checks: checks.length,
    failed: checks.filter((check) => !check.pass).length,
    bringUp: reports.reduce((sum, report) => sum + bringUpPhases(report.timings), 0),
    checkSeconds: reports.reduce((sum, report) => sum + (report.timings.checks ?? 0), 0),
    teardown: (start + wall * 1000 - lastTeardown) / 1000,
    marks: {
      started: ((started ?? start) - start) / 1000,
      ready: (ready - start) / 1000,
      lastTeardown: (lastTeardown - start) / 1000,
    },
    wireguard: reports[0]?.wireguard ?? '?',
    reports,
  };
}

async function main(): Promise<number> {
  // Users run the compiled CLI (the installed package holds no TypeScript): build it, so that a checkout with
  // edits under harness/ is not timed through tsx (about 1.3 s more per start here).
  const buildStart = performance.now();
  const build = await execa('node', ['scripts/build.mjs'], { cwd: root, reject: false, all: true });
  if (build.exitCode !== 0) throw new Error(`the build failed: ${String(build.all).slice(-1500)}`);
  say(`build ${seconds((performance.now() - buildStart) / 1000)}`);
  const imageStart = performance.now();
  const image = await execa('node', ['bin/wglab.js', 'image'], { cwd: root, reject: false });
  if (image.exitCode !== 0) throw new Error(`wglab image failed: ${image.stderr}`);
  const tag = String(image.stdout).trim().split('\n').at(-1)!;
  say(`image ${seconds((performance.now() - imageStart) / 1000)} ${tag}`);

  const files = readdirSync(`${root}scenarios/article`)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => `scenarios/article/${name}`);
  say(`command: wglab run ${files.join(' ')}`);
  const reference = new URL('../../shared/bench/reference-lab.sh', import.meta.url).pathname;
  const missing = (
    await Promise.all(
      // wg may be missing: the script then makes keys with the lab image's.
      ['openssl', 'bc'].map(async (tool) =>
        (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0 ? '' : tool,
      ),
    )
  ).filter(Boolean);
  const skipReference = !existsSync(reference)
    ? `${reference} not found`
    : missing.length > 0
      ? `the host lacks ${missing.join(', ')} (apt-get install openssl bc)`
      : undefined;
  // wglab and the reference take turns (run 1 of each, then run 2, ...): a machine whose speed drifts during the
  // bench (shared hosts do, by seconds) then slows both alike, and each pair's ratio is printed too.
  const results: SuiteRun[] = [];
  // The script's own total (what it prints: up to its last check), and its whole process (its teardown too).
  const totals: number[] = [];
  const processes: number[] = [];
  const pairs: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const result = await suite(files);
    results.push(result);
    say(
      `run ${run}: ${seconds(result.wall)} s, ${result.checks} checks (${result.failed} failed), ${seconds(result.checks / result.wall)} checks/s; lab-seconds: bring-up ${seconds(result.bringUp)}, checks ${seconds(result.checkSeconds)}; last teardown ${seconds(result.teardown)} s; wireguard ${result.wireguard}`,
    );
    const { started, ready, lastTeardown } = result.marks;
    say(
      `  wall: start (node, modules, scenarios) ${seconds(started)} s, bring-up until every lab is ready ${seconds(ready - started)} s, checks ${seconds(lastTeardown - ready)} s, last teardown ${seconds(result.wall - lastTeardown)} s`,
    );
    if (skipReference !== undefined) continue;
    const start = performance.now();
    const script = await execa('bash', [reference], { env: { IMG: tag }, reject: false, all: true });
    processes.push((performance.now() - start) / 1000);
    const total = Number(/^total ([\d.]+)/m.exec(String(script.all))?.[1]);
    say(
      `reference run ${run}: ${String(script.all).split('\n').filter(Boolean).join('; ')}; process ${seconds(processes.at(-1)!)}`,
    );
    if (Number.isFinite(total)) {
      totals.push(total);
      pairs.push(result.wall / total);
    }
  }
  const best = results.reduce((a, b) => (b.wall < a.wall ? b : a));
  for (const report of best.reports) {
    const how = 'reconfigure' in report.timings ? 'reconfigure' : 'bring-up';
    say(
      `  ${report.scenario} ${how} ${seconds(bringUpPhases(report.timings))} checks ${seconds(report.timings.checks ?? 0)} (${report.checks.length})${report.pass ? '' : ' FAILED'}`,
    );
  }
  say(`article-checks ${best.checks} failed ${best.failed}`);
  say(`article-suite-seconds ${seconds(best.wall)}`);
  if (skipReference !== undefined) say(`reference skipped: ${skipReference}`);
  if (totals.length > 0) {
    say(`reference-process-seconds ${seconds(Math.min(...processes))}`);
    say(`reference-seconds ${seconds(Math.min(...totals))}`);
    say(`ratio per run (wglab run N / reference run N) ${pairs.map(seconds).join(' ')}`);
    say(`ratio wglab/reference ${seconds(best.wall / Math.min(...totals))}`);
  }
  if (process.env.WGLAB_BENCH_THROUGHPUT !== undefined) await throughput(process.env.WGLAB_BENCH_THROUGHPUT);
  return best.failed > 0 ? 1 : 0;
}

/**
 * WGLAB_BENCH_THROUGHPUT=[URL]: the repository's passing scenarios (article, examples, failures) on this host's
 * engine, then (with URL, e.g. the VM's from `wglab vm up`) on this host's and that engine at once: checks per
 * second for each.
 */
async function throughput(second: string): Promise<void> {
  const files = ['article', 'examples', 'failures'].flatMap((dir) =>
    readdirSync(`${root}scenarios/${dir}`)
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .map((name) => `scenarios/${dir}/${name}`),
  );
  const local = 'unix:///var/run/docker.sock';
  const setups: [string, string[]][] = [['one engine', ['--engine', local]]];
  if (second !== '') setups.push(['two engines', ['--engine', local, '--engine', second]]);
  for (const [name, extra] of setups) {
    const result = await suite(files, extra);
    const engines = [...new Set(result.reports.map((report) => `${report.engine} (${report.wireguard})`))];
    say(
      `throughput ${name}: ${files.length} scenarios, ${result.checks} checks (${result.failed} failed) in ${seconds(result.wall)} s: ${seconds(result.checks / result.wall)} checks/s on ${engines.join(' + ')}`,
    );
  }
}

process.exitCode = await main();
