import test from 'ava';
import { readFileSync } from 'node:fs';
import { planLab } from '../lab/lab-plan.ts';
import { parseScenario } from '../wgconf/load-scenario.ts';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import type { ModelInput } from './lab-network.ts';
import { buildNetwork } from './lab-network.ts';
import { NatClock } from './nat-mappings.ts';
import { predictChecks } from './predict-checks.ts';

// The NAT pairs' files (A behind a NAT dials the office B, which has no Endpoint for A), with the NAT's timeout,
// A's keepalive, forwarded ports and the checks changed one at a time.
const dir = new URL('../../fixtures/failures/', import.meta.url).pathname;
const home = readFileSync(`${dir}nat-home.conf`, 'utf8');
const office = readFileSync(`${dir}nat-office.conf`, 'utf8');
const withKeepalive = (seconds: number) =>
  home.replace('AllowedIPs = 10.30.0.2/32', `AllowedIPs = 10.30.0.2/32\nPersistentKeepalive = ${seconds}`);

function lab(nat: string, checks: string[], files: { A?: string; B?: string } = {}, others: string[] = []): ModelInput {
  const scenario = parseScenario(
    [
      'name: t',
      'endpoints:',
      `  A: { publicIp: 198.51.100.40, nat: { address: 192.168.1.2/24${nat} } }`,
      '  B: { publicIp: 203.0.113.30 }',
      ...others.map((other) => `  ${other}`),
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

/** The clock on its own, over the NAT pair's network: the state of A's mapping toward B as a check starts. */
function clockOn(timeout: number | undefined, files: { A?: string; B?: string } = {}, others: string[] = []) {
  const network = buildNetwork(lab(timeout === undefined ? '' : `, udpTimeout: ${timeout}`, [fromA], files, others));
  const clock = new NatClock(new Map([['A', timeout]]));
  const state = (rebound?: string, idle = 0) => clock.mappings(network, rebound, idle).get('A')!.get('B')!;
  return { clock, state };
}

test('NatClock: alive while the last send is surely within the timeout, gone surely past it and the passive keepalive, unknown between', (t) => {
  const { clock, state } = clockOn(8);
  t.like(state(), { state: 'gone', why: 'A has sent nothing to B yet' });
  clock.sent('A', ['B']);
  clock.advance(4);
  t.like(state(), { state: 'alive', why: 'A last sent to B 4–7 s before, within 8 s' });
  clock.advance(0);
  t.is(state().state, 'unknown', '4–10 s: 10 is past 8');
  const edge = clockOn(8);
  edge.clock.sent('A', ['B']);
  edge.clock.advance(5);
  t.is(edge.state().state, 'unknown', '5–8 s: 8 is not within 8');
});

test('NatClock: the boundaries, exactly', (t) => {
  const at = (timeout: number | undefined, idle: number) => {
    const { clock, state } = clockOn(timeout);
    clock.sent('A', ['B']);
    clock.advance(idle);
    return state().state;
  };
  t.is(at(8, 4), 'alive', '4–7 < 8');
  t.is(at(8, 18), 'unknown', '18 is not past 8 + 10');
  t.is(at(8, 19), 'gone', '19 is past 8 + 10');
  t.is(at(undefined, 26), 'alive', 'conntrack keeps 30 s at least: 26–29');
  t.is(at(undefined, 27), 'unknown', '27–30: 30 is not within 30');
  t.is(at(undefined, 130), 'unknown', '130 is not past 120 + 10');
  t.is(at(undefined, 131), 'gone');
});

test('NatClock: forget says the NAT forgot; an undecided check makes gone unknown until a restart', (t) => {
  const { clock, state } = clockOn(8);
  clock.sent('A', ['B']);
  clock.forget('A');
  t.like(state(), { state: 'gone' });
  t.regex(state().why, /the NAT forgot its mappings \(nat-rebind\), and A has sent nothing to B since/);
  clock.undecided('check 2');
  t.is(state().state, 'unknown');
  t.regex(state().why, /unless check 2, which the model could not decide, sent something/);
  clock.undecided('check 3');
  t.regex(state().why, /unless check 2,/, 'the first undecided check is named');
  clock.restarted();
  t.is(state().state, 'gone');
  const other = clockOn(8);
  other.clock.sent('A', ['B']);
  other.clock.forget('B');
  other.clock.advance(4);
  t.is(other.state().state, 'alive', "another endpoint's NAT forgetting leaves A's mapping");
});

test('NatClock under nat-rebind: a keepalive due within the wait maps anew, one due during the check is unknown, later is gone', (t) => {
  const rebound = (keepalive: number, idle: number, before: number) => {
    const { clock, state } = clockOn(undefined, keepalive > 0 ? { A: withKeepalive(keepalive) } : {});
    clock.sent('A', ['B']);
    clock.advance(before);
    return state('A', idle).state;
  };
  t.is(rebound(2, 3, 3), 'alive', 'idle 3 - 1 >= 2');
  t.is(rebound(3, 3, 3), 'unknown', 'idle 3 - 1 < 3, and 3–6 + 6 >= 3');
  t.is(rebound(25, 3, 3), 'gone', '3–6 + 6 < 25');
  t.is(rebound(12, 3, 3), 'unknown', '3–6 + 6 = 12: due as the check ends');
  t.is(rebound(0, 3, 6), 'gone', '6–9 s since the last data: the passive keepalive comes at 10');
  t.is(rebound(0, 3, 3), 'gone', '3–6 s since the last data: no passive keepalive yet');
  t.is(rebound(0, 3, 7), 'unknown', '7–10 s: the passive keepalive may have come');
});

test('NatClock: a keepalive shorter than the timeout keeps it; one as long as the timeout does not; the peer renews only unbroken', (t) => {
  const own = (keepalive: number) => {
    const { clock, state } = clockOn(8, { A: withKeepalive(keepalive) });
    clock.sent('A', ['B']);
    clock.advance(40);
    return state().state;
  };
  t.is(own(7), 'alive');
  t.is(own(8), 'unknown');
  const renewing = office.replace('AllowedIPs = 10.30.0.1/32', 'AllowedIPs = 10.30.0.1/32\nPersistentKeepalive = 7');
  const { clock, state } = clockOn(8, { B: renewing });
  clock.sent('A', ['B']);
  clock.advance(40);
  t.like(state(), { state: 'alive', why: "B's PersistentKeepalive (7 s) renews it within the NAT's 8 s" });
  clock.interrupt();
  t.is(state().state, 'unknown');
  clock.sent('A', ['B']);
  clock.advance(40);
  t.is(state().state, 'alive', 'a new send starts an unbroken stretch');
  const slow = office.replace('AllowedIPs = 10.30.0.1/32', 'AllowedIPs = 10.30.0.1/32\nPersistentKeepalive = 8');
  const late = clockOn(8, { B: slow });
  late.clock.sent('A', ['B']);
  late.clock.advance(40);
  t.is(late.state().state, 'gone', "B's 8 s keepalive cannot keep an 8 s mapping");
});

/** A [Peer] section for a file under test (keys need only be well formed here). */
const peerSection = (key: string, lines: string[]) =>
  `\n[Peer]\nPublicKey = ${key.padEnd(43, 'A')}=\nAllowedIPs = 10.31.${lines.length}.0/24\n${lines.join('\n')}\n`;

test('NatClock: a mapping for each NATed endpoint in the lab toward every other endpoint, never toward itself', (t) => {
  const network = buildNetwork(lab(', udpTimeout: 8', [fromA]));
  const mappings = new NatClock(
    new Map([
      ['A', 8],
      ['Z', 8],
    ]),
  ).mappings(network, undefined, 0);
  t.deepEqual([...mappings.keys()], ['A'], 'Z is no node of the lab');
  t.deepEqual([...mappings.get('A')!.keys()], ['B']);
});

test("NatClock: conntrack's timeout is said as such; an undecided check leaves a live mapping alive", (t) => {
  const { clock, state } = clockOn(undefined);
  clock.sent('A', ['B']);
  clock.advance(27);
  t.like(state(), { state: 'unknown' });
  t.regex(state().why, /the NAT keeps an idle UDP mapping 30–120 s \(conntrack\)/);
  const live = clockOn(8);
  live.clock.sent('A', ['B']);
  live.clock.undecided('check 2');
  t.like(live.state(), { state: 'alive', why: 'A last sent to B 0 s before, within 8 s' });
});

test("NatClock: A's own keepalive maps anew even before A sent anything, and bounds the time since its last packet", (t) => {
  const never = clockOn(8, { A: withKeepalive(5) });
  t.like(never.state(), { state: 'alive', why: "A's PersistentKeepalive (5 s) renews it within the NAT's 8 s" });
  t.like(never.state('A', 3), { state: 'unknown' }, 'rebound: the keepalive may come while the check waits');
  const slow = clockOn(8, { A: withKeepalive(25) });
  slow.clock.sent('A', ['B']);
  slow.clock.advance(40);
  t.like(slow.state(), { state: 'unknown' });
  t.regex(slow.state().why, /the check comes 25 s after A last sent to B/);
  const rebound = (keepalive: number, before: number | undefined) => {
    const { clock, state } = clockOn(undefined, keepalive > 0 ? { A: withKeepalive(keepalive) } : {});
    if (before !== undefined) {
      clock.sent('A', ['B']);
      clock.advance(before);
    }
    return state('A', 3).state;
  };
  t.is(rebound(25, 10), 'gone', '10–13 s + 6 < 25: no keepalive, and a passive one is no keepalive of its own');
  t.is(rebound(0, undefined), 'gone', 'never sent, no keepalive');
});

test("NatClock: A's keepalive toward B is the shortest of its peers that dial B's address with one", (t) => {
  const files = (...sections: string[]) => ({ A: home + sections.join('') });
  const endpointB = 'Endpoint = 203.0.113.30:51821';
  const towardB = clockOn(
    8,
    files(
      peerSection('B1', [endpointB, 'PersistentKeepalive = 5']),
      peerSection('B2', [endpointB, 'PersistentKeepalive = 25']),
      peerSection('N', ['PersistentKeepalive = 3']),
    ),
  );
  towardB.clock.sent('A', ['B']);
  towardB.clock.advance(40);
  t.like(towardB.state(), { state: 'alive', why: "A's PersistentKeepalive (5 s) renews it within the NAT's 8 s" });
  const elsewhere = clockOn(8, files(peerSection('C', ['Endpoint = 192.0.2.3:51820', 'PersistentKeepalive = 5'])), [
    'C: { publicIp: 192.0.2.3 }',
  ]);
  elsewhere.clock.sent('A', ['B']);
  elsewhere.clock.advance(40);
  t.like(elsewhere.state(), { state: 'gone' }, 'a keepalive toward C keeps no mapping toward B');
  const renewing = (extra: string) =>
    office.replace('AllowedIPs = 10.30.0.1/32', `AllowedIPs = 10.30.0.1/32\nPersistentKeepalive = 7`) + extra;
  const peer = clockOn(8, { B: renewing(peerSection('X', ['PersistentKeepalive = 3'])) });
  peer.clock.sent('A', ['B']);
  peer.clock.advance(40);
  t.like(peer.state(), { state: 'alive', why: "B's PersistentKeepalive (7 s) renews it within the NAT's 8 s" });
});
