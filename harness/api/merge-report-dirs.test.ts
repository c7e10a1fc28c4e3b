import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WglabError } from '../errors.ts';
import { writeReport } from '../report/write-report.ts';
import type { CheckReport, ScenarioReport } from '../report/report-model.ts';
import type { Shard } from '../verify/shard-scenarios.ts';
import { mergeReportDirs } from './merge-report-dirs.ts';

// Shard report directories written by the real writer (writeReport), with artifact folders beside them as
// `wglab run --report` keeps them; fabricated runs, no lab.

function run(name: string, pass = true): ScenarioReport {
  const check: CheckReport = {
    from: 'A',
    to: 'B',
    kind: 'http',
    target: 'https://app.example.com/',
    url: 'https://app.example.com/',
    fault: null,
    expected: { sourceIp: '10.0.0.1', path: 'tunnel' },
    observed: pass
      ? { sourceIp: '10.0.0.1', path: 'tunnel', httpStatus: 200 }
      : { sourceIp: '198.51.100.1', path: 'internet', httpStatus: 200 },
    pass,
    reasons: pass ? [] : ['expected the tunnel path, but the request went over the internet'],
    seen: [],
    captures: [{ label: 'internet', node: 'router', iface: 'any', packets: 4, flows: [], pcap: '01-A/internet.pcap' }],
    logLine: null,
    seconds: 0.4,
  };
  return {
    scenario: name,
    description: `${name}, fabricated`,
    topology: {
      endpoints: [
        { name: 'A', publicIp: '198.51.100.1', wgIp: '10.0.0.1', listenPort: 51821, serves: null, transparent: false },
        {
          name: 'B',
          publicIp: '203.0.113.2',
          wgIp: '10.0.0.2',
          listenPort: 51822,
          serves: 'app.example.com',
          transparent: false,
        },
      ],
      tunnel: ['A', 'B'],
    },
    engine: 'unix:///var/run/docker.sock',
    wireguard: 'userspace (wireguard-go)' as ScenarioReport['wireguard'],
    lab: `wglab-${name}`,
    checks: [check],
    pass,
    timings: { total: 1.5 },
    configs: { A: '[Interface]\nPrivateKey = (redacted)\n' },
    lint: [],
  };
}

const generated = new Date(0);

