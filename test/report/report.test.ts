import test from 'ava';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from 'xmlbuilder2';
import type { ScenarioReport } from '../../harness/report/report-model.ts';
import { ofLab, wglab } from '../lab/helpers.ts';
import { openReport } from './browser.ts';
import { leftBy } from '../chaos/interrupt-run.ts';

const nothing = { containers: [], networks: [] };

// `wglab demo` and `wglab run --report` as a user runs them, and their report.html as a browser shows it.
// The screenshots stay in test-artifacts/ (CI uploads that directory).
const artifacts = resolve('test-artifacts');
const demoDir = join(artifacts, 'demo');
const failingDir = join(artifacts, 'failing-report');

// One demo run, shared by the tests that read it (started by the first of them).
let demoRun: ReturnType<typeof wglab> | undefined;
const demo = () => {
  if (!demoRun) {
    rmSync(demoDir, { recursive: true, force: true });
    demoRun = wglab(['demo', '--out', demoDir]);
  }
  return demoRun;
};

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

test('wglab demo walks the article step by step and exits 0', async (t) => {
  const result = await demo();
  t.is(result.exitCode, 0, result.stdout.slice(-3000) + result.stderr.slice(-2000));
  t.deepEqual(await leftBy(result.pid!), nothing, 'the demo removes its lab');
  const { scenarios } = readJson<{ scenarios: ScenarioReport[] }>(join(demoDir, 'report.json'));
  const checks = scenarios.flatMap((scenario) => scenario.checks);
  t.true(scenarios.length >= 8, 'every article step');
  t.regex(result.stdout, new RegExp(`^━━ Step ${scenarios.length}/${scenarios.length}: `, 'm'));
  t.regex(result.stdout, /^ {3}\+Table = 123$/m, 'the diff that makes A transparent');
  t.regex(result.stdout, /^ {3}\+PreUp = iptables -A POSTROUTING -t nat .* -j SNAT/m, 'the diff that adds SNAT on A');
  t.notRegex(
    result.stdout,
    /^ {3}-PublicKey = /m,
    'the keys stay the same from step to step: diffs show only what a step changes',
  );
  t.regex(result.stdout, /^ {6}log: 10\.0\.0\.1 - - \[/m, 'an access-log line');
  t.regex(result.stdout, /^ {6}packets at internet: none of the request's TCP, WireGuard UDP/m);
  t.is(result.stdout.match(/^ {6}PASS: expected /gm)?.length, checks.length);
  t.regex(result.stdout, new RegExp(`^All ${checks.length} checks passed in ${scenarios.length} steps`, 'm'));
  t.false(result.stdout.includes('\u001b['), 'no colour when not on a terminal');
  t.false(
    /PrivateKey = (?!\(redacted\))/.test(result.stdout + readFileSync(join(demoDir, 'report.html'), 'utf8')),
    'private keys redacted',
  );
});

test('the demo report renders in Chromium: PASS, a section per step, a picture per check, every pcap link resolves, nothing fetched', async (t) => {
  const result = await demo();
  t.is(result.exitCode, 0);
  const { scenarios } = readJson<{ scenarios: ScenarioReport[] }>(join(demoDir, 'report.json'));
  const checks = scenarios.flatMap((scenario) => scenario.checks).length;
  await using report = await openReport(join(demoDir, 'report.html'));
  const { page } = report;
  const summary = page.getByTestId('summary');
  t.true(await summary.isVisible());
  t.regex(
    await summary.innerText(),
    new RegExp(`^PASS\\s+${checks} of ${checks} checks passed in ${scenarios.length} scenarios`),
  );
  t.is(await page.locator('section.scenario').count(), scenarios.length);
  t.is(await page.locator('article.check').count(), checks);
  t.is(await page.locator('article.check.fail').count(), 0);
  const picture = page.locator('article.check svg.topology').first();
  t.true(await picture.isVisible());
  const box = await picture.boundingBox();
  t.true(
    (box?.width ?? 0) > 250 && (box?.height ?? 0) > 100,
    `the picture is drawn at a readable size: ${JSON.stringify(box)}`,
  );
  t.true(await page.locator('svg .path-tunnel').first().isVisible(), 'a tunnel path is drawn');
  t.true(await page.locator('svg .path-internet').first().isVisible(), 'an internet path is drawn');
  t.true(await page.locator('svg .path-none').first().isVisible(), 'a blocked request is drawn');
  const hrefs = await page
    .locator('a.pcap')
    .evaluateAll((links) => links.map((link) => (link as unknown as { href: string }).href));
  t.true(hrefs.length >= checks * 2, `pcap links: ${hrefs.length}`);
  const missing = hrefs.filter((href) => !existsSync(fileURLToPath(href)));
  t.deepEqual(missing, []);
  t.deepEqual(
    report.requests.filter((url) => !url.startsWith('file://')),
    [],
    'the report fetches nothing',
  );
  await page.screenshot({ path: join(demoDir, 'report.png'), fullPage: false });
  t.true(existsSync(join(demoDir, 'report.png')));
  const throughTunnel = page.locator('article.check', { has: page.locator('svg .path-tunnel') }).first();
  await throughTunnel.scrollIntoViewIfNeeded();
  await throughTunnel.screenshot({ path: join(demoDir, 'tunnel-check.png') });
  t.true(existsSync(join(demoDir, 'tunnel-check.png')));
});

test("the demo's junit.xml has a testcase per check and no failure", async (t) => {
  await demo();
  const xml = readFileSync(join(demoDir, 'junit.xml'), 'utf8');
  const { scenarios } = readJson<{ scenarios: ScenarioReport[] }>(join(demoDir, 'report.json'));
  t.is(xml.match(/<testcase /g)?.length, scenarios.flatMap((scenario) => scenario.checks).length);
  t.is(xml.match(/<testsuite /g)?.length, scenarios.length);
  t.false(xml.includes('<failure'));
  t.notThrows(() => create(xml));
});

test("a failing run's report says FAIL and why, in the browser and in junit.xml (negative control: no Table on A)", async (t) => {
  rmSync(failingDir, { recursive: true, force: true });
  const result = await wglab(['run', 'scenarios/negative/a-no-table.yaml', '--report', failingDir]);
  t.deepEqual(await leftBy(result.pid!), nothing, 'wglab run removes its labs');
  t.is(result.exitCode, 1, result.stderr);
  const json = readJson<ScenarioReport>(join(failingDir, 'report.json'));
  const failing = json.checks.filter((check) => !check.pass);
  t.true(failing.length > 0);
  const xml = readFileSync(join(failingDir, 'junit.xml'), 'utf8');
  t.is(xml.match(/<failure /g)?.length, failing.length);
  t.true(
    xml.includes(
      `message="${failing[0]!.reasons.join('; ').replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}"`,
    ),
  );

  await using report = await openReport(join(failingDir, 'report.html'));
  const { page } = report;
  t.regex(
    await page.getByTestId('summary').innerText(),
    new RegExp(
      `^FAIL\\s+${json.checks.length - failing.length} of ${json.checks.length} checks passed, ${failing.length} failed`,
    ),
  );
  t.is(await page.locator('article.check.fail').count(), failing.length);
  const firstFailure = page.locator('article.check.fail').first();
  await firstFailure.scrollIntoViewIfNeeded();
  const reasons = firstFailure.locator('.reasons');
  t.true(await reasons.isVisible());
  t.true((await reasons.innerText()).includes(failing[0]!.reasons[0]!));
  t.true(
    await firstFailure.locator('svg .expected-path').isVisible(),
    'the expected path is drawn beside the observed one',
  );
  t.deepEqual(
    report.requests.filter((url) => !url.startsWith('file://')),
    [],
  );
  await firstFailure.screenshot({ path: join(failingDir, 'failing-check.png') });
  await page.screenshot({ path: join(failingDir, 'report.png') });
  t.true(existsSync(join(failingDir, 'report.png')));
});

test('wglab demo --keep leaves the lab running, says how to look inside, and wglab down removes it', async (t) => {
  const dir = join(artifacts, 'demo-keep-scenarios');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of ['01-no-tunnel', '02-point-to-point']) {
    writeFileSync(
      join(dir, `${name}.yaml`),
      readFileSync(`scenarios/article/${name}.yaml`, 'utf8').replace(/^name: (.*)$/m, 'name: keep-$1'),
    );
  }
  const result = await wglab(['demo', '--keep', '--scenarios', dir, '--out', join(artifacts, 'demo-keep')]);
  t.is(result.exitCode, 0, result.stderr);
  const id = /^The lab is still running \((wglab-[\w-]+)\)/m.exec(result.stdout)?.[1];
  t.truthy(id, result.stdout.slice(-1500));
  t.teardown(() => wglab(['down', '--lab', id!]));
  t.regex(result.stdout, new RegExp(`npx wglab exec --lab ${id} A -- sh`));
  t.regex(result.stdout, new RegExp(`npx wglab down --lab ${id}`));
  t.true((await ofLab(id!)).containers >= 4);
  const wg = await wglab(['exec', '--lab', id!, 'A', '--', 'wg', 'show', 'wg0', 'listen-port']);
  t.is(wg.stdout.trim(), '51821', 'the kept lab is at the last step, with its tunnel up');
  const down = await wglab(['down', '--lab', id!]);
  t.is(down.exitCode, 0, down.stderr);
  t.deepEqual(await ofLab(id!), { containers: 0, networks: 0 });
});

test('wglab demo with a directory holding no scenario exits 2 and starts nothing', async (t) => {
  const dir = join(artifacts, 'demo-empty');
  mkdirSync(dir, { recursive: true });
  const result = await wglab(['demo', '--scenarios', dir, '--out', join(artifacts, 'demo-empty-out')]);
  t.is(result.exitCode, 2);
  t.regex(result.stderr, /^wglab: no scenario YAML files in .*demo-empty\n.*--scenarios/m);
});

test('wglab run with several scenarios writes one report for all of them and exits 1 when one fails', async (t) => {
  const dir = join(artifacts, 'several');
  rmSync(dir, { recursive: true, force: true });
  const result = await wglab([
    'run',
    'scenarios/article/02-point-to-point.yaml',
    'scenarios/negative/a-no-table.yaml',
    '--report',
    dir,
  ]);
  t.deepEqual(await leftBy(result.pid!), nothing, 'wglab run removes its labs');
  t.is(result.exitCode, 1, result.stderr);
  t.regex(result.stdout, /^== point-to-point\n(PASS .*\n)+point-to-point: \d+ passed, 0 failed/m);
  t.regex(result.stdout, /^== broken-a-no-table\n/m);
  t.regex(result.stdout, /^2 scenarios: \d+ checks passed, [1-9]\d* failed \(failing: broken-a-no-table\)$/m);
  const json = readJson<{ scenarios: ScenarioReport[]; pass: boolean }>(join(dir, 'report.json'));
  t.deepEqual(
    json.scenarios.map((scenario) => [scenario.scenario, scenario.pass]),
    [
      ['point-to-point', true],
      ['broken-a-no-table', false],
    ],
  );
  t.false(json.pass);
  t.is(readFileSync(join(dir, 'junit.xml'), 'utf8').match(/<testsuite /g)?.length, 2);
  const pcap = json.scenarios[0]!.checks[0]!.captures.find((capture) => capture.label === 'internet')?.pcap;
  t.true(pcap !== undefined && existsSync(join(dir, 'point-to-point', pcap)), `pcap kept: ${pcap}`);
});
