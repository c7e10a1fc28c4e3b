import test from 'ava';
import { WglabError } from '../errors.ts';
import type { CheckReport, ScenarioReport } from './report-model.ts';
import type { Shard } from '../verify/shard-scenarios.ts';
import { mergeReports, type ReportSource } from './merge-reports.ts';
import { reportJson } from './write-report.ts';
import { wglabVersion } from './wglab-version.ts';

// Shard reports as `wglab run --shard I/N --report DIR` writes them (reportJson), fabricated: no lab.

function check(pass = true): CheckReport {
  return {
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
    seen: ['internet (router any): 4 WireGuard packets, no TCP'],
    captures: [{ label: 'internet', node: 'router', iface: 'any', packets: 4, flows: [], pcap: '01-A/internet.pcap' }],
    logLine: '10.0.0.1 - - [25/Nov/2026:11:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/7.88.1"',
    seconds: 0.4,
  };
}

function run(name: string, ...checks: CheckReport[]): ScenarioReport {
  return {
    scenario: name,
    description: null,
    topology: {
      endpoints: [
        { name: 'A', publicIp: '198.51.100.1', wgIp: '10.0.0.1', listenPort: 51821, serves: null, transparent: false },
      ],
      tunnel: ['A'],
    },
    engine: 'unix:///var/run/docker.sock',
    wireguard: 'userspace (wireguard-go)' as ScenarioReport['wireguard'],
    lab: `wglab-${name}`,
    checks: checks.length > 0 ? checks : [check()],
    pass: (checks.length > 0 ? checks : [check()]).every((one) => one.pass),
    timings: { total: 1 },
    configs: { A: '[Interface]\nPrivateKey = (redacted)\n' },
    lint: [],
  };
}

/** What one shard's report.json holds, read back as JSON. */
const source = (dir: string, runs: ScenarioReport[], shard?: Shard): ReportSource => ({
  dir,
  file: `${dir}/report.json`,
  json: JSON.parse(JSON.stringify(reportJson(runs, { shard }))),
});
const edited = (from: ReportSource, change: (json: Record<string, unknown>) => void): ReportSource => {
  const json = structuredClone(from.json) as Record<string, unknown>;
  change(json);
  return { ...from, json };
};
const refusal = (t: import('ava').ExecutionContext, sources: ReportSource[], message: RegExp) => {
  const error = t.throws(() => mergeReports(sources, wglabVersion), { instanceOf: WglabError });
  t.is(error?.exitCode, 2);
  t.regex(error?.format() ?? '', message);
  t.truthy(error?.hint, 'says what to do');
  return error;
};

test('mergeReports: every scenario of every shard once, in the order given; pass when all passed', (t) => {
  const merged = mergeReports(
    [
      source('shard-1', [run('one'), run('three')], { index: 1, total: 2 }),
      source('shard-2', [run('two')], { index: 2, total: 2 }),
    ],
    wglabVersion,
  );
  t.deepEqual(
    merged.runs.map((one) => one.scenario),
    ['one', 'three', 'two'],
  );
  t.true(merged.pass);
  t.is(merged.wglabVersion, wglabVersion);
  t.deepEqual(merged.sources, [
    { dir: 'shard-1', scenarios: ['one', 'three'], shard: { index: 1, total: 2 } },
    { dir: 'shard-2', scenarios: ['two'], shard: { index: 2, total: 2 } },
  ]);
  t.deepEqual(merged.runs[2], run('two'), 'a scenario comes through as its shard wrote it');
});

test('mergeReports: a failing scenario in any shard makes the merged run fail', (t) => {
  const merged = mergeReports(
    [
      source('shard-1', [run('one')], { index: 1, total: 2 }),
      source('shard-2', [run('two', check(), check(false))], { index: 2, total: 2 }),
    ],
    wglabVersion,
  );
  t.false(merged.pass);
  t.deepEqual(
    merged.runs.map((one) => one.pass),
    [true, false],
  );
  // Negative control: the same shards, every check passing.
  t.true(
    mergeReports(
      [
        source('shard-1', [run('one')], { index: 1, total: 2 }),
        source('shard-2', [run('two', check(), check())], { index: 2, total: 2 }),
      ],
      wglabVersion,
    ).pass,
  );
});

test("mergeReports: a failing scenario in a list fails the merge, whatever the list's pass says", (t) => {
  const flipped = edited(source('shard-1', [run('one'), run('two')], { index: 1, total: 1 }), (json) => {
    const second = (json.scenarios as ScenarioReport[])[1]!;
    second.checks[0]!.pass = false;
  });
  const merged = mergeReports([flipped], wglabVersion);
  t.false(merged.pass);
  t.deepEqual(
    merged.runs.map((one) => one.pass),
    [true, false],
  );
});

test("mergeReports: a check that failed fails its scenario, whatever the scenario's own pass says", (t) => {
  const flipped = edited(source('shard-1', [run('one')], { index: 1, total: 1 }), (json) => {
    (json.checks as CheckReport[])[0]!.pass = false;
  });
  const merged = mergeReports([flipped], wglabVersion);
  t.false(merged.pass);
  t.false(merged.runs[0]!.pass);
});

