import test from 'ava';
import { WglabError } from '../errors.ts';
import { EngineGoneError, isEngineConnectionError } from '../lab/engine-gone.ts';
import { describeError } from './describe-error.ts';

test('a WglabError prints its message, location and hint, with its exit code', (t) => {
  const report = describeError(
    new WglabError('bad thing', { location: { file: 's.yaml', line: 3 }, hint: 'do this', exitCode: 1 }),
    false,
  );
  t.deepEqual(report, { text: 'wglab: bad thing (s.yaml:3)\n  hint: do this', exitCode: 1 });
});

test('an unexpected error is one line naming it and where it was thrown, and a hint; no trace', (t) => {
  const report = describeError(new TypeError('x is undefined'), false);
  t.regex(
    report.text,
    /^wglab: unexpected TypeError: x is undefined \(at harness\/cli\/describe-error\.test\.ts:\d+\)\n {2}hint: .*WGLAB_DEBUG=1/,
  );
  t.is(report.text.split('\n').length, 2);
  t.is(report.exitCode, 2);
});

test('WGLAB_DEBUG adds the full trace', (t) => {
  const report = describeError(new Error('boom', { cause: new Error('root cause') }), true);
  t.regex(report.text, /^\s+at /m);
  t.regex(report.text, /caused by: Error: root cause/);
});

test('an engine that stopped answering is named, exit 2', (t) => {
  for (const error of [
    Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {
      code: 'ECONNREFUSED',
      address: '/var/run/docker.sock',
    }),
    Object.assign(new Error('connect ENOENT /tmp/x.sock'), { code: 'ENOENT', address: '/tmp/x.sock' }),
    new Error('socket hang up'),
    new EngineGoneError(),
  ]) {
    t.true(isEngineConnectionError(error), error.message);
    const report = describeError(error, false);
    t.regex(report.text, /^wglab: the Docker engine \(.+\) stopped answering\n {2}hint: .*wglab prune/);
    t.is(report.exitCode, 2);
  }
  t.false(
    isEngineConnectionError(
      Object.assign(new Error("ENOENT: no such file or directory, open 'a.yaml'"), { code: 'ENOENT' }),
    ),
  );
  t.false(isEngineConnectionError(new Error('other')));
});

test('a refusal from the Docker API says so, with its status', (t) => {
  const report = describeError(
    Object.assign(new Error('(HTTP code 404) no such network - network wglab-x-A not found'), {
      statusCode: 404,
      json: { message: 'network wglab-x-A not found' },
    }),
    false,
  );
  t.regex(
    report.text,
    /^wglab: the Docker engine \(.+\) refused a request: \(HTTP 404\) network wglab-x-A not found\n {2}hint: /,
  );
  t.is(report.exitCode, 2);
});

/** What `await using` throws when the block and its disposal both fail (Node 20 has no global SuppressedError). */
const suppressedError = (error: unknown, suppressed: unknown) =>
  Object.assign(new Error('disposal failed'), { name: 'SuppressedError', error, suppressed });

test('a run that failed and whose teardown failed too reports both, once each', (t) => {
  const both = suppressedError(new EngineGoneError(), new WglabError('check broke', { hint: 'h' }));
  const report = describeError(both, false);
  t.regex(report.text, /^wglab: check broke\n {2}hint: h\nwglab: the Docker engine .* stopped answering/);
  const same = suppressedError(new EngineGoneError(), new EngineGoneError());
  t.is(describeError(same, false).text.match(/stopped answering/g)!.length, 1);
});
