// A user's plain JavaScript test (node:test, no TypeScript, no loader) against the installed wglab package.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { lint, loadScenario, runScenario, startLab, WglabError } from 'wglab';

/** Containers and networks Docker still has with the lab's label. */
const leftOf = (id) =>
  [
    ['ps', '-aq'],
    ['network', 'ls', '-q'],
  ].flatMap((command) =>
    execFileSync('docker', [...command, '--filter', `label=wglab.lab=${id}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean),
  );

test('bad input throws WglabError with a message and a hint', () => {
  assert.throws(
    () => loadScenario('missing.yaml'),
    (error) => error instanceof WglabError && /cannot read scenario/.test(error.message) && error.hint.length > 0,
  );
  assert.throws(
    () => loadScenario('a.conf'),
    (error) => error instanceof WglabError && typeof error.message === 'string' && error.hint.length > 0,
  );
});

test('lint finds the swapped priorities in a config', () => {
  const { findings } = lint(['a-swapped.conf', 'b.conf']);
  assert.ok(
    findings.some(
      (finding) =>
        finding.rule === 'endpoint-bypass-order' && finding.file === 'a-swapped.conf' && finding.severity === 'error',
    ),
  );
  assert.deepEqual(
    lint(['a.conf', 'b.conf']).findings.filter((finding) => finding.severity === 'error'),
    [],
  );
});

test('runScenario verifies a scenario in a lab and reports as wglab run --json', async () => {
  const report = await runScenario(loadScenario('never-seen.yaml'));
  assert.equal(report.scenario, 'pkg-never-seen');
  assert.deepEqual(
    report.checks.map((check) => [check.observed.path, check.observed.sourceIp, check.pass]),
    [
      ['tunnel', '172.20.0.1', true],
      ['internet', '100.70.3.3', true],
      ['internet', '100.70.1.5', true],
    ],
  );
  assert.equal(report.pass, true);
  assert.deepEqual(leftOf(report.lab), []);
});

test('a lab driven by hand: a check, a fault, its undo, a check again; stop leaves nothing', async () => {
  const lab = await startLab(loadScenario('never-seen.yaml'));
  try {
    const url = 'https://intranet.example.test/';
    const first = await lab.check({ from: 'laptop', url, expect: { path: 'tunnel', sourceIp: '172.20.0.1' } });
    assert.equal(first.pass, true, first.reasons?.join('\n'));
    assert.deepEqual(first.observed, { path: 'tunnel', sourceIp: '172.20.0.1', httpStatus: 200 });
    assert.ok(first.evidence.captures.length > 0);

    const down = await lab.fault('tunnel-down', 'laptop');
    const during = await lab.check({ from: 'laptop', url });
    assert.deepEqual(during.observed, { path: 'internet', sourceIp: '100.70.1.5', httpStatus: 200 });
    assert.equal('pass' in during, false, 'no expect given: no pass');
    await down.undo();

    const after = await lab.check({ from: 'laptop', url });
    assert.deepEqual(after.observed, { path: 'tunnel', sourceIp: '172.20.0.1', httpStatus: 200 });
    const wg = await lab.exec('laptop', ['wg', 'show', 'wg0', 'listen-port']);
    assert.equal(wg.stdout.trim(), '41001');
    assert.notDeepEqual(leftOf(lab.id), []);
  } finally {
    await lab.stop();
  }
  assert.deepEqual(leftOf(lab.id), []);
});
