import test from 'ava';
import type { Check } from './scenario.ts';
import { runOrder, runsInFileOrder, takesEndDown } from './check-order.ts';

const check = (from: string, fault?: Check['fault']): Check => ({
  from,
  url: 'https://app.example.com/',
  insecure: false,
  ...(fault ? { fault } : {}),
});

test('takesEndDown, runsInFileOrder and runOrder: what the lab and the model order checks by', (t) => {
  t.deepEqual(
    (['tunnel-down', 'peer-down', 'wireguard-killed', 'wireguard-blocked', 'nat-rebind'] as const).map((fault) =>
      takesEndDown(check('A', fault)),
    ),
    [true, true, true, false, false],
  );
  t.true(takesEndDown({ fault: { kind: 'peer-down', node: 'B' } }), 'a fault aimed at a node');
  t.false(takesEndDown(check('A')));
  t.false(runsInFileOrder([check('A'), check('A', 'tunnel-down')], () => false));
  t.true(runsInFileOrder([check('A'), { ...check('A'), idle: 1 }], () => false));
  t.true(runsInFileOrder([check('A'), check('B')], (item) => item.from === 'B'));
  t.deepEqual(
    runOrder([check('A', 'peer-down'), check('A'), check('A', 'tunnel-down')], () => false),
    [1, 0, 2],
  );
  t.deepEqual(
    runOrder(
      [check('A', 'peer-down'), check('A'), check('A', 'tunnel-down')],
      () => false,
      (item) => item.fault === 'peer-down',
    ),
    [1, 2, 0],
  );
  t.deepEqual(
    runOrder([check('A'), check('C'), check('A'), check('A', 'peer-down'), check('A', 'tunnel-down')], () => false),
    [0, 1, 2, 3, 4],
    'checks of one rank keep file order',
  );
});
