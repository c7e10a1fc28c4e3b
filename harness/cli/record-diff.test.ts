import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const wglab = (...args: string[]) => execa('node', ['bin/wglab.js', ...args], { reject: false });

test('run exits 2 before any lab when a check has no expect, naming it and saying to run with --record', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-unrecorded-'));
  const file = join(dir, 'office.yaml');
  writeFileSync(
    file,
    readFileSync('scenarios/examples/hand-written-configs.yaml', 'utf8')
      .replaceAll('../../fixtures/', `${resolve('fixtures')}/`)
      .replace(', expect: { sourceIp: 192.0.2.3, path: internet } }', ' }')
      .replace(', fault: tunnel-down, expect: { path: none } }', ', fault: tunnel-down }'),
  );
  const result = await wglab('run', file);
  t.is(result.exitCode, 2, result.stderr);
  t.is(result.stdout, '');
  t.regex(result.stderr, /2 check\(s\) have no expect/);
  t.regex(result.stderr, /hand-written-configs check 2 C https:\/\/app\.example\.com\//);
  t.regex(result.stderr, /hand-written-configs check 3 A https:\/\/app\.example\.com\/ \[tunnel-down\]/);
  t.notRegex(result.stderr, /check 1 /);
  t.regex(result.stderr, /hint: run with --record .*wglab run .*office\.yaml --record/);
});

const report = (checks: { path: string; sourceIp: string | null; fault?: string }[]) => ({
  scenario: 'office',
  checks: checks.map((check) => ({
    from: 'A',
    url: 'https://app.example.com/',
    fault: check.fault ?? null,
    observed: { path: check.path, sourceIp: check.sourceIp, httpStatus: check.path === 'none' ? null : 200 },
  })),
  pass: true,
});

test('diff lists every check whose observed path or source IP changed, exit 1; none changed, exit 0; not a report, exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-diff-'));
  const write = (name: string, json: unknown) => {
    writeFileSync(join(dir, name), JSON.stringify(json));
    return join(dir, name);
  };
  const old = write(
    'old.json',
    report([
      { path: 'tunnel', sourceIp: '10.0.0.1' },
      { path: 'internet', sourceIp: '198.51.100.1' },
      { path: 'none', sourceIp: null, fault: 'tunnel-down' },
    ]),
  );
  const changed = write('new.json', {
    scenarios: [
      report([
        { path: 'internet', sourceIp: '198.51.100.1' },
        { path: 'internet', sourceIp: '198.51.100.1' },
        { path: 'tunnel', sourceIp: '10.0.0.1', fault: 'tunnel-down' },
      ]),
    ],
    pass: true,
  });
  const result = await wglab('diff', old, changed);
  t.is(result.exitCode, 1, result.stderr);
  t.is(
    result.stdout,
    [
      'office check 1 A https://app.example.com/: tunnel as 10.0.0.1 -> internet as 198.51.100.1',
      'office check 3 A https://app.example.com/ [tunnel-down]: none -> tunnel as 10.0.0.1',
      '2 check(s) changed',
    ].join('\n'),
  );
  const json = await wglab('diff', old, changed, '--json');
  t.deepEqual(
    JSON.parse(json.stdout).changes.map((change: { number: number }) => change.number),
    [1, 3],
  );

  const same = await wglab('diff', old, old);
  t.is(same.exitCode, 0);
  t.is(same.stdout, 'no check changed its path or source IP');

  const fewer = await wglab('diff', old, write('fewer.json', report([{ path: 'tunnel', sourceIp: '10.0.0.1' }])));
  t.is(fewer.exitCode, 1);
  t.regex(
    fewer.stdout,
    /office check 2 A https:\/\/app\.example\.com\/: internet as 198\.51\.100\.1 -> \(no such check\)/,
  );

  const bad = await wglab('diff', old, write('bad.json', { findings: [] }));
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /bad\.json is not a wglab run --json report/);
});

test('run --help tells about --record, diff --help has examples; --record and --json do not mix', async (t) => {
  t.regex((await wglab('run', '--help')).stdout, /--record/);
  const diff = await wglab('diff', '--help');
  t.is(diff.exitCode, 0);
  t.regex(diff.stdout, /Examples:\n {2}wglab run office\.yaml --json > before\.json/);
  const both = await wglab('run', 'scenarios/examples/hand-written-configs.yaml', '--record', '--json');
  t.is(both.exitCode, 2);
  t.regex(both.stderr, /--record.*cannot be used with option '--json'|--json.*cannot be used with option '--record'/);
});