test('mergeReports: an empty shard (no scenario) merges; single-scenario and list reports mix', (t) => {
  const merged = mergeReports(
    [
      source('shard-1', [run('one')], { index: 1, total: 3 }),
      source('shard-2', [run('two'), run('three')], { index: 2, total: 3 }),
      source('shard-3', [], { index: 3, total: 3 }),
    ],
    wglabVersion,
  );
  t.is(merged.runs.length, 3);
  t.deepEqual(merged.sources[2]!.scenarios, []);
  t.true(merged.pass);
  // Reports of plain runs (no shard) of different scenarios merge too.
  t.is(mergeReports([source('a', [run('one')]), source('b', [run('two')])], wglabVersion).runs.length, 2);
});

test('mergeReports refuses a scenario that appears twice, naming both files', (t) => {
  refusal(
    t,
    [
      source('shard-1', [run('one'), run('two')], { index: 1, total: 2 }),
      source('shard-2', [run('two')], { index: 2, total: 2 }),
    ],
    /^wglab: scenario two appears twice: in shard-1\/report\.json and in shard-2\/report\.json/,
  );
  const both = refusal(t, [source('a', [run('one'), run('two')]), source('b', [run('two'), run('one')])], /one/);
  t.regex(both?.format() ?? '', /scenario two appears twice[^]*\nwglab: scenario one appears twice/, 'every one');
  // The same shard's directory given twice.
  const once = source('shard-1', [run('one')], { index: 1, total: 1 });
  refusal(t, [once, once], /scenario one appears twice/);
});

test('mergeReports refuses reports of different wglab versions, and of another version than this one', (t) => {
  const older = edited(source('shard-2', [run('two')], { index: 2, total: 2 }), (json) => {
    json.wglabVersion = '0.0.9';
  });
  refusal(
    t,
    [source('shard-1', [run('one')], { index: 1, total: 2 }), older],
    /different wglab versions: shard-1\/report\.json by [\d.]+, shard-2\/report\.json by 0\.0\.9/,
  );
  const bothOlder = [
    edited(source('shard-1', [run('one')], { index: 1, total: 2 }), (json) => {
      json.wglabVersion = '0.0.9';
    }),
    older,
  ];
  refusal(t, bothOlder, /written by wglab 0\.0\.9, but this is wglab /);
  t.notThrows(() => mergeReports(bothOlder, '0.0.9'), 'the wglab that wrote them merges them');
});

test('mergeReports refuses a report without a wglab version (written before reports carried it)', (t) => {
  const old = edited(source('old', [run('one')]), (json) => {
    delete json.wglabVersion;
  });
  refusal(t, [source('new', [run('two')]), old], /^wglab: old\/report\.json has no wglabVersion/);
});

test('mergeReports refuses what is not a wglab report, naming the file and the field', (t) => {
  const good = source('shard-1', [run('one'), run('two')]);
  refusal(
    t,
    [{ dir: 'x', file: 'x/report.json', json: [] }],
    /x\/report\.json is not a wglab report: not a JSON object/,
  );
  refusal(t, [{ dir: 'x', file: 'x/report.json', json: { findings: [] } }], /neither "scenarios" nor "scenario"/);
  refusal(
    t,
    [
      edited(good, (json) => {
        (json.scenarios as Record<string, unknown>[])[1]!.checks = 'none';
      }),
    ],
    /shard-1\/report\.json is not a wglab report: scenarios\.1\.checks: Expected array/,
  );
  refusal(
    t,
    [
      edited(good, (json) => {
        (json.scenarios as Record<string, unknown>[])[0]!.scenario = '../../etc';
      }),
    ],
    /scenarios\.0\.scenario: is not a scenario name/,
  );
  refusal(
    t,
    [
      edited(good, (json) => {
        json.shard = { index: 3, total: 2 };
      }),
    ],
    /shard is not \{ index, total \}/,
  );
  refusal(
    t,
    [
      edited(good, (json) => {
        json.pass = false;
      }),
    ],
    /says pass: false, but every scenario in it passed/,
  );
  refusal(t, [], /no report to merge/);
});

test("mergeReports refuses shards of different splits, a shard given twice, and a missing shard's gap", (t) => {
  refusal(
    t,
    [source('s1', [run('one')], { index: 1, total: 2 }), source('s2', [run('two')], { index: 2, total: 3 })],
    /shards of different splits: s1\/report\.json is shard 1\/2, s2\/report\.json is shard 2\/3/,
  );
  refusal(
    t,
    [source('s1', [], { index: 2, total: 2 }), source('s1-again', [], { index: 2, total: 2 })],
    /shard 2\/2 is given twice/,
  );
  refusal(
    t,
    [source('s1', [run('one')], { index: 1, total: 3 }), source('s3', [run('three')], { index: 3, total: 3 })],
    /shard 2\/3 is missing: the merged report would leave out its scenarios/,
  );
  // Negative control: with the missing shard (empty) given, they merge.
  t.notThrows(() =>
    mergeReports(
      [
        source('s1', [run('one')], { index: 1, total: 3 }),
        source('s2', [], { index: 2, total: 3 }),
        source('s3', [run('three')], { index: 3, total: 3 }),
      ],
      wglabVersion,
    ),
  );
});
