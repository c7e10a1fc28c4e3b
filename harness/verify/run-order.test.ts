import test from 'ava';
import type { Check } from '../scenario/scenario.ts';
import { planLab } from '../lab/lab-plan.ts';
import { loadScenario, parseScenario } from '../scenario/load-scenario.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import { checkBatches, estimatedCheckSeconds, stopsEarly, takeLongest } from './run-order.ts';

const check = (from: string, fault?: Check['fault']): Check => ({ from, url: 'https://app.example.com/', insecure: false, ...(fault ? { fault } : {}) });

test('checkBatches: runs of checks without a fault go together, each fault alone, in file order', (t) => {
  const checks = [check('A'), check('C'), check('A', 'tunnel-down'), check('A'), check('A', 'peer-down'), check('A', 'wireguard-blocked'), check('C'), check('A')];
  t.deepEqual(checkBatches(checks).map((batch) => batch.map(({ index }) => index)), [[0, 1], [2], [3], [4], [5], [6, 7]]);
  t.deepEqual(checkBatches([]), []);
  t.deepEqual(checkBatches([check('A', 'tunnel-down'), check('A', 'tunnel-down')]).map((batch) => batch.length), [1, 1], 'two faults never share a batch');
});

const article = (name: string) => loadScenario(new URL(`../../scenarios/article/${name}.yaml`, import.meta.url).pathname);
const queued = (...names: string[]) => names.map((name, index) => {
  const scenario = article(name);
  return { scenario, index, plan: planLab(scenario, scenarioConfigs(scenario)) };
});

test('estimatedCheckSeconds: checks that wait for no answer cost most, faults more than plain checks', (t) => {
  const [noTunnel, prefix, both] = ['01-no-tunnel', '03-transparent-a-prefix', '06-transparent-both'].map((name) => estimatedCheckSeconds(article(name)));
  t.true(prefix! > both!);
  t.true(both! > noTunnel!);
});

test('takeLongest: the longest scenario first; a lab takes the longest it can run by reconfiguring before any other', (t) => {
  const queue = queued('01-no-tunnel', '02-point-to-point', '03-transparent-a-prefix', '06-transparent-both');
  t.is(takeLongest(queue)!.scenario.name, 'transparent-a-prefix');
  t.is(takeLongest(queue)!.scenario.name, 'transparent-both');
  t.deepEqual(queue.map((item) => item.scenario.name), ['no-tunnel', 'point-to-point']);
  t.is(takeLongest([] as typeof queue), undefined);
  // A lab of other endpoints (C missing) fits none: the longest of all is taken, for a lab of its own.
  const other = parseScenario('name: other\nendpoints:\n  A: { publicIp: 198.51.100.1 }\n  B: { publicIp: 203.0.113.2, serves: app.example.com }\n');
  const mixed = [...queued('01-no-tunnel', '05-transparent-a-rule'), { scenario: other, index: 2, plan: planLab(other, scenarioConfigs(other)) }];
  t.is(takeLongest(mixed, mixed[2]!.plan)!.scenario.name, 'other', 'the lab of other endpoints takes its own scenario, though shorter');
  t.is(takeLongest(mixed, queued('02-point-to-point')[0]!.plan)!.scenario.name, 'transparent-a-rule');
});

test('stopsEarly: a lab stops when little is left and another lab is busy to take it; the last lab never does', (t) => {
  const small = queued('02-point-to-point');
  t.true(stopsEarly(small, 1), 'a short scenario left, another lab busy: stop, the teardown overlaps its checks');
  t.false(stopsEarly(small, 0), 'no other lab busy: this one takes it');
  t.false(stopsEarly(queued('01-no-tunnel', '02-point-to-point'), 1), 'more than a teardown\'s worth left: take it');
  t.false(stopsEarly(queued('03-transparent-a-prefix'), 1), 'a long scenario left: take it');
  t.false(stopsEarly([], 0));
});
