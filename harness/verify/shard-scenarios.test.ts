import test from 'ava';
import { readdirSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { loadScenario } from '../wgconf/load-scenario.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';
import { estimatedCheckMs } from './run-order.ts';
import { parseShard, scenariosOfShard, shardScenarios } from './shard-scenarios.ts';

const articleDir = new URL('../../scenarios/article/', import.meta.url).pathname;
const article = readdirSync(articleDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => loadScenario(`${articleDir}${name}`));

// A scenario of the article's shape with `faults` checks that expect no answer (800 ms each) and `plain` checks
// without a fault (100 ms each), so its estimated cost is 250 + 800 * faults + 100 * plain.
function costing(name: string, faults: number, plain = 0): Scenario {
  const check = (fault?: Check['fault']): Check => ({
    from: 'A',
    url: 'https://app.example.com/',
    insecure: false,
    ...(fault ? { fault, expect: { path: 'none' as const } } : {}),
  });
  return {
    ...article[0]!,
    name,
    checks: [
      ...Array.from({ length: faults }, () => check('tunnel-down')),
      ...Array.from({ length: plain }, () => check()),
    ],
  };
}

const names = (shards: Scenario[][]) => shards.map((shard) => shard.map((scenario) => scenario.name));
const loads = (shards: Scenario[][]) =>
  shards.map((shard) => shard.reduce((sum, scenario) => sum + estimatedCheckMs(scenario), 0));

// A small deterministic shuffle (no Math.random: a failure must reproduce).
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let index = out.length - 1; index > 0; index--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const other = state % (index + 1);
    [out[index], out[other]] = [out[other]!, out[index]!];
  }
  return out;
}

test('shardScenarios: highest cost first to the least-loaded shard, ties to the lowest index, then by name', (t) => {
  const scenarios = [costing('e', 0), costing('a', 3), costing('b', 2), costing('c', 2), costing('d', 1)];
  // Costs: a 2650, b 1850, c 1850, d 1050, e 250. a -> 1; b -> 2; c -> 2 (1850 < 2650); d -> 1 (2650 < 3700);
  // e -> 1 (3700 = 3700: the lower index).
  t.deepEqual(names(shardScenarios(scenarios, 2)), [
    ['e', 'a', 'd'],
    ['b', 'c'],
  ]);
  t.deepEqual(loads(shardScenarios(scenarios, 2)), [3950, 3700]);
});

test('shardScenarios: every scenario in exactly one shard, for any number of shards', (t) => {
  for (let total = 1; total <= article.length + 2; total++) {
    const shards = shardScenarios(article, total);
    t.is(shards.length, total);
    t.deepEqual(
      shards
        .flat()
        .map((scenario) => scenario.name)
        .sort(),
      article.map((scenario) => scenario.name).sort(),
      `${total} shards`,
    );
  }
});

test('shardScenarios: the same split whatever order the files are given in', (t) => {
  const reference = names(shardScenarios(article, 3)).map((shard) => [...shard].sort());
  for (let seed = 1; seed <= 20; seed++) {
    const split = names(shardScenarios(shuffled(article, seed), 3)).map((shard) => [...shard].sort());
    t.deepEqual(split, reference, `order ${seed}`);
  }
});

test('shardScenarios: each shard keeps the order its scenarios were given in', (t) => {
  const given = shuffled(article, 7);
  for (const shard of shardScenarios(given, 3)) {
    const positions = shard.map((scenario) => given.indexOf(scenario));
    t.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
    );
  }
});

test('shardScenarios: balanced: no shard is more than the costliest scenario above the lightest', (t) => {
  const many = Array.from({ length: 23 }, (_, index) =>
    costing(`s${String(index).padStart(2, '0')}`, index % 4, index % 5),
  );
  for (const total of [2, 3, 4, 5]) {
    const perShard = loads(shardScenarios(many, total));
    const costliest = Math.max(...many.map(estimatedCheckMs));
    t.true(Math.max(...perShard) - Math.min(...perShard) <= costliest, `${total} shards: ${perShard.join(', ')}`);
  }
  // The article on two machines: the greedy split is as even as these costs allow.
  const two = loads(shardScenarios(article, 2));
  t.true(Math.abs(two[0]! - two[1]!) <= Math.min(...article.map(estimatedCheckMs)), two.join(', '));
});

test('shardScenarios: more shards than scenarios leaves the last shards empty; one shard takes all', (t) => {
  const two = [costing('x', 1), costing('y', 0)];
  t.deepEqual(names(shardScenarios(two, 4)), [['x'], ['y'], [], []]);
  t.deepEqual(names(shardScenarios(two, 1)), [['x', 'y']]);
  t.deepEqual(names(shardScenarios([], 2)), [[], []]);
  t.throws(() => shardScenarios(two, 0), { instanceOf: RangeError });
});

test('shardScenarios: names are compared by code unit, not by locale', (t) => {
  // Equal costs: the order by name decides; 'B' (66) sorts before 'a' (97) on every machine.
  t.deepEqual(names(shardScenarios([costing('a', 1), costing('B', 1)], 2)), [['B'], ['a']]);
});

test('scenariosOfShard: shard I of N, counted from 1', (t) => {
  const shards = shardScenarios(article, 3);
  for (const index of [1, 2, 3]) t.deepEqual(scenariosOfShard(article, { index, total: 3 }), shards[index - 1]);
});

test('parseShard: I/N with whole numbers 1 ≤ I ≤ N, anything else a WglabError with a hint', (t) => {
  t.deepEqual(parseShard('1/2'), { index: 1, total: 2 });
  t.deepEqual(parseShard('3/3'), { index: 3, total: 3 });
  t.deepEqual(parseShard('1/1'), { index: 1, total: 1 });
  for (const bad of ['0/2', '3/2', '1/0', '1.5/2', '-1/2', '1/2/3', 'a/b', '1', '', '/2', '2/', '1/1e3']) {
    const error = t.throws(() => parseShard(bad), { instanceOf: WglabError }, bad);
    t.is(error?.exitCode, 2);
    t.true(error?.message.includes(`not ${bad}`), error?.message);
    t.truthy(error?.hint);
  }
});
