import test from 'ava';
import { noneWaitSeconds, waitedTooBriefly } from './none-wait.ts';

test("noneWaitSeconds: ten times the slowest connection, between 0.15 and half a second, times the engine's slowness", (t) => {
  t.is(noneWaitSeconds(undefined, 1), 0.5, 'before any connection: half a second');
  t.is(noneWaitSeconds(0.002, 1), 0.15, 'fast connections: the floor');
  t.is(noneWaitSeconds(0.017, 1), 0.17);
  t.is(noneWaitSeconds(0.03, 1), 0.3);
  t.is(noneWaitSeconds(0.085, 1), 0.5, 'slow ones: the ceiling');
  t.is(noneWaitSeconds(0.002, 8), 1.2, 'an emulated engine multiplies it');
  t.is(noneWaitSeconds(undefined, 8), 4);
});

test('waitedTooBriefly: only a check expected to fail whose client timed out after connecting is sent again', (t) => {
  const result = (path: 'none' | 'tunnel', observed: 'unclear' | 'none', exitCode: number, localPort?: number) => ({
    check: { expect: { path } },
    verdict: { observed: { path: observed } },
    evidence: { request: { exitCode, ...(localPort === undefined ? {} : { localPort }) } },
  });
  t.true(waitedTooBriefly(result('none', 'unclear', 28, 20010)));
  t.false(waitedTooBriefly(result('tunnel', 'unclear', 28, 20010)), 'it waited long already');
  t.false(waitedTooBriefly(result('none', 'none', 28, 20010)), 'a decided verdict');
  t.false(waitedTooBriefly(result('none', 'unclear', 7, 20010)), 'not a timeout');
  t.false(waitedTooBriefly(result('none', 'unclear', 28)), 'no connection was made');
  t.false(waitedTooBriefly({ ...result('none', 'unclear', 28, 20010), check: {} }), 'no expectation');
});
