import test from 'ava';
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The CLI around --shard and merge-reports, where no lab is needed: validation, empty shards, exit codes.
// scenarios/shard/ runs real shards and merges them.

const wglab = (...args: string[]) => execa('node', ['bin/wglab.js', ...args], { reject: false });
const two = ['scenarios/article/01-no-tunnel.yaml', 'scenarios/article/02-point-to-point.yaml'];

function workspace(t: import('ava').ExecutionContext): string {
  const root = mkdtempSync(join(tmpdir(), 'wglab-shard-cli-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

test('--help lists merge-reports with an example, and run --help lists --shard', async (t) => {
  const help = await wglab('--help');
  t.regex(help.stdout, /merge-reports/);
  t.regex(help.stdout, /wglab merge-reports shard-1\/ shard-2\/ --out report\//);
  const merge = await wglab('merge-reports', '--help');
  t.is(merge.exitCode, 0);
  t.true(merge.stdout.includes('--out'));
  t.regex(merge.stdout, /Examples:/);
  t.true((await wglab('run', '--help')).stdout.includes('--shard <i/n>'));
});

test('run --shard refuses anything but I/N with whole numbers 1 ≤ I ≤ N, exit 2 with a hint, before any lab', async (t) => {
  for (const bad of ['0/2', '3/2', '1/0', '1.5/2', 'a/b', '2']) {
    const result = await wglab('run', ...two, '--shard', bad);
    t.is(result.exitCode, 2, bad);
    t.regex(
      result.stderr,
      new RegExp(`^wglab: --shard takes I/N, whole numbers with 1 ≤ I ≤ N, not ${bad.replace('.', '\\.')}\\n  hint: `),
      bad,
    );
  }
});

test('a shard that gets no scenario says so, exits 0 and writes an empty but valid report', async (t) => {
  const root = workspace(t);
  const report = join(root, 'shard-3');
  const result = await wglab('run', ...two, '--shard', '3/3', '--report', report);
  t.is(result.exitCode, 0, result.stderr);
  t.regex(
    result.stdout,
    /^shard 3\/3 gets no scenario: 2 scenarios split over 3 shards; nothing to run, the report is empty$/m,
  );
  const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
  t.deepEqual(json.scenarios, []);
  t.true(json.pass);
  t.deepEqual(json.shard, { index: 3, total: 3 });
  t.is(typeof json.wglabVersion, 'string');
  t.regex(readFileSync(join(report, 'junit.xml'), 'utf8'), /tests="0"/);
  t.regex(readFileSync(join(report, 'report.html'), 'utf8'), /0 of 0 checks passed in 0 scenarios/);
  const printed = await wglab('run', ...two, '--shard', '3/3', '--json');
  t.is(printed.exitCode, 0);
  t.deepEqual(JSON.parse(printed.stdout), json, '--json prints what report.json holds');
});

/** A report directory as `wglab run --report` writes it, for one fabricated scenario (its shard's report.json). */
function reportDir(root: string, name: string, scenario: string, pass: boolean, shard: [number, number]): string {
  const dir = join(root, name);
  mkdirSync(join(dir, scenario, '01-A'), { recursive: true });
  writeFileSync(join(dir, scenario, '01-A', 'internet.pcap'), '');
  const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
  const check = {
    from: 'A',
    to: 'B',
    url: 'https://app.example.com/',
    fault: null,
    expected: { sourceIp: '10.0.0.1', path: 'tunnel' },
    observed: { sourceIp: '10.0.0.1', path: pass ? 'tunnel' : 'internet', httpStatus: 200 },
    pass,
    reasons: pass ? [] : ['expected the tunnel path'],
    seen: [],
    captures: [{ label: 'internet', node: 'router', iface: 'any', packets: 4, flows: [], pcap: '01-A/internet.pcap' }],
    logLine: null,
    seconds: 0.1,
  };
  const json = {
    wglabVersion: version,
    shard: { index: shard[0], total: shard[1] },
    scenario,
    description: null,
    topology: { endpoints: [], tunnel: [] },
    engine: 'unix:///var/run/docker.sock',
    wireguard: 'kernel',
    lab: `wglab-${scenario}`,
    checks: [check],
    pass,
    timings: { total: 1 },
    configs: {},
    lint: [],
  };
  writeFileSync(join(dir, 'report.json'), JSON.stringify(json));
  return dir;
}

test('merge-reports exits 0 when every shard passed, 1 when one failed, 2 on input it cannot join', async (t) => {
  const root = workspace(t);
  const out = join(root, 'merged');
  const passing = [reportDir(root, 's1', 'one', true, [1, 2]), reportDir(root, 's2', 'two', true, [2, 2])];
  const ok = await wglab('merge-reports', ...passing, '--out', out);
  t.is(ok.exitCode, 0, ok.stderr);
  t.regex(ok.stdout, /^merged 2 reports: 2 scenarios, 2 checks passed, 0 failed$/m);
  t.deepEqual(
    JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).scenarios.map(
      (run: { scenario: string }) => run.scenario,
    ),
    ['one', 'two'],
  );

  const failing = reportDir(root, 's2-failing', 'two', false, [2, 2]);
  const failed = await wglab('merge-reports', passing[0]!, failing, '--out', join(root, 'merged-failing'));
  t.is(failed.exitCode, 1, failed.stderr);
  t.regex(failed.stdout, /1 failed \(failing: two\)/);
  t.false(JSON.parse(readFileSync(join(root, 'merged-failing', 'report.json'), 'utf8')).pass);

  const twice = await wglab('merge-reports', passing[0]!, passing[0]!, '--out', join(root, 'x'));
  t.is(twice.exitCode, 2);
  t.regex(twice.stderr, /^wglab: scenario one appears twice: in .*s1\/report\.json and in .*s1\/report\.json/m);
  t.regex(twice.stderr, /^ {2}hint: /m);

  const missing = await wglab('merge-reports', passing[0]!, join(root, 'nowhere'), '--out', join(root, 'x'));
  t.is(missing.exitCode, 2);
  t.regex(missing.stderr, /^wglab: cannot read report directory .*nowhere: there is no such directory\n {2}hint: /);

  const noOut = await wglab('merge-reports', ...passing);
  t.is(noOut.exitCode, 2);
  t.regex(noOut.stderr, /--out/);
});
