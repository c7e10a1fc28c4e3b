import test from 'ava';
import type { Check } from '../scenario/scenario.ts';
import { planLab } from '../lab/lab-plan.ts';
import { keysPerEndpoint } from '../wgconf/generate-configs.ts';
import { loadScenario, parseScenario } from '../wgconf/load-scenario.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import {
  checkBatches,
  endsResetAfter,
  estimatedCheckMs,
  peekLongest,
  stopsEarly,
  takeLongest,
  teardownEstimateMs,
} from './run-order.ts';

const check = (from: string, fault?: Check['fault']): Check => ({
  from,
  url: 'https://app.example.com/',
  insecure: false,
  ...(fault ? { fault } : {}),
});

test('checkBatches: an idle wait and a transfer run alone, like a fault', (t) => {
  const checks = [
    check('A'),
    { ...check('C'), idle: 3 },
    check('A'),
    check('C'),
    { ...check('A'), bytes: 5 },
    check('C'),
  ];
  t.deepEqual(
    checkBatches(checks, () => false).map((batch) => batch.map(({ index }) => index)),
    [[0], [1], [2, 3], [4], [5]],
  );
});

test('checkBatches: runs of checks without a fault go together, each fault alone, those that take an end down after the others', (t) => {
  const checks = [
    check('A'),
    check('C'),
    check('A', 'tunnel-down'),
    check('A'),
    check('A', 'peer-down'),
    check('A', 'wireguard-blocked'),
    check('C'),
    check('A'),
  ];
  t.deepEqual(
    checkBatches(checks, () => false).map((batch) => batch.map(({ index }) => index)),
    [[0, 1, 3], [5], [6, 7], [2], [4]],
  );
  t.deepEqual(
    checkBatches([], () => false),
    [],
  );
  t.deepEqual(
    checkBatches([check('A', 'tunnel-down'), check('A', 'tunnel-down')], () => false).map((batch) => batch.length),
    [1, 1],
    'two faults never share a batch',
  );
});

const article = (name: string) =>
  loadScenario(new URL(`../../scenarios/article/${name}.yaml`, import.meta.url).pathname);
const queued = (...names: string[]) =>
  names.map((name, index) => {
    const scenario = article(name);
    return { scenario, index, plan: planLab(scenario) };
  });

test('estimatedCheckMs: 250 to reconfigure, 800 per fault expecting none, 350 per other fault, 100 per check without one', (t) => {
  const scenario = (...checks: Check[]) => ({ ...article('01-no-tunnel'), checks });
  t.is(estimatedCheckMs(scenario()), 250);
  t.is(estimatedCheckMs(scenario(check('A'), check('C'))), 450);
  t.is(estimatedCheckMs(scenario({ ...check('A', 'peer-down'), expect: { path: 'none' } })), 1050);
  t.is(
    estimatedCheckMs(
      scenario({ ...check('A', 'tunnel-down'), expect: { path: 'internet', sourceIp: '198.51.100.1' } }),
    ),
    600,
  );
  t.is(
    estimatedCheckMs(scenario(check('A', 'tunnel-down'))),
    600,
    'a fault without expect yet (to record) is not taken for none',
  );
  const [noTunnel, prefix, both] = ['01-no-tunnel', '03-transparent-a-prefix', '06-transparent-both'].map((name) =>
    estimatedCheckMs(article(name)),
  );
  t.true(prefix! > both!);
  t.true(both! > noTunnel!);
});

test('takeLongest: the longest scenario first; a lab takes the longest it can run by reconfiguring before any other', (t) => {
  const queue = queued('01-no-tunnel', '02-point-to-point', '03-transparent-a-prefix', '06-transparent-both');
  t.is(takeLongest(queue)!.scenario.name, 'transparent-a-prefix');
  t.is(takeLongest(queue)!.scenario.name, 'transparent-both');
  t.deepEqual(
    queue.map((item) => item.scenario.name),
    ['no-tunnel', 'point-to-point'],
  );
  t.is(takeLongest([] as typeof queue), undefined);
  const tie = queued('03-transparent-a-prefix', '04-transparent-a-route');
  t.is(takeLongest(tie)!.scenario.name, 'transparent-a-prefix', 'on a tie, file order');
  // A lab of other endpoints (C missing) fits none: the longest of all is taken, for a lab of its own.
  const other = parseScenario(
    'name: other\nendpoints:\n  A: { publicIp: 198.51.100.1 }\n  B: { publicIp: 203.0.113.2, serves: app.example.com }\n',
  );
  const mixed = [
    ...queued('01-no-tunnel', '05-transparent-a-rule'),
    { scenario: other, index: 2, plan: planLab(other) },
  ];
  t.is(
    takeLongest(mixed, mixed[2]!.plan)!.scenario.name,
    'other',
    'the lab of other endpoints takes its own scenario, though shorter',
  );
  t.is(takeLongest(mixed, queued('02-point-to-point')[0]!.plan)!.scenario.name, 'transparent-a-rule');
});

