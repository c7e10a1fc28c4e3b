import test from 'ava';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WglabError } from '../errors.ts';
import { loadScenario } from '../wgconf/load-scenario.ts';
import { explain, explainScenarios } from './explain.ts';

// Every scenario file in the repository, explained without a lab. Their expects are what the real lab
// established (CI runs them), so the model must agree with every one, except in files that hold wrong
// expectations on purpose: there it must disagree on exactly the checks the lab fails, and predict what
// the lab observed (scenarios/negative/negative.test.ts and scenarios/own-network/own-network.test.ts).

const root = new URL('../../', import.meta.url).pathname;
const yamlFiles = (dir: string): string[] =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });

/** Lab-observed outcomes of the checks that fail on purpose, by file: check number → observed path (and source). */
const failingInTheLab: Record<string, Record<number, { path: string; sourceIp?: string }>> = {
  'scenarios/negative/a-no-table.yaml': { 1: { path: 'none' }, 2: { path: 'none' } },
  'scenarios/negative/a-priorities-swapped.yaml': { 1: { path: 'none' }, 2: { path: 'none' } },
  'scenarios/negative/a-no-dport-rule.yaml': { 1: { path: 'none' }, 2: { path: 'none' } },
  'scenarios/negative/a-slash32-no-reach-fix.yaml': { 2: { path: 'none' } },
  'scenarios/negative/a-no-public-ip-in-allowedips.yaml': { 1: { path: 'internet', sourceIp: '198.51.100.1' } },
  'scenarios/negative/wrong-expectations.yaml': {
    1: { path: 'tunnel', sourceIp: '10.0.0.1' },
    2: { path: 'tunnel', sourceIp: '10.0.0.1' },
    3: { path: 'tunnel', sourceIp: '10.0.0.1' },
    4: { path: 'none' },
  },
  'scenarios/own-network/dual-stack-broken.yaml': { 1: { path: 'none' }, 2: { path: 'none' } },
  'scenarios/own-network/three-site-mesh-broken.yaml': { 1: { path: 'none' } },
  'scenarios/own-network/two-tunnels-broken.yaml': { 1: { path: 'none' } },
  'scenarios/own-network/ipv6-overlay-broken.yaml': { 1: { path: 'none' }, 2: { path: 'none' }, 3: { path: 'none' } },
  'scenarios/own-network/transparent-ipv6-broken.yaml': { 1: { path: 'internet', sourceIp: '2001:db8:a::1' } },
};
/** Scenario files that are not whole on their own: the package test copies their configs in first. */
const office = 'test/package/consumer/office.yaml';

const files = [...yamlFiles('scenarios'), 'test/package/consumer/never-seen.yaml'].sort();

test('the scenarios tree holds the files this test knows about', (t) => {
  t.true(files.length >= 35);
  for (const file of Object.keys(failingInTheLab)) t.true(files.includes(file), file);
});

for (const file of files) {
  test(`explain agrees with the lab on ${file}`, (t) => {
    const comparisons = explainScenarios(join(root, file));
    t.true(comparisons.length > 0);
    const failing = failingInTheLab[file] ?? {};
    for (const comparison of comparisons) {
      const { index, predicted, why } = comparison.explained;
      const context = `check ${index}: ${why.join(' → ')}`;
      t.not(predicted.path as string, 'unknown', `${context}: ${comparison.reason}`);
      const observed = failing[index];
      if (observed === undefined) {
        t.is(comparison.verdict, 'agrees', context);
        continue;
      }
      t.is(comparison.verdict, 'contradicts', context);
      t.is(predicted.path as string, observed.path, context);
      t.is(predicted.sourceIp, observed.sourceIp, context);
      t.truthy(comparison.partsAt?.text, 'a contradiction names the step where it parts');
    }
  });
}

// The failure pairs hold on kernel WireGuard and on wireguard-go alike (the lab established both): told which one
// runs, the model agrees too.
for (const wireguard of ['kernel', 'userspace'] as const)
  test(`explain agrees with the lab on scenarios/failures with --wireguard ${wireguard}`, (t) => {
    const failures = files.filter((file) => file.startsWith('scenarios/failures/'));
    const comparisons = explainScenarios(
      failures.map((file) => join(root, file)),
      { wireguard },
    );
    const disagreeing = comparisons.filter(
      (comparison) => comparison.verdict !== 'agrees' && comparison.verdict !== 'unknown',
    );
    t.deepEqual(
      disagreeing.map((comparison) => `${comparison.explained.scenario} ${comparison.explained.index}`),
      [],
    );
    t.true(
      comparisons.filter((comparison) => comparison.check.bytes !== undefined).every((c) => c.verdict === 'agrees'),
    );
  });

test('a scenario whose configs are missing is refused as bad input (exit 2), as the other commands refuse it', (t) => {
  const error = t.throws(() => explain(join(root, office)), {
    instanceOf: WglabError,
  });
  t.is(error.exitCode, 2);
  t.regex(error.format(), /office\.yaml:\d+ configs\.A/);
});

test('explain() gives each check keyed by scenario name and 1-based index, the same for a file and a loaded scenario', (t) => {
  const file = join(root, 'scenarios/article/03-transparent-a-prefix.yaml');
  const result = explain(file);
  t.deepEqual(
    result.checks.map((check) => [check.scenario, check.index, check.predicted.path]),
    [
      ['transparent-a-prefix', 1, 'tunnel'],
      ['transparent-a-prefix', 2, 'tunnel'],
      ['transparent-a-prefix', 3, 'internet'],
      ['transparent-a-prefix', 4, 'internet'],
      ['transparent-a-prefix', 5, 'none'],
      ['transparent-a-prefix', 6, 'none'],
    ],
  );
  t.deepEqual(Object.keys(result.checks[0]!).sort(), ['index', 'predicted', 'scenario', 'why']);
  t.deepEqual(result.checks[0]!.predicted, { path: 'tunnel', sourceIp: '10.0.0.1' });
  t.deepEqual(result.checks[4]!.predicted, { path: 'none' });
  t.deepEqual(
    explain(loadScenario(file)).checks.map((check) => check.predicted),
    result.checks.map((check) => check.predicted),
  );
});

test("the chain for the article's transparent A reads as the article tells it", (t) => {
  const [first] = explain(join(root, 'scenarios/article/03-transparent-a-prefix.yaml')).checks;
  t.deepEqual(first!.why.slice(0, 7), [
    'A: rule 456 to 203.0.113.2 lookup 123 → 203.0.113.2/32 dev wg0 table 123',
    'wg0 → peer B (AllowedIPs 203.0.113.2/32)',
    'outer UDP 198.51.100.1:51821 → 203.0.113.2:51822',
    'A: rule 455 to 203.0.113.2 dport 51822 lookup main → default via 169.254.0.1 dev eth0',
    'internet → B eth0',
    'B wg0',
    'nginx on B sees 10.0.0.1 (no SNAT)',
  ]);
  t.is(first!.why[7], 'reply: B: rule 32766 lookup main → 10.0.0.1/32 dev wg0');
  t.is(first!.why.at(-1), 'tunnel');
});

test('a URL check predicts no resolver: names in URLs come from the lab hosts file, DNS = or not', (t) => {
  const checks = explain(join(root, 'scenarios/own-network/three-site-mesh.yaml')).checks;
  t.is(checks[6]!.predicted.resolver, undefined, 'siteA runs with DNS = 1.1.1.1, and its URL check asks no resolver');
});
