import test from 'ava';
import { leftBy } from '../chaos/interrupt-run.ts';
import { modelDisagreements, wglab } from '../lab/helpers.ts';

// Each lab assertion can fail: broken configs and wrong expectations that `wglab run` must catch, exit 1,
// naming the check and why.
interface Expected {
  failing: number[];
  reason: RegExp;
  /** The lint rule that names the fault in the file (shown first, kept in the report). */
  lint?: string;
}

const cases: Record<string, Expected> = {
  'a-no-table': { failing: [1, 2], reason: /expected path tunnel, observed none/, lint: 'endpoint-in-allowedips' },
  'a-priorities-swapped': {
    failing: [1, 2],
    reason: /expected path tunnel, observed none/,
    lint: 'endpoint-bypass-order',
  },
  'a-no-dport-rule': {
    failing: [1, 2],
    reason: /expected path tunnel, observed none/,
    lint: 'endpoint-bypass-missing',
  },
  'a-slash32-no-reach-fix': {
    failing: [2],
    reason: /expected path tunnel, observed none/,
    lint: 'peer-wgip-unreachable',
  },
  'a-no-public-ip-in-allowedips': {
    failing: [1],
    reason: /expected path tunnel, observed internet: the request's TCP crossed the internet in clear/,
    lint: 'rule-without-route',
  },
  'wrong-expectations': { failing: [1, 2, 3, 4], reason: /expected path internet, observed tunnel/ },
};

for (const [name, expected] of Object.entries(cases)) {
  test.serial(`negative control: ${name} fails with exit 1, naming the check and why`, async (t) => {
    const file = `scenarios/negative/${name}.yaml`;
    const json = await wglab(['run', file, '--json']);
    t.deepEqual(await leftBy(json.pid!), { containers: [], networks: [] }, 'wglab run removes its lab');
    t.is(json.exitCode, 1, json.stderr);
    const report = JSON.parse(json.stdout) as {
      pass: boolean;
      checks: { pass: boolean; reasons: string[]; modelDisagrees?: string; predicted?: { path: string } }[];
      lint: { rule: string }[];
    };
    t.false(report.pass);
    t.deepEqual(modelDisagreements(report.checks), [], 'the model predicted what the lab saw, not what expect says');
    if (expected.lint) {
      t.true(
        report.lint.some((finding) => finding.rule === expected.lint),
        `lint's ${expected.lint} kept in the report`,
      );
      t.regex(
        json.stderr,
        new RegExp(`lint .*: \\d+ error.*the lab runs the configs as they are[\\s\\S]*\\[${expected.lint}\\]`),
        'lint shown before the lab starts',
      );
    }
    const failing = report.checks.flatMap((check, index) => (check.pass ? [] : [index + 1]));
    t.deepEqual(failing, expected.failing);
    t.regex(report.checks[expected.failing[0]! - 1]!.reasons.join('\n'), expected.reason);
  });
}

test.serial('wrong expectations: each kind of assertion (path, source IP, none) reports its own reason', async (t) => {
  const result = await wglab(['run', 'scenarios/negative/wrong-expectations.yaml']);
  t.deepEqual(await leftBy(result.pid!), { containers: [], networks: [] }, 'wglab run removes its lab');
  t.is(result.exitCode, 1);
  t.regex(
    result.stdout,
    /^FAIL 1 A https:\/\/app\.example\.com\/: expected internet as 10\.0\.0\.1, observed tunnel as 10\.0\.0\.1/m,
  );
  t.regex(result.stdout, /^FAIL 2 .*\n {5}why: expected the server to log 198\.51\.100\.1, it logged 10\.0\.0\.1/m);
  t.regex(result.stdout, /^FAIL 3 .*expected none, observed tunnel/m);
  t.regex(
    result.stdout,
    /^FAIL 4 .*\[peer-down\]: expected tunnel as 10\.0\.0\.1, observed none\n {5}why: expected path tunnel, observed none: curl failed/m,
  );
  t.regex(result.stdout, /^wrong-expectations: 0 passed, 4 failed/m);
});
