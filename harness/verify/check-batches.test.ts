import test from 'ava';
import type { Check } from '../scenario/scenario.ts';
import { checkBatches } from './run-scenario.ts';

const check = (from: string, fault?: Check['fault']): Check => ({ from, url: 'https://app.example.com/', insecure: false, ...(fault ? { fault } : {}) });

test('checkBatches: runs of checks without a fault go together, each fault alone, in file order', (t) => {
  const checks = [check('A'), check('C'), check('A', 'tunnel-down'), check('A'), check('A', 'peer-down'), check('A', 'wireguard-blocked'), check('C'), check('A')];
  t.deepEqual(checkBatches(checks).map((batch) => batch.map(({ index }) => index)), [[0, 1], [2], [3], [4], [5], [6, 7]]);
  t.deepEqual(checkBatches([]), []);
  t.deepEqual(checkBatches([check('A', 'tunnel-down'), check('A', 'tunnel-down')]).map((batch) => batch.length), [1, 1], 'two faults never share a batch');
});
