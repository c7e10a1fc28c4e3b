import test from 'ava';
import { readFileSync } from 'node:fs';
import { planLab } from '../lab/lab-plan.ts';
import { parseScenario } from '../wgconf/load-scenario.ts';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import type { ModelInput } from './lab-network.ts';
import { predictChecks } from './predict-checks.ts';

// The NAT pairs' files (A behind a NAT dials the office B, which has no Endpoint for A), with the NAT's timeout,
// A's keepalive, forwarded ports and the checks changed one at a time.
const dir = new URL('../../fixtures/failures/', import.meta.url).pathname;
const home = readFileSync(`${dir}nat-home.conf`, 'utf8');
const office = readFileSync(`${dir}nat-office.conf`, 'utf8');
const withKeepalive = (seconds: number) =>
  home.replace('AllowedIPs = 10.30.0.2/32', `AllowedIPs = 10.30.0.2/32\nPersistentKeepalive = ${seconds}`);

function lab(nat: string, checks: string[], files: { A?: string; B?: string } = {}): ModelInput {
  const scenario = parseScenario(
    [
      'name: t',
      'endpoints:',
      `  A: { publicIp: 198.51.100.40, nat: { address: 192.168.1.2/24${nat} } }`,
      '  B: { publicIp: 203.0.113.30 }',
      `configs: { A: ${dir}nat-home.conf, B: ${dir}nat-office.conf }`,
      'checks:',
      ...checks.map((check) => `  - ${check}`),
      '',
    ].join('\n'),
  );
  const map = new Map([
    ['A', parseWgConfig(files.A ?? home, 'A.conf')],
    ['B', parseWgConfig(files.B ?? office, 'B.conf')],
  ]);
  return { plan: planLab(scenario, { configs: map, id: 'test' }), configs: map, nodeFiles: {} };
}
const fromA = '{ from: A, url: "http://10.30.0.2/" }';
const fromB = (extra = '') => `{ from: B, url: "http://10.30.0.1/"${extra} }`;
const paths = (input: ModelInput) => predictChecks(input).map((prediction) => prediction.predicted.path);
const reasons = (input: ModelInput) => predictChecks(input).map((prediction) => prediction.reason ?? '');