test('stopsEarly: a lab stops when little is left and a busy lab can run it; the last lab never does', (t) => {
  const small = queued('02-point-to-point');
  const busyLab = queued('05-transparent-a-rule')[0]!.plan;
  t.true(
    stopsEarly(small, [busyLab]),
    'a short scenario left, a busy lab of the same endpoints: stop, the teardown overlaps its checks',
  );
  t.false(stopsEarly(small, []), 'no other lab busy: this one takes it');
  t.false(
    stopsEarly(queued('01-no-tunnel', '02-point-to-point'), [busyLab]),
    "more than a teardown's worth left: take it",
  );
  t.false(stopsEarly(queued('03-transparent-a-prefix'), [busyLab]), 'a long scenario left: take it');
  t.false(stopsEarly([], []));
  // The busy lab has other endpoints: it would have to be torn down and brought up again, so this lab takes it.
  const other = parseScenario(
    'name: other\nendpoints:\n  A: { publicIp: 198.51.100.1 }\n  B: { publicIp: 203.0.113.2, serves: app.example.com }\n',
  );
  const otherPlan = planLab(other);
  t.false(stopsEarly(small, [otherPlan]));
  t.false(
    stopsEarly([...small, { scenario: { ...other, checks: [] }, plan: otherPlan }], [busyLab]),
    'every scenario left must fit a busy lab, not just one',
  );
  t.true(stopsEarly(small, [otherPlan, busyLab]), 'one busy lab that fits is enough');
  // Exactly a teardown's worth left (250 + 350 + 3 × 100 = 900): stop; a check more: take it.
  const exactly = {
    ...article('01-no-tunnel'),
    checks: [check('A', 'tunnel-down'), check('A'), check('A'), check('A')],
  };
  t.is(estimatedCheckMs(exactly), teardownEstimateMs);
  t.true(stopsEarly([{ scenario: exactly, plan: busyLab }], [busyLab]));
  t.false(
    stopsEarly([{ scenario: { ...exactly, checks: [...exactly.checks, check('C')] }, plan: busyLab }], [busyLab]),
  );
});

test('checkBatches: a check from an end that cannot start its session (no Endpoint for a peer) begins a new run, after the checks before it', (t) => {
  const checks = [check('gw'), check('gw'), check('west'), check('gw'), check('west')];
  t.deepEqual(
    checkBatches(checks, (item) => item.from === 'west').map((batch) => batch.map(({ index }) => index)),
    [[0, 1], [2, 3], [4]],
  );
});

test('planLab: waitsForPeers names the ends with a peer they have no Endpoint for', (t) => {
  const twoTunnels = loadScenario(new URL('../../scenarios/own-network/two-tunnels.yaml', import.meta.url).pathname);
  t.deepEqual(planLab(twoTunnels).waitsForPeers.sort(), ['east', 'west']);
  t.deepEqual(queued('05-transparent-a-rule')[0]!.plan.waitsForPeers, ['B'], "the article's B only listens");
  t.deepEqual(queued('01-no-tunnel')[0]!.plan.waitsForPeers, []);
});

test('takeLongest for a slow engine: the shortest scenario, the one its lab fits first, file order on a tie', (t) => {
  const queue = queued('01-no-tunnel', '02-point-to-point', '03-transparent-a-prefix', '06-transparent-both');
  t.is(takeLongest(queue, undefined, true)!.scenario.name, 'no-tunnel');
  t.is(takeLongest(queue, undefined, true)!.scenario.name, 'point-to-point');
  t.is(takeLongest(queue, undefined, false)!.scenario.name, 'transparent-a-prefix');
  const tie = queued('04-transparent-a-route', '03-transparent-a-prefix');
  t.is(takeLongest(tie, undefined, true)!.scenario.name, 'transparent-a-route', 'on a tie, file order');
});

