import test from 'ava';
import { noneWaitSeconds } from './none-wait.ts';

test("noneWaitSeconds: ten times the slowest connection, between a quarter and half a second, times the engine's slowness", (t) => {
  t.is(noneWaitSeconds(undefined, 1), 0.5, 'before any connection: half a second');
  t.is(noneWaitSeconds(0.002, 1), 0.25, 'fast connections: the floor');
  t.is(noneWaitSeconds(0.03, 1), 0.3);
  t.is(noneWaitSeconds(0.085, 1), 0.5, 'slow ones: the ceiling');
  t.is(noneWaitSeconds(0.002, 8), 2, 'an emulated engine multiplies it');
  t.is(noneWaitSeconds(undefined, 8), 4);
});
