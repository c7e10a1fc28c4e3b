import test from 'ava';
import { parseScenario } from '../wgconf/load-scenario.ts';
import { expectationText, recordExpectations } from './record-expectations.ts';

const scenario = `# My office tunnel: recorded, then verified on every change.
name: office   # short
endpoints:
  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }
  B: { publicIp: 203.0.113.2, wgIp: 10.0.0.2, listenPort: 51822, serves: app.example.com }
tunnel: { dialer: A, listener: B, transparent: [A] }
checks:
  - { from: A, url: "https://app.example.com/" }            # through the tunnel
  - { from: A, url: "https://10.0.0.2/", insecure: true, expect: { sourceIp: 10.0.0.1, path: tunnel } }
  # block style, with a comment inside
  - from: A
    url: "https://app.example.com/"   # same URL
    fault: tunnel-down
  - from: A
    url: "https://app.example.com/"
    expect:
      path: tunnel
      sourceIp: 10.0.0.1
# the end
`;

test('record adds a missing expect to a flow check and a block check, keeping every other byte', (t) => {
  const { text, changes } = recordExpectations(
    scenario,
    new Map([
      [0, { sourceIp: '10.0.0.1', path: 'tunnel' as const }],
      [2, { path: 'none' as const }],
    ]),
  );
  t.is(
    text,
    scenario
      .replace(
        '{ from: A, url: "https://app.example.com/" }  ',
        '{ from: A, url: "https://app.example.com/", expect: { sourceIp: 10.0.0.1, path: tunnel } }  ',
      )
      .replace('    fault: tunnel-down\n', '    fault: tunnel-down\n    expect: { path: none }\n'),
  );
  t.deepEqual(
    changes.map((change) => [change.index, change.before, change.after]),
    [
      [0, undefined, { sourceIp: '10.0.0.1', path: 'tunnel' }],
      [2, undefined, { path: 'none' }],
    ],
  );
  const loaded = parseScenario(text);
  t.deepEqual(
    loaded.checks.map((check) => check.expect),
    [
      { sourceIp: '10.0.0.1', path: 'tunnel' },
      { sourceIp: '10.0.0.1', path: 'tunnel' },
      { path: 'none' },
      { sourceIp: '10.0.0.1', path: 'tunnel' },
    ],
  );
});

test('record replaces a changed expect in place (flow and block) and leaves an unchanged one alone', (t) => {
  const { text, changes } = recordExpectations(
    scenario,
    new Map([
      [1, { sourceIp: '10.0.0.1', path: 'tunnel' as const }],
      [3, { sourceIp: '198.51.100.1', path: 'internet' as const }],
    ]),
  );
  t.deepEqual(
    changes.map((change) => change.index),
    [3],
  );
  t.is(
    text,
    scenario.replace(
      '    expect:\n      path: tunnel\n      sourceIp: 10.0.0.1\n',
      '    expect: { sourceIp: 198.51.100.1, path: internet }\n',
    ),
  );
  t.deepEqual(parseScenario(text).checks[3]!.expect, { sourceIp: '198.51.100.1', path: 'internet' });
});

test('a scenario may leave expect out; a given expect is still checked', (t) => {
  t.is(parseScenario(scenario).checks[0]!.expect, undefined);
  const error = t.throws(() =>
    parseScenario(scenario.replace('{ sourceIp: 10.0.0.1, path: tunnel } }', '{ sourceIp: 10.0.0.1, path: none } }')),
  );
  t.regex(error.message, /checks\.1\.expect\.sourceIp: a request expected to reach nothing has no source IP/);
});

test('a stall is recorded as one, and an expect that differs only in stalls is changed', (t) => {
  t.is(expectationText({ path: 'tunnel', stalls: true }), '{ path: tunnel, stalls: true }');
  t.is(
    expectationText({ sourceIp: '10.0.0.1', path: 'tunnel', stalls: false }),
    '{ sourceIp: 10.0.0.1, path: tunnel }',
  );
  const text = 'name: x\nchecks:\n  - { from: A, url: "https://a.example/", bytes: 5, expect: { path: tunnel } }\n';
  const stalled = recordExpectations(text, new Map([[0, { path: 'tunnel', stalls: true }]]));
  t.is(stalled.text, text.replace('expect: { path: tunnel }', 'expect: { path: tunnel, stalls: true }'));
  t.is(stalled.changes.length, 1);
  t.is(recordExpectations(text, new Map([[0, { path: 'tunnel', stalls: false }]])).changes.length, 0);
});

test('the resolver of a dns check is recorded, and an expect that differs only in it is changed', (t) => {
  t.is(
    expectationText({ sourceIp: '10.0.0.1', path: 'tunnel', resolver: 'B' }),
    '{ sourceIp: 10.0.0.1, path: tunnel, resolver: B }',
  );
  const text = 'name: x\nchecks:\n  - { from: A, dns: a.example, expect: { path: internet, resolver: internet } }\n';
  const moved = recordExpectations(text, new Map([[0, { path: 'internet', resolver: 'B' }]]));
  t.is(moved.text, text.replace('resolver: internet', 'resolver: B'));
  t.is(recordExpectations(text, new Map([[0, { path: 'internet', resolver: 'internet' }]])).changes.length, 0);
});
