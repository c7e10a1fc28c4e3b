import test from 'ava';
import { readFileSync } from 'node:fs';
import type { ScenarioReport } from './report-model.ts';
import { wglabVersion } from './wglab-version.ts';
import { reportJson } from './write-report.ts';

// report.json's stamp: the wglab version always, the shard only for `wglab run --shard I/N`.

const run = (scenario: string, pass = true) => ({ scenario, pass, checks: [] }) as unknown as ScenarioReport;

test("wglabVersion is package.json's version", (t) => {
  t.is(wglabVersion, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  t.regex(wglabVersion, /^\d+\.\d+\.\d+/);
});

test('reportJson: one scenario as itself, several or none as a list with pass; each with wglabVersion', (t) => {
  t.deepEqual(reportJson([run('one')]), { wglabVersion, scenario: 'one', pass: true, checks: [] });
  t.deepEqual(reportJson([run('one'), run('two', false)]), {
    wglabVersion,
    scenarios: [run('one'), run('two', false)],
    pass: false,
  });
  t.deepEqual(reportJson([]), { wglabVersion, scenarios: [], pass: true });
});

test("reportJson: a shard's report says which shard it is", (t) => {
  const shard = { index: 2, total: 3 };
  t.deepEqual(reportJson([], { shard }), { wglabVersion, shard, scenarios: [], pass: true });
  t.deepEqual((reportJson([run('one')], { shard }) as { shard: unknown }).shard, shard);
  t.false('shard' in reportJson([run('one')]), 'no shard, no field');
});
