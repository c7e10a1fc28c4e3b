import test from 'ava';
import type { CheckReport } from '../report/report-model.ts';
import { verdictLine } from '../report/check-text.ts';
import { withPrediction } from './run-scenarios.ts';

const report = (observed: Partial<CheckReport['observed']>): CheckReport => ({
  from: 'A',
  to: 'B',
  kind: 'http',
  target: 'https://app.example.com/',
  url: 'https://app.example.com/',
  fault: null,
  expected: { sourceIp: '10.0.0.1', path: 'tunnel' },
  observed: { sourceIp: '10.0.0.1', path: 'tunnel', httpStatus: 200, ...observed },
  pass: true,
  reasons: [],
  seen: [],
  captures: [],
  logLine: null,
  seconds: 0.1,
});

test('the model prediction sits beside the observation; agreement adds no finding', (t) => {
  const agreed = withPrediction(report({}), { path: 'tunnel', sourceIp: '10.0.0.1' });
  t.deepEqual(agreed.predicted, { path: 'tunnel', sourceIp: '10.0.0.1' });
  t.is(agreed.modelDisagrees, undefined);
  t.is(
    verdictLine(agreed, 0),
    'PASS 1 A https://app.example.com/: expected tunnel as 10.0.0.1, observed tunnel as 10.0.0.1 (HTTP 200)',
  );
  t.is(withPrediction(report({}), undefined).predicted, undefined);
});

test('a disagreement on the path or the source is a finding of its own; the verdict stays the lab’s', (t) => {
  const path = withPrediction(report({}), { path: 'internet', sourceIp: '198.51.100.1' });
  t.is(
    path.modelDisagrees,
    "the model predicted internet as 198.51.100.1, the lab saw tunnel as 10.0.0.1: wglab explain shows the model's chain",
  );
  t.true(path.pass);
  t.regex(
    verdictLine(path, 0),
    /^PASS 1 .*\n {5}model: the model predicted internet as 198\.51\.100\.1, the lab saw tunnel/,
  );
  t.truthy(withPrediction(report({}), { path: 'tunnel', sourceIp: '10.0.0.9' }).modelDisagrees);
  t.is(
    withPrediction(report({}), { path: 'tunnel' }).modelDisagrees,
    undefined,
    'no source predicted: nothing to hold',
  );
  t.is(withPrediction(report({ sourceIp: null, path: 'none' }), { path: 'none' }).modelDisagrees, undefined);
});

test('unknown predictions and undecided observations (both, unclear) are never called a disagreement', (t) => {
  t.is(withPrediction(report({}), { path: 'unknown' }).modelDisagrees, undefined);
  t.deepEqual(withPrediction(report({}), { path: 'unknown' }).predicted, { path: 'unknown' });
  t.is(withPrediction(report({ path: 'both' }), { path: 'tunnel' }).modelDisagrees, undefined);
  t.is(withPrediction(report({ path: 'unclear' }), { path: 'none' }).modelDisagrees, undefined);
});

test('a transfer: the prediction says whether it stalls, and a stall the lab did not see is a finding', (t) => {
  const transfer = { ...report({ stalls: false, bytes: 2000000 }), bytes: 2000000 };
  const agreed = withPrediction(transfer, { path: 'tunnel', sourceIp: '10.0.0.1' });
  t.is(agreed.modelDisagrees, undefined);
  const stalled = withPrediction(transfer, { path: 'tunnel', sourceIp: '10.0.0.1', stalls: true });
  t.deepEqual(stalled.predicted, { path: 'tunnel', sourceIp: '10.0.0.1', stalls: true });
  t.is(
    stalled.modelDisagrees,
    "the model predicted tunnel as 10.0.0.1, stalling, the lab saw tunnel as 10.0.0.1, completing: wglab explain shows the model's chain",
  );
});