const order = (batches: { index: number }[][]) => batches.map((batch) => batch.map(({ index }) => index));

test('checkBatches: faults that take an end down go after the others, those whose end is reset next last, and the runs between join', (t) => {
  const checks = [
    check('A'),
    check('A', 'tunnel-down'),
    check('C'),
    check('A', 'peer-down'),
    check('A', 'wireguard-blocked'),
    check('A'),
    check('A', 'wireguard-killed'),
    check('A', 'nat-rebind'),
  ];
  const tunnelDownReset = (item: Check) => item.fault === 'tunnel-down';
  t.deepEqual(order(checkBatches(checks, () => false, tunnelDownReset)), [[0, 2], [4], [5], [7], [3], [6], [1]]);
  t.deepEqual(
    order(checkBatches(checks, () => false)),
    [[0, 2], [4], [5], [7], [1], [3], [6]],
    'no end reset next: the faults that take one down after the others, in file order',
  );
  t.deepEqual(
    order(
      checkBatches(
        checks,
        () => false,
        () => true,
      ),
    ),
    [[0, 2], [4], [5], [7], [1], [3], [6]],
    'every end reset next: the same, whatever the callback says of the checks without such a fault',
  );
});

test('checkBatches: an idle wait or a check that waits for earlier ones keeps the whole scenario in file order', (t) => {
  const checks = [check('A', 'tunnel-down'), check('A'), { ...check('C'), idle: 3 }, check('A')];
  t.deepEqual(
    order(
      checkBatches(
        checks,
        () => false,
        () => true,
      ),
    ),
    [[0], [1], [2], [3]],
  );
  const waiting = [check('A', 'tunnel-down'), check('A'), check('B')];
  t.deepEqual(
    order(
      checkBatches(
        waiting,
        (item) => item.from === 'B',
        () => true,
      ),
    ),
    [[0], [1], [2]],
  );
  t.deepEqual(
    order(
      checkBatches(
        waiting,
        () => false,
        () => true,
      ),
    ),
    [[1, 2], [0]],
    'the same checks, nothing waiting: the fault goes last',
  );
});

test("endsResetAfter: the ends the next scenario's files change, every end before a teardown, none in a lab kept running", (t) => {
  // One key pair per endpoint for the whole run, as wglab run plans them.
  const keys = keysPerEndpoint();
  const [pointToPoint, prefix, route, both, noTunnel] = [
    '02-point-to-point',
    '03-transparent-a-prefix',
    '04-transparent-a-route',
    '06-transparent-both',
    '01-no-tunnel',
  ].map((name) => planLab(article(name), { keys }));
  t.deepEqual([...endsResetAfter(prefix!, route!, false)], ['A'], 'only A changes from 03 to 04');
  t.deepEqual([...endsResetAfter(route!, both!, false)].sort(), ['A', 'B']);
  t.deepEqual([...endsResetAfter(pointToPoint!, undefined, false)].sort(), ['A', 'B'], 'torn down: every end');
  t.deepEqual([...endsResetAfter(pointToPoint!, undefined, true)], [], 'kept running: every end comes back up');
  const other = parseScenario(
    'name: other\nendpoints:\n  A: { publicIp: 198.51.100.1 }\n  B: { publicIp: 203.0.113.2, serves: app.example.com }\n',
  );
  t.deepEqual(
    [...endsResetAfter(prefix!, planLab(other), true)].sort(),
    ['A', 'B'],
    'a next scenario of other endpoints: this lab is torn down',
  );
  t.deepEqual([...endsResetAfter(prefix!, noTunnel!, false)].sort(), ['A', 'B'], 'ends whose tunnel the next drops');
  t.deepEqual([...endsResetAfter(prefix!, prefix!, false)], [], 'the same files: nothing is reset');
});

test('peekLongest: what takeLongest would take, left in the queue', (t) => {
  const queue = queued('01-no-tunnel', '03-transparent-a-prefix', '06-transparent-both');
  t.is(peekLongest(queue)!.scenario.name, 'transparent-a-prefix');
  t.is(peekLongest(queue, undefined, true)!.scenario.name, 'no-tunnel');
  t.is(queue.length, 3);
  t.is(peekLongest([] as typeof queue), undefined);
});