test("the office reaches A only after A dialed it, while the NAT's mapping lives; after the timeout (and the passive keepalive) it is gone", (t) => {
  const input = lab(', udpTimeout: 8', [
    fromB(),
    fromA,
    fromB(),
    fromB(', idle: 4'),
    fromB(', idle: 16'),
    fromB(', idle: 30'),
  ]);
  t.deepEqual(paths(input), ['none', 'tunnel', 'tunnel', 'tunnel', 'unknown', 'unknown']);
  const why = reasons(input);
  t.regex(why[0]!, /B wg0: peer A has no Endpoint and has not heard from it yet/);
  t.regex(why[4]!, /the check comes 16–19 s after A last sent to B, and the NAT keeps an idle UDP mapping 8 s/);
  t.regex(
    why[5]!,
    /A last sent to B 46–52 s before .*, unless check 5, which the model could not decide, sent something/,
  );
  const later = lab(', udpTimeout: 8', [fromA, fromB(', idle: 30')]);
  t.deepEqual(paths(later), ['tunnel', 'none'], 'after decided checks, a mapping past its time is gone');
  t.regex(reasons(later)[1]!, /no mapping for B's WireGuard packets: A last sent to B 30–33 s before/);
});

test("an office that knows A's public address still finds no mapping before A sent anything", (t) => {
  const dialing = office.replace(
    'AllowedIPs = 10.30.0.1/32',
    'AllowedIPs = 10.30.0.1/32\nEndpoint = 198.51.100.40:51820',
  );
  const input = lab('', [fromB()], { B: dialing });
  t.deepEqual(paths(input), ['none']);
  t.regex(
    reasons(input)[0]!,
    /the NAT in front of A has no mapping for B's WireGuard packets: A has sent nothing to B yet/,
  );
});

test('PersistentKeepalive shorter than the NAT timeout keeps the mapping through any wait; a longer one may not', (t) => {
  t.deepEqual(paths(lab(', udpTimeout: 8', [fromB(', idle: 40')], { A: withKeepalive(5) })), ['tunnel']);
  t.deepEqual(paths(lab(', udpTimeout: 8', [fromB(', idle: 40')], { A: withKeepalive(25) })), ['unknown']);
  t.deepEqual(
    paths(lab('', [fromB(', idle: 200')], { A: withKeepalive(25) })),
    ['tunnel'],
    "conntrack's own timeout is 30 s at least",
  );
  t.deepEqual(paths(lab('', [fromA, fromB(', idle: 20')])), ['tunnel', 'tunnel'], 'within 30 s');
  t.deepEqual(paths(lab('', [fromA, fromB(', idle: 60')])), ['tunnel', 'unknown'], 'between 30 and 120 s');
  t.deepEqual(
    paths(lab('', [fromA, fromB(', idle: 140')])),
    ['tunnel', 'none'],
    'past 120 s and the passive keepalive',
  );
});

test("the office's own PersistentKeepalive renews a live mapping, but cannot make one", (t) => {
  const keeping = office.replace('AllowedIPs = 10.30.0.1/32', 'AllowedIPs = 10.30.0.1/32\nPersistentKeepalive = 3');
  t.deepEqual(paths(lab(', udpTimeout: 8', [fromA, fromB(', idle: 40')], { B: keeping })), ['tunnel', 'tunnel']);
  t.deepEqual(paths(lab(', udpTimeout: 8', [fromB(', idle: 40')], { B: keeping })), ['none']);
});

test('nat-rebind: the office is cut off until A sends again; a keepalive due within the wait has done so', (t) => {
  const rebind = (extra: string) => fromB(`, fault: { kind: nat-rebind, node: A }${extra}`);
  t.deepEqual(paths(lab('', [fromA, rebind(', idle: 3')])), ['tunnel', 'none']);
  t.regex(reasons(lab('', [fromA, rebind(', idle: 3')]))[1]!, /nat-rebind\), and A has sent nothing to B since/);
  t.deepEqual(paths(lab('', [fromA, rebind(', idle: 3')], { A: withKeepalive(2) })), ['tunnel', 'tunnel']);
  t.deepEqual(paths(lab('', [fromA, rebind(', idle: 3')], { A: withKeepalive(5) })), ['tunnel', 'unknown']);
  t.deepEqual(paths(lab('', [fromA, rebind(', idle: 3')], { A: withKeepalive(25) })), ['tunnel', 'none']);
  t.deepEqual(paths(lab('', [fromA, rebind(', idle: 12')])), ['tunnel', 'unknown'], 'a passive keepalive may have');
  t.deepEqual(
    paths(lab('', [fromA, rebind(', idle: 3'), fromB()])),
    ['tunnel', 'none', 'none'],
    "the fault's undo flushes the mappings again, and WireGuard's restart makes the office forget A",
  );
});

test('a forwarded UDP port lets the office in without a mapping; nothing else from outside gets in', (t) => {
  const dialing = office.replace(
    'AllowedIPs = 10.30.0.1/32',
    'AllowedIPs = 10.30.0.1/32\nEndpoint = 198.51.100.40:51820',
  );
  t.deepEqual(paths(lab(', forward: [51820]', [fromB()], { B: dialing })), ['tunnel']);
  const clear = '{ from: B, url: "http://198.51.100.40/" }';
  const input = lab(', forward: [51820]', [clear]);
  t.deepEqual(paths(input), ['none']);
  t.regex(
    reasons(input)[0]!,
    /the NAT in front of A drops it: nothing inside opened this connection \(it forwards UDP 51820 only\)/,
  );
  t.deepEqual(paths(lab('', ['{ from: A, url: "http://203.0.113.30/" }'])), ['internet'], 'answers to A get back');
});

test("the office's keepalive renews A's mapping only while it has run without a break: after a fault it may have stopped", (t) => {
  const keeping = office.replace(
    'AllowedIPs = 10.30.0.1/32',
    'AllowedIPs = 10.30.0.1/32\nEndpoint = 198.51.100.40:51820\nPersistentKeepalive = 3',
  );
  const blocked = '{ from: A, url: "http://10.30.0.2/", fault: wireguard-blocked, idle: 40 }';
  t.deepEqual(paths(lab(', udpTimeout: 8', [fromA, fromB(', idle: 40')], { B: keeping })), ['tunnel', 'tunnel']);
  const input = lab(', udpTimeout: 8', [fromA, blocked, fromB(', idle: 40')], { B: keeping });
  t.deepEqual(paths(input), ['tunnel', 'none', 'unknown']);
  t.regex(reasons(input)[2]!, /B's WireGuard restarted since A last sent/);
});
