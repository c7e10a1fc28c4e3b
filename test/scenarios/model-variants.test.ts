import test from 'ava';
import { predictPlan } from '../../harness/api/explain.ts';
import { runScenarios, withPrediction } from '../../harness/api/run-scenarios.ts';
import { planLab } from '../../harness/lab/lab-plan.ts';
import { faults, reachFixes, type Scenario } from '../../harness/scenario/scenario.ts';
import { parseScenario } from '../../harness/wgconf/load-scenario.ts';
import { modelDisagreements } from '../lab/helpers.ts';

// Property-style: the article's tunnel with its knobs drawn at random (which ends are transparent, the table, the
// rules' priority, the reach fix, the SNAT end, a fault), the model's prediction of every check held against what
// the lab observes on a sample. The draw is seeded: WGLAB_VARIANT_SEED repeats a run, WGLAB_VARIANTS sets how many.
const seed = Number(process.env.WGLAB_VARIANT_SEED ?? 20261202);
const count = Number(process.env.WGLAB_VARIANTS ?? 4);

/** mulberry32: a small seeded generator, so a failing draw can be run again. */
function random(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function variants(): Scenario[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return Array.from({ length: count }, (_, index) => {
    const transparent = pick([[], ['A'], ['B'], ['A', 'B']]);
    const snat = transparent.length === 0 ? 'none' : pick(['none', ...transparent]);
    const fault = pick(faults.filter((kind) => kind !== 'nat-rebind'));
    const tunnel = {
      dialer: 'A',
      listener: 'B',
      transparent,
      table: pick([123, 7, 200, 1000]),
      priority: pick([455, 100, 1000, 30000]),
      reachPeerWgIp: pick(reachFixes),
      snat,
    };
    const text = [
      `name: variant-${seed}-${index + 1}`,
      'endpoints:',
      '  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }',
      '  B: { publicIp: 203.0.113.2, wgIp: 10.0.0.2, listenPort: 51822, serves: app.example.com }',
      '  C: { publicIp: 192.0.2.3 }',
      `tunnel: ${JSON.stringify(tunnel)}`,
      'checks:',
      '  - { from: A, url: "https://app.example.com/" }',
      '  - { from: A, url: "https://10.0.0.2/", insecure: true }',
      '  - { from: B, url: "https://10.0.0.1/", insecure: true }',
      '  - { from: C, url: "https://app.example.com/" }',
      `  - { from: A, url: "https://app.example.com/", fault: ${fault} }`,
      '',
    ].join('\n');
    return parseScenario(text, `variant-${index + 1}.yaml`);
  });
}

const drawn = variants();

test.serial(`the draw (seed ${seed}) varies the knobs, and the model decides every check without a lab`, (t) => {
  t.is(drawn.length, count);
  t.true(new Set(drawn.map((scenario) => JSON.stringify(scenario.tunnel))).size > 1, 'the variants differ');
  for (const scenario of drawn) {
    t.log(`${scenario.name}: ${JSON.stringify(scenario.tunnel)}`);
    const predicted = predictPlan(planLab(scenario, { id: `model-${scenario.name}` }));
    t.deepEqual(
      predicted.flatMap((prediction, index) => (prediction.path === 'unknown' ? [index + 1] : [])),
      [],
      `${scenario.name}: no check is unknown to the model`,
    );
  }
});

test.serial(
  `every drawn variant (seed ${seed}): the lab observes what the model predicted, check by check; a prediction for another variant would not hold (negative control)`,
  async (t) => {
    const { reports } = await runScenarios(drawn, { concurrency: 2 });
    t.is(reports.length, count);
    for (const report of reports) {
      t.log(`${report.scenario} (${report.wireguard}):`);
      for (const check of report.checks)
        t.log(
          `  ${check.from} ${check.target}${check.fault ? ` [${check.fault}]` : ''}: predicted ${check.predicted?.path}, observed ${check.observed.path} as ${check.observed.sourceIp ?? '-'}`,
        );
      t.deepEqual(
        report.checks.flatMap((check, index) =>
          ['tunnel', 'internet', 'none'].includes(check.observed.path)
            ? []
            : [`check ${index + 1}: ${check.observed.path}`],
        ),
        [],
        `${report.scenario}: the lab decided every check`,
      );
      t.deepEqual(modelDisagreements(report.checks), [], `${report.scenario}: the model agrees with the lab`);
    }
    // The comparison can fail: the lab's observations of the first variant against the model's predictions for
    // the same scenario with the transparent ends swapped and SNAT on the other end.
    const [first] = drawn;
    const other = {
      ...first!,
      name: `${first!.name}-other`,
      tunnel: {
        ...first!.tunnel!,
        transparent: first!.tunnel!.transparent.length === 0 ? ['A', 'B'] : [],
        snat: first!.tunnel!.transparent.length === 0 ? 'B' : 'none',
      },
    };
    const wrong = predictPlan(planLab(other, { id: 'model-other' }), reports[0]!.wireguard);
    const compared = reports[0]!.checks.map((check, index) =>
      withPrediction({ ...check, predicted: undefined, modelDisagrees: undefined }, wrong[index]),
    );
    t.true(modelDisagreements(compared).length > 0, 'predictions for another variant disagree with this lab');
  },
);
