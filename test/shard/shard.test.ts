import test from 'ava';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ScenarioReport } from '../../harness/report/report-model.ts';
import { leftBy } from '../chaos/interrupt-run.ts';
import { wglab } from '../lab/helpers.ts';

// What docs/ci.md's GitHub Actions example runs, on one machine: two shards of two article scenarios, each
// writing its report directory, then merge-reports joining them. The merged report must hold exactly what the
// shards found; and merging must be able to fail (a scenario twice, a failing shard).

const dir = resolve('test-artifacts/shard');
const files = ['scenarios/article/01-no-tunnel.yaml', 'scenarios/article/02-point-to-point.yaml'];
const nothing = { containers: [], networks: [] };

interface Report {
  wglabVersion: string;
  shard?: { index: number; total: number };
  scenarios?: ScenarioReport[];
  pass: boolean;
}
const readReport = (reportDir: string): Report => JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8'));
/** A report.json's scenarios: one scenario's object, or the list. */
const scenariosOf = (report: Report): ScenarioReport[] => report.scenarios ?? [report as unknown as ScenarioReport];
/** What decides a merge: each scenario's checks, their observed paths and verdicts, and pass. */
const verdicts = (runs: ScenarioReport[]) =>
  Object.fromEntries(
    runs.map((run) => [
      run.scenario,
      {
        pass: run.pass,
        checks: run.checks.map((check) => ({ url: check.url, observed: check.observed, pass: check.pass })),
      },
    ]),
  );

test.serial(
  'two shards of two scenarios, then merge-reports: the merged report is what the shards found',
  async (t) => {
    rmSync(dir, { recursive: true, force: true });
    const shard1 = join(dir, 'shard-1');
    const shard2 = join(dir, 'shard-2');
    const merged = join(dir, 'merged');
    const first = await wglab(['run', ...files, '--shard', '1/2', '--report', shard1]);
    t.is(first.exitCode, 0, first.stdout + first.stderr);
    t.deepEqual(await leftBy(first.pid), nothing, 'the shard removes its lab');
    // The other machine may list the files in another order: the split is the same.
    const second = await wglab(['run', ...[...files].reverse(), '--shard', '2/2', '--report', shard2]);
    t.is(second.exitCode, 0, second.stdout + second.stderr);
    t.deepEqual(await leftBy(second.pid), nothing, 'the shard removes its lab');

    const shards = [readReport(shard1), readReport(shard2)];
    t.deepEqual(
      shards.map((report) => report.shard),
      [
        { index: 1, total: 2 },
        { index: 2, total: 2 },
      ],
    );
    const names = shards.map((report) => scenariosOf(report).map((run) => run.scenario));
    t.deepEqual(names.flat().sort(), ['no-tunnel', 'point-to-point'].sort(), 'every scenario once across the shards');
    t.true(
      names.every((list) => list.length === 1),
      `balanced: one scenario each (${JSON.stringify(names)})`,
    );

    const merge = await wglab(['merge-reports', shard1, shard2, '--out', merged]);
    t.is(merge.exitCode, 0, merge.stdout + merge.stderr);
    const report = readReport(merged);
    t.is(report.wglabVersion, shards[0]!.wglabVersion);
    t.is(report.shard, undefined);
    t.true(report.pass);
    t.deepEqual(verdicts(scenariosOf(report)), verdicts(shards.flatMap(scenariosOf)));
    t.is(
      readFileSync(join(merged, 'junit.xml'), 'utf8').match(/<testcase /g)?.length,
      shards.flatMap(scenariosOf).flatMap((run) => run.checks).length,
    );
    // The HTML's pcap links lead to the artifacts merge-reports copied.
    const links = [...readFileSync(join(merged, 'report.html'), 'utf8').matchAll(/class="pcap" href="([^"]+)"/g)];
    t.true(links.length > 0);
    for (const [, link] of links) t.true(existsSync(join(merged, decodeURIComponent(link!))), link);

    // Negative controls. The same shard twice: refused, exit 2, nothing merged.
    const twice = await wglab(['merge-reports', shard1, shard1, '--out', join(dir, 'twice')]);
    t.is(twice.exitCode, 2, twice.stderr);
    t.regex(
      twice.stderr,
      /^wglab: scenario \S+ appears twice: in .*shard-1\/report\.json and in .*shard-1\/report\.json/m,
    );
    t.false(existsSync(join(dir, 'twice')));
    // A shard whose check failed: the merged run fails, exit 1.
    const flipped = join(dir, 'shard-2-failing');
    cpSync(shard2, flipped, { recursive: true });
    const failing = readReport(flipped) as Report & ScenarioReport;
    failing.checks[0]!.pass = false;
    failing.pass = false;
    writeFileSync(join(flipped, 'report.json'), JSON.stringify(failing, null, 2));
    const failed = await wglab(['merge-reports', shard1, flipped, '--out', join(dir, 'merged-failing')]);
    t.is(failed.exitCode, 1, failed.stdout + failed.stderr);
    t.false(readReport(join(dir, 'merged-failing')).pass);
  },
);