function workspace(t: import('ava').ExecutionContext): string {
  const root = mkdtempSync(join(tmpdir(), 'wglab-merge-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A shard's report directory: its report files and, per scenario, `<scenario>/01-A/internet.pcap`. */
function shardDir(root: string, name: string, runs: ScenarioReport[], shard?: Shard): string {
  const dir = join(root, name);
  for (const one of runs) {
    mkdirSync(join(dir, one.scenario, '01-A'), { recursive: true });
    writeFileSync(join(dir, one.scenario, '01-A', 'internet.pcap'), `pcap of ${one.scenario}`);
  }
  writeReport(dir, runs, { generated, shard });
  return dir;
}

const read = (file: string) => readFileSync(file, 'utf8');

test('a merged report is byte for byte the report one run of all the scenarios writes, with every artifact', (t) => {
  const root = workspace(t);
  const [one, two, three] = [run('one'), run('two'), run('three')];
  const dirs = [
    shardDir(root, 'shard-1', [one, three], { index: 1, total: 3 }),
    shardDir(root, 'shard-2', [two], { index: 2, total: 3 }),
    shardDir(root, 'shard-3', [], { index: 3, total: 3 }),
  ];
  const out = join(root, 'merged');
  const merged = mergeReportDirs(dirs, out, { generated });
  t.true(merged.pass);
  t.deepEqual(merged.missingArtifacts, []);
  const whole = join(root, 'whole');
  writeReport(whole, [one, three, two], { generated });
  for (const file of ['report.json', 'report.html', 'junit.xml'])
    t.is(read(join(out, file)), read(join(whole, file)), file);
  t.false('shard' in JSON.parse(read(join(out, 'report.json'))), 'the merged report is no shard');
  for (const name of ['one', 'two', 'three'])
    t.is(read(join(out, name, '01-A', 'internet.pcap')), `pcap of ${name}`, `${name}'s artifacts`);
  // Every pcap link of the merged HTML resolves beside it.
  const links = [...read(join(out, 'report.html')).matchAll(/class="pcap" href="([^"]+)"/g)].map((m) => m[1]!);
  t.is(links.length, 3);
  for (const link of links) t.true(existsSync(join(out, decodeURIComponent(link))), link);
});

test('a single-scenario merge writes that scenario as its report.json, as wglab run does for one file', (t) => {
  const root = workspace(t);
  const out = join(root, 'merged');
  mergeReportDirs(
    [shardDir(root, 's1', [run('only')], { index: 1, total: 2 }), shardDir(root, 's2', [], { index: 2, total: 2 })],
    out,
    { generated },
  );
  const whole = join(root, 'whole');
  writeReport(whole, [run('only')], { generated });
  t.is(read(join(out, 'report.json')), read(join(whole, 'report.json')));
});

test("a failing shard makes the merged report fail: pass false in report.json, FAIL in report.html, junit's failure", (t) => {
  const root = workspace(t);
  const out = join(root, 'merged');
  const merged = mergeReportDirs(
    [
      shardDir(root, 's1', [run('one')], { index: 1, total: 2 }),
      shardDir(root, 's2', [run('two', false)], { index: 2, total: 2 }),
    ],
    out,
    { generated },
  );
  t.false(merged.pass);
  t.false(JSON.parse(read(join(out, 'report.json'))).pass);
  t.regex(read(join(out, 'report.html')), /<title>wglab: 2 scenarios — FAIL<\/title>/);
  t.regex(read(join(out, 'junit.xml')), /failures="1"/);
});

test('merging again into the same directory leaves nothing of the earlier merge in a scenario folder', (t) => {
  const root = workspace(t);
  const out = join(root, 'merged');
  const dirs = [shardDir(root, 's1', [run('one')], { index: 1, total: 1 })];
  mergeReportDirs(dirs, out, { generated });
  writeFileSync(join(out, 'one', 'stale.pcap'), 'old');
  mergeReportDirs(dirs, out, { generated });
  t.false(existsSync(join(out, 'one', 'stale.pcap')));
  t.true(existsSync(join(out, 'one', '01-A', 'internet.pcap')));
});

test('a scenario without its artifact folder merges, and is named as missing artifacts', (t) => {
  const root = workspace(t);
  const dir = shardDir(root, 's1', [run('one'), run('two')]);
  rmSync(join(dir, 'two'), { recursive: true });
  const merged = mergeReportDirs([dir], join(root, 'merged'), { generated });
  t.deepEqual(merged.missingArtifacts, ['two']);
});

test('unreadable input is a WglabError (exit 2) naming the directory or file, and nothing is written', (t) => {
  const root = workspace(t);
  const good = shardDir(root, 'good', [run('one')]);
  const noReport = join(root, 'no-report');
  mkdirSync(noReport);
  const badJson = join(root, 'bad-json');
  mkdirSync(badJson);
  writeFileSync(join(badJson, 'report.json'), '{ "scenarios": [');
  const aFile = join(root, 'a-file');
  writeFileSync(aFile, '');
  const out = join(root, 'merged');
  for (const [dir, message] of [
    [join(root, 'absent'), `cannot read report directory ${join(root, 'absent')}: there is no such directory`],
    [aFile, `${aFile} is not a directory`],
    [noReport, `${noReport} has no report.json`],
    [badJson, `${join(badJson, 'report.json')} is not JSON: `],
  ] as const) {
    const error = t.throws(() => mergeReportDirs([good, dir], out), { instanceOf: WglabError }, dir);
    t.is(error?.exitCode, 2);
    t.true(error?.message.startsWith(message), error?.message);
    t.truthy(error?.hint);
  }
  t.false(existsSync(out), 'nothing written');
  const error = t.throws(() => mergeReportDirs([good, good], out), { instanceOf: WglabError });
  t.regex(error?.message ?? '', /scenario one appears twice/);
  t.false(existsSync(out), 'nothing written');
  t.throws(() => mergeReportDirs([good], good), {
    instanceOf: WglabError,
    message: /is one of the report directories/,
  });
  t.throws(() => mergeReportDirs([], out), { instanceOf: WglabError, message: /no report directory/ });
});
