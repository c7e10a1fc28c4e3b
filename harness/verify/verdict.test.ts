import test from 'ava';
import { readFileSync } from 'node:fs';
import { parseAccessLogLine, type AccessLogEntry } from '../evidence/access-log.ts';
import type { CapturePoint } from '../evidence/flows.ts';
import { readPcap, type Packet } from '../evidence/pcap.ts';
import type { Check } from '../scenario/scenario.ts';
import { decideVerdict, type Evidence, type RequestResult } from './verdict.ts';

// Evidence built by hand, one rule per test: A (10.0.0.1, wg0) asks B (203.0.113.2:443) from client port 40000;
// C (192.0.2.3) asks B from its own port; WireGuard runs between 51821 and 51822. The last tests use real captures.
const check = (path: NonNullable<Check['expect']>['path'], sourceIp?: string): Check => ({
  from: 'A',
  url: 'https://app.example.com/',
  insecure: false,
  expect: { path, sourceIp },
});
const entry = (remoteAddr: string): AccessLogEntry =>
  parseAccessLogLine(
    `${remoteAddr} - - [24/Nov/2026:18:20:22 +0000] "GET / HTTP/1.1" 200 95 "-" "curl/7.88.1" wglab_request=t1`,
  )!;
const packet = (src: string, srcPort: number, dst: string, dstPort: number, fields: Partial<Packet> = {}): Packet => ({
  time: 0,
  seconds: 0,
  nanos: 0,
  length: 60,
  ipVersion: src.includes(':') ? 6 : 4,
  src,
  dst,
  protocol: 6,
  srcPort,
  dstPort,
  ...fields,
});
/** A conversation as a capture point sees it: `count` packets each way; at the router each one in and out. */
function conversation(
  client: string,
  clientPort: number,
  server: string,
  serverPort: number,
  count: number,
  fields: Partial<Packet> = {},
): Packet[] {
  return Array.from({ length: count }, () => [
    packet(client, clientPort, server, serverPort, fields),
    packet(server, serverPort, client, clientPort, fields),
  ]).flat();
}
const forwarded = (packets: Packet[]) =>
  packets.flatMap((one) => [
    { ...one, direction: 'in' as const },
    { ...one, direction: 'out' as const },
  ]);
const aOnWg0 = conversation('10.0.0.1', 40000, '203.0.113.2', 443, 3);
const aInClear = forwarded(conversation('198.51.100.1', 40000, '203.0.113.2', 443, 2));
const cInClear = forwarded(conversation('192.0.2.3', 50000, '203.0.113.2', 443, 1));
const wireguardUdp = forwarded(conversation('198.51.100.1', 51821, '203.0.113.2', 51822, 2, { protocol: 17 }));
const dns = forwarded([packet('198.51.100.1', 38000, '192.0.2.53', 53, { protocol: 17 })]);

const router = (...packets: Packet[][]): CapturePoint => ({
  label: 'internet',
  node: 'internet',
  iface: 'any',
  packets: packets.flat(),
});
const wg0 = (node: string, ...packets: Packet[][]): CapturePoint => ({
  label: `${node} wg0`,
  node,
  iface: 'wg0',
  packets: packets.flat(),
});

interface Given {
  request?: Partial<RequestResult>;
  log?: AccessLogEntry[];
  captures: CapturePoint[];
}
function evidence({ request = {}, log = [entry('10.0.0.1')], captures }: Given): Evidence {
  return {
    request: { exitCode: 0, httpStatus: 200, localPort: 40000, ...request },
    serverPort: 443,
    logEntries: log,
    captures,
    wireguardPorts: [51821, 51822],
  };
}
const failed = { exitCode: 28, httpStatus: undefined, error: 'Connection timed out after 1001 milliseconds' };
const logLine = entry('10.0.0.1').line;

test("tunnel: the request's TCP on a wg0, and at the router only WireGuard UDP and other clients' TCP", (t) => {
  const verdict = decideVerdict(
    check('tunnel', '10.0.0.1'),
    evidence({ captures: [router(wireguardUdp, cInClear), wg0('A', aOnWg0), wg0('B')] }),
  );
  t.deepEqual(verdict, {
    observed: { path: 'tunnel', sourceIp: '10.0.0.1', httpStatus: 200 },
    pass: true,
    reasons: [],
    seen: [
      "internet: none of the request's TCP, WireGuard UDP (4 packets); other: TCP 192.0.2.3:50000 → 203.0.113.2:443 (2 packets)",
      "A wg0: the request's TCP (6 packets)",
      "B wg0: none of the request's TCP",
    ],
  });
});

test("tunnel on the far end's wg0 only still is the tunnel", (t) => {
  const verdict = decideVerdict(
    check('internet'),
    evidence({ captures: [router(wireguardUdp), wg0('A'), wg0('B', aOnWg0)] }),
  );
  t.is(verdict.observed.path, 'tunnel');
  t.deepEqual(verdict.reasons, [
    "expected path internet, observed tunnel: the request's TCP was on B wg0 and the internet carried none of it in clear",
  ]);
});

test("internet: the request's TCP in clear at the router, each forwarded packet counted once, and on no wg0", (t) => {
  const verdict = decideVerdict(
    check('tunnel', '198.51.100.1'),
    evidence({ log: [entry('198.51.100.1')], captures: [router(aInClear, wireguardUdp), wg0('A')] }),
  );
  t.deepEqual(verdict.observed, { path: 'internet', sourceIp: '198.51.100.1', httpStatus: 200 });
  t.deepEqual(verdict.reasons, [
    "expected path tunnel, observed internet: the request's TCP crossed the internet in clear (4 packets at the router) and no wg0 saw it",
  ]);
  t.deepEqual(verdict.seen, [
    "internet: the request's TCP (4 packets), WireGuard UDP (4 packets)",
    "A wg0: none of the request's TCP",
  ]);
  t.false(verdict.pass);
});

test("both: the request's TCP on a wg0 and in clear at the router", (t) => {
  const verdict = decideVerdict(
    check('tunnel'),
    evidence({ captures: [router(aInClear), wg0('A', aOnWg0), wg0('B', aOnWg0)] }),
  );
  t.is(verdict.observed.path, 'both');
  t.deepEqual(verdict.reasons, [
    "expected path tunnel, observed both: the request's TCP was both on A wg0 and B wg0 and in clear at the router (4 packets)",
  ]);
  t.false(verdict.pass);
});

test("unclear: curl got an answer and nginx logged it, but no capture point saw the request's TCP", (t) => {
  const verdict = decideVerdict(check('tunnel'), evidence({ captures: [router(wireguardUdp), wg0('A')] }));
  t.is(verdict.observed.path, 'unclear');
  t.deepEqual(verdict.reasons, [
    'expected path tunnel, observed unclear: nginx logged the request but no capture point saw its TCP',
  ]);
});

test('none: curl failed and nginx logged nothing', (t) => {
  // A connect timeout: curl had no connection, so no client port (0), only the ports it was given.
  const verdict = decideVerdict(
    check('none'),
    evidence({
      request: { ...failed, localPort: 0, localPorts: { from: 40000, to: 40009 } },
      log: [],
      captures: [router(), wg0('A')],
    }),
  );
  t.deepEqual(verdict.observed, { path: 'none', sourceIp: undefined, httpStatus: undefined });
  t.true(verdict.pass);
  t.deepEqual(verdict.reasons, []);
});

test('none is decided by curl and the log together, whatever packets left: SYNs on wg0 that got no answer', (t) => {
  const syn = [packet('10.0.0.1', 40000, '203.0.113.2', 443, { tcpFlags: 'S' })];
  const verdict = decideVerdict(
    check('tunnel', '10.0.0.1'),
    evidence({
      request: { ...failed, localPort: 0, localPorts: { from: 40000, to: 40009 } },
      log: [],
      captures: [router(), wg0('A', syn)],
    }),
  );
  t.is(verdict.observed.path, 'none');
  t.deepEqual(verdict.reasons, [
    'expected path tunnel, observed none: curl failed (exit 28: Connection timed out after 1001 milliseconds) and nginx logged nothing',
    'expected the server to log 10.0.0.1, but it logged no line for this request',
  ]);
  t.deepEqual(verdict.seen, [
    'internet: no TCP from ports 40000-40009 to port 443',
    'A wg0: TCP from ports 40000-40009 to port 443 (1 packet)',
  ]);
});

test('curl failed without a message: the exit code alone', (t) => {
  const verdict = decideVerdict(
    check('tunnel'),
    evidence({ request: { exitCode: 7, httpStatus: undefined }, log: [], captures: [router()] }),
  );
  t.deepEqual(verdict.reasons, ['expected path tunnel, observed none: curl failed (exit 7) and nginx logged nothing']);
});

test('unclear, not none: curl failed but nginx logged the request', (t) => {
  const verdict = decideVerdict(
    check('none'),
    evidence({ request: failed, captures: [router(wireguardUdp), wg0('A', aOnWg0)] }),
  );
  t.is(verdict.observed.path, 'unclear');
  t.deepEqual(verdict.reasons, [
    `expected path none, observed unclear: curl failed (exit 28: Connection timed out after 1001 milliseconds), yet nginx logged the request: ${logLine}`,
  ]);
  t.false(verdict.pass);
});

test('unclear, not tunnel: curl got an answer but nginx logged no line for it', (t) => {
  const verdict = decideVerdict(
    check('tunnel'),
    evidence({ log: [], captures: [router(wireguardUdp), wg0('A', aOnWg0)] }),
  );
  t.is(verdict.observed.path, 'unclear');
  t.deepEqual(verdict.reasons, [
    'expected path tunnel, observed unclear: curl got an answer (HTTP 200), yet nginx logged no line for this request',
  ]);
  const noStatus = decideVerdict(
    check('none'),
    evidence({ request: { httpStatus: undefined }, log: [], captures: [router()] }),
  );
  t.deepEqual(noStatus.reasons, [
    'expected path none, observed unclear: curl got an answer, yet nginx logged no line for this request',
  ]);
});

test("unclear without the router's capture: nothing shows whether the request crossed the internet in clear", (t) => {
  const missing = decideVerdict(check('tunnel'), evidence({ captures: [wg0('A', aOnWg0)] }));
  t.is(missing.observed.path, 'unclear');
  t.deepEqual(missing.reasons, [
    'expected path tunnel, observed unclear: the router was not captured, so nothing shows whether the request crossed the internet in clear',
  ]);
  const absent = decideVerdict(
    check('tunnel'),
    evidence({ captures: [{ ...router(aInClear), absent: 'tcpdump failed' }, wg0('A', aOnWg0)] }),
  );
  t.deepEqual(absent.reasons, [
    'expected path tunnel, observed unclear: the router was not captured (tcpdump failed), so nothing shows whether the request crossed the internet in clear',
  ]);
  t.deepEqual(absent.seen, ['internet: not captured (tcpdump failed)', "A wg0: the request's TCP (6 packets)"]);
});

test('a capture point marked not captured is no evidence, whatever packets it holds', (t) => {
  const verdict = decideVerdict(
    check('internet'),
    evidence({
      log: [entry('198.51.100.1')],
      captures: [
        router(aInClear),
        { ...wg0('A', conversation('198.51.100.1', 40000, '203.0.113.2', 443, 1)), absent: 'wg0 is down on A' },
      ],
    }),
  );
  t.is(verdict.observed.path, 'internet');
  t.deepEqual(verdict.seen, ["internet: the request's TCP (4 packets)", 'A wg0: not captured (wg0 is down on A)']);
});

test('only a wg0 is the tunnel, and only the capture labelled internet is the router', (t) => {
  const bEth0: CapturePoint = { label: 'B eth0', node: 'B', iface: 'eth0', packets: aOnWg0 };
  t.is(decideVerdict(check('tunnel'), evidence({ captures: [router(), bEth0] })).observed.path, 'unclear');
  const otherAny: CapturePoint = { ...router(aInClear), label: 'B any', node: 'B' };
  t.is(decideVerdict(check('tunnel'), evidence({ captures: [otherAny, wg0('A', aOnWg0)] })).observed.path, 'unclear');
});

test("the router's capture is filtered by the client port: another client's TCP in clear does not make it both", (t) => {
  const verdict = decideVerdict(check('tunnel'), evidence({ captures: [router(cInClear), wg0('A', aOnWg0)] }));
  t.is(verdict.observed.path, 'tunnel');
});

test("with no client port from curl (0: no connection), any TCP on the server port is the request's, and called TCP on that port", (t) => {
  const verdict = decideVerdict(
    check('none'),
    evidence({
      request: { ...failed, localPort: 0 },
      log: [],
      captures: [router(cInClear, wireguardUdp), wg0('A', aOnWg0)],
    }),
  );
  t.is(verdict.observed.path, 'none');
  t.deepEqual(verdict.seen, [
    'internet: TCP on port 443 (2 packets), WireGuard UDP (4 packets)',
    'A wg0: TCP on port 443 (6 packets)',
  ]);
  const unknown = decideVerdict(
    check('none'),
    evidence({ request: { ...failed, localPort: undefined }, log: [], captures: [router(cInClear), wg0('A')] }),
  );
  t.deepEqual(unknown.seen, ['internet: TCP on port 443 (2 packets)', 'A wg0: no TCP on port 443']);
});

test("concurrent requests: a request that never connected is judged by the client ports it was given, not by others' TCP", (t) => {
  // C's request (ports 50000-50009) ran at the same time as A's (40000), which took the tunnel: C's own got nowhere.
  const given = { from: 50000, to: 50009 };
  const cNone = decideVerdict(
    { ...check('none'), from: 'C' },
    evidence({
      request: { ...failed, localPort: 0, localPorts: given },
      log: [],
      captures: [router(wireguardUdp), wg0('A', aOnWg0)],
    }),
  );
  t.is(cNone.observed.path, 'none');
  t.deepEqual(cNone.seen, [
    'internet: no TCP from ports 50000-50009 to port 443, WireGuard UDP (4 packets)',
    'A wg0: no TCP from ports 50000-50009 to port 443; other: TCP 10.0.0.1:40000 → 203.0.113.2:443 (6 packets)',
  ]);
  // C's request connected in clear from 50000 while A's took the tunnel: each is judged on its own packets.
  const cInternet = decideVerdict(
    { ...check('internet', '192.0.2.3'), from: 'C' },
    evidence({
      request: { localPort: 50000, localPorts: given },
      log: [entry('192.0.2.3')],
      captures: [router(cInClear, wireguardUdp), wg0('A', aOnWg0)],
    }),
  );
  t.is(cInternet.observed.path, 'internet');
  const aTunnel = decideVerdict(
    check('tunnel', '10.0.0.1'),
    evidence({
      request: { localPort: 40000, localPorts: { from: 40000, to: 40009 } },
      captures: [router(cInClear, wireguardUdp), wg0('A', aOnWg0)],
    }),
  );
  t.is(aTunnel.observed.path, 'tunnel');
  // Negative control: the same evidence without the client port and its range takes C's packets for A's.
  const blind = decideVerdict(
    check('tunnel', '10.0.0.1'),
    evidence({ request: { localPort: undefined }, captures: [router(cInClear, wireguardUdp), wg0('A', aOnWg0)] }),
  );
  t.is(blind.observed.path, 'both');
});

test('a timeout after the TCP connection was made is unclear, not none: the path answered, curl gave up too soon', (t) => {
  const slow = decideVerdict(
    check('none'),
    evidence({
      request: { ...failed, error: 'Connection timed out after 251 milliseconds', localPort: 40000 },
      log: [],
      captures: [router(), wg0('A', aOnWg0)],
    }),
  );
  t.is(slow.observed.path, 'unclear');
  t.deepEqual(slow.reasons, [
    'expected path none, observed unclear: curl failed (exit 28: Connection timed out after 251 milliseconds) after its TCP connection was made (client port 40000): the path answered, more slowly than curl waited',
  ]);
  // Without a connection, or failing otherwise after one (TLS refused), it stays none.
  t.is(
    decideVerdict(check('none'), evidence({ request: { ...failed, localPort: 0 }, log: [], captures: [router()] }))
      .observed.path,
    'none',
  );
  t.is(
    decideVerdict(
      check('none'),
      evidence({ request: { ...failed, exitCode: 60, localPort: 40000 }, log: [], captures: [router()] }),
    ).observed.path,
    'none',
  );
  t.is(
    decideVerdict(
      check('none'),
      evidence({
        request: { ...failed, exitCode: 28, localPort: 40000 },
        log: [entry('10.0.0.1')],
        captures: [router(), wg0('A', aOnWg0)],
      }),
    ).observed.path,
    'unclear',
    'logged: unclear as before',
  );
});

test('source IP: what nginx logged, never where curl connected', (t) => {
  const verdict = decideVerdict(
    check('tunnel', '10.0.0.1'),
    evidence({ request: { remoteIp: '203.0.113.2', remotePort: 443 }, captures: [router(), wg0('A', aOnWg0)] }),
  );
  t.is(verdict.observed.sourceIp, '10.0.0.1');
  t.true(verdict.pass);
  const unlogged = decideVerdict(
    check('tunnel', '203.0.113.2'),
    evidence({ request: { remoteIp: '203.0.113.2' }, log: [], captures: [router(), wg0('A', aOnWg0)] }),
  );
  t.is(unlogged.observed.sourceIp, undefined);
  t.deepEqual(unlogged.reasons.slice(1), [
    'expected the server to log 203.0.113.2, but it logged no line for this request',
  ]);
});

test('source IP: a check can fail on it alone, the path being right', (t) => {
  const verdict = decideVerdict(check('tunnel', '198.51.100.1'), evidence({ captures: [router(), wg0('A', aOnWg0)] }));
  t.is(verdict.observed.path, 'tunnel');
  t.false(verdict.pass);
  t.deepEqual(verdict.reasons, [`expected the server to log 198.51.100.1, it logged 10.0.0.1: ${logLine}`]);
});

test('source IP: without an expected one, whatever nginx logged passes', (t) => {
  const verdict = decideVerdict(check('tunnel'), evidence({ captures: [router(), wg0('A', aOnWg0)] }));
  t.true(verdict.pass);
  t.is(verdict.observed.sourceIp, '10.0.0.1');
});

test('without an expectation (a check to record), nothing fails but a request logged more than once', (t) => {
  const unexpected: Check = { from: 'A', url: 'https://app.example.com/', insecure: false };
  const verdict = decideVerdict(unexpected, evidence({ captures: [router(aInClear), wg0('A', aOnWg0)] }));
  t.deepEqual(verdict.observed, { path: 'both', sourceIp: '10.0.0.1', httpStatus: 200 });
  t.deepEqual(verdict.reasons, []);
  t.true(verdict.pass);
  const twice = decideVerdict(
    unexpected,
    evidence({ log: [entry('10.0.0.1'), entry('10.0.0.1')], captures: [router(), wg0('A', aOnWg0)] }),
  );
  t.deepEqual(twice.reasons, ['nginx logged this request 2 times (from 10.0.0.1, 10.0.0.1)']);
});

test('a request nginx logged more than once fails, naming how often and from where', (t) => {
  const verdict = decideVerdict(
    check('tunnel', '10.0.0.1'),
    evidence({ log: [entry('10.0.0.1'), entry('198.51.100.1')], captures: [router(), wg0('A', aOnWg0)] }),
  );
  t.false(verdict.pass);
  t.is(verdict.observed.sourceIp, '10.0.0.1');
  t.deepEqual(verdict.reasons, ['nginx logged this request 2 times (from 10.0.0.1, 198.51.100.1)']);
});

test("seen: when a point missed the request, its two busiest other conversations, never WireGuard's", (t) => {
  const verdict = decideVerdict(
    check('tunnel'),
    evidence({
      captures: [
        router(wireguardUdp, dns, cInClear, forwarded(conversation('198.51.100.1', 40001, '203.0.113.2', 80, 2))),
      ],
    }),
  );
  t.deepEqual(verdict.seen, [
    "internet: none of the request's TCP, WireGuard UDP (4 packets); other: TCP 198.51.100.1:40001 → 203.0.113.2:80 (4 packets), TCP 192.0.2.3:50000 → 203.0.113.2:443 (2 packets)",
  ]);
  const onlyDns = decideVerdict(check('tunnel'), evidence({ captures: [router(dns)] }));
  t.deepEqual(onlyDns.seen, [
    "internet: none of the request's TCP; other: UDP 198.51.100.1:38000 → 192.0.2.53:53 (1 packet)",
  ]);
});

test('IPv6: the same rules over fd00:: addresses', (t) => {
  const onWg0 = conversation('fd00::1', 40000, 'fd00:b::2', 443, 1);
  const wireguard = forwarded(conversation('2001:db8::1', 51821, '2001:db8::2', 51822, 1, { protocol: 17 }));
  const other = forwarded(conversation('2001:db8::3', 50000, 'fd00:b::2', 443, 1));
  const tunnel = decideVerdict(
    check('tunnel', 'fd00::1'),
    evidence({ log: [entry('fd00::1')], captures: [router(wireguard, other), wg0('A', onWg0)] }),
  );
  t.deepEqual(tunnel.observed, { path: 'tunnel', sourceIp: 'fd00::1', httpStatus: 200 });
  t.deepEqual(tunnel.seen, [
    "internet: none of the request's TCP, WireGuard UDP (2 packets); other: TCP [2001:db8::3]:50000 → [fd00:b::2]:443 (2 packets)",
    "A wg0: the request's TCP (2 packets)",
  ]);
  const clear = forwarded(conversation('2001:db8::1', 40000, 'fd00:b::2', 443, 1));
  t.is(
    decideVerdict(check('internet'), evidence({ log: [entry('2001:db8::1')], captures: [router(clear), wg0('A')] }))
      .observed.path,
    'internet',
  );
});

// Real captures of one lab run (fixtures/pcap): A's request went through the tunnel (on wg0), C's over the internet.
const realWg0 = readPcap(readFileSync('fixtures/pcap/wg0-raw.pcap')).packets;
const realRouter = readPcap(readFileSync('fixtures/pcap/router-any-sll2-nano.pcap')).packets;
const portOf = (packets: Packet[], client: string) =>
  packets.find((one) => one.src === client && one.dstPort === 443)!.srcPort!;
const real = (localPort: number, remoteAddr: string, captures: CapturePoint[]): Evidence => ({
  request: { exitCode: 0, httpStatus: 200, localPort },
  serverPort: 443,
  logEntries: [entry(remoteAddr)],
  captures,
  wireguardPorts: [51821, 51822],
});
const realPoint = (label: string, packets: Packet[]): CapturePoint => ({
  label,
  node: label.split(' ')[0]!,
  iface: label === 'internet' ? 'any' : 'wg0',
  packets,
});

test('real captures: A through the tunnel while C crossed the router in clear', (t) => {
  const verdict = decideVerdict(
    check('tunnel', '10.0.0.1'),
    real(portOf(realWg0, '10.0.0.1'), '10.0.0.1', [realPoint('internet', realRouter), realPoint('A wg0', realWg0)]),
  );
  t.deepEqual(verdict.observed, { path: 'tunnel', sourceIp: '10.0.0.1', httpStatus: 200 });
  t.true(verdict.pass);
  t.is(verdict.seen[1], "A wg0: the request's TCP (19 packets)");
  t.regex(
    verdict.seen[0]!,
    /^internet: none of the request's TCP, WireGuard UDP \(18 packets\); other: TCP 192\.0\.2\.3:\d+ → 203\.0\.113\.2:443/,
  );
});

test('real captures: C over the internet, each forwarded packet counted once', (t) => {
  const verdict = decideVerdict(
    check('internet', '192.0.2.3'),
    real(portOf(realRouter, '192.0.2.3'), '192.0.2.3', [
      realPoint('internet', realRouter),
      realPoint('A wg0', realWg0),
    ]),
  );
  t.deepEqual(verdict.observed, { path: 'internet', sourceIp: '192.0.2.3', httpStatus: 200 });
  t.true(verdict.pass);
  const inLines = readFileSync('fixtures/pcap/router-any-sll2-nano.txt', 'utf8')
    .split('\n')
    .filter((line) => / In .*\.443[ :]/.test(line)).length;
  t.is(verdict.seen[0], `internet: the request's TCP (${inLines} packets), WireGuard UDP (18 packets)`);
});

test('a LAN capture point is not the tunnel, whatever its interface is called; a tunnel is one by its role', (t) => {
  const lan: CapturePoint = { label: 'A LAN', node: 'A', iface: 'wg-lan', role: 'lan', packets: aOnWg0 };
  t.is(decideVerdict(check('tunnel'), evidence({ captures: [router(), lan] })).observed.path, 'unclear');
  const named: CapturePoint = { label: 'A office', node: 'A', iface: 'office', role: 'tunnel', packets: aOnWg0 };
  t.is(decideVerdict(check('tunnel'), evidence({ captures: [router(), named] })).observed.path, 'tunnel');
});

// An exit peer: A sends through the tunnel to B, which forwards to C (192.0.2.3:443) under its own address.
const exitEvidence = (clear: Packet[], more: Partial<Evidence> = {}) => ({
  ...evidence({
    log: [entry('203.0.113.2')],
    captures: [
      router(wireguardUdp, clear),
      wg0('A', conversation('10.0.0.1', 40000, '192.0.2.3', 443, 3)),
      wg0('B', conversation('10.0.0.1', 40000, '192.0.2.3', 443, 3)),
    ],
  }),
  fromEndpoint: 'A',
  publicAddresses: [
    { node: 'A', address: '198.51.100.1' },
    { node: 'B', address: '203.0.113.2' },
  ],
  ...more,
});
const fromExit = forwarded(conversation('203.0.113.2', 40000, '192.0.2.3', 443, 2));
const fromA = forwarded(conversation('198.51.100.1', 40000, '192.0.2.3', 443, 1));

test('tunnel, not both: clear packets at the router only from the exit peer that carried the request in its tunnel', (t) => {
  const verdict = decideVerdict(check('tunnel', '203.0.113.2'), exitEvidence(fromExit));
  t.deepEqual(verdict.observed, { path: 'tunnel', sourceIp: '203.0.113.2', httpStatus: 200 });
  t.true(verdict.pass);
  const flipped = decideVerdict(check('internet', '203.0.113.2'), exitEvidence(fromExit));
  t.deepEqual(flipped.reasons, [
    "expected path internet, observed tunnel: the request's TCP was on A wg0 and B wg0 and left the tunnel at B: the internet carried it in clear only from B's address 203.0.113.2 (4 packets), after the tunnel",
  ]);
});

test("both, still: clear packets from the client's own address beside the exit's, or an exit whose tunnel never saw it", (t) => {
  t.is(decideVerdict(check('tunnel'), exitEvidence([...fromExit, ...fromA])).observed.path, 'both');
  // The sender's own endpoint is never its exit, even when its tunnel carried the request.
  t.is(decideVerdict(check('tunnel'), exitEvidence(fromExit, { fromEndpoint: 'B' })).observed.path, 'both');
  // Without the nodes' addresses nothing is an exit.
  t.is(decideVerdict(check('tunnel'), exitEvidence(fromExit, { publicAddresses: [] })).observed.path, 'both');
  // B's address, but B's tunnel did not carry the request: A's wg0 alone did.
  const onlyA = exitEvidence(fromExit);
  onlyA.captures = onlyA.captures.filter((capture) => capture.label !== 'B wg0');
  t.is(decideVerdict(check('tunnel'), onlyA).observed.path, 'both');
});

// A transfer of 2000000 bytes from C (192.0.2.3:443) to A through the tunnel and its exit B; the router saw 1500-byte
// packets, B's ICMP "fragmentation needed" and the largest that reached A's wg0 was 935 bytes.
const transferCheck = (stalls?: boolean): Check => ({
  ...check('tunnel'),
  bytes: 2_000_000,
  expect: { path: 'tunnel', ...(stalls === undefined ? {} : { stalls }) },
});
const big = (src: string, dst: string, ipLength: number) => packet(src, 443, dst, 40000, { ipLength });
const stallEvidence = (request: Partial<RequestResult>, more: Partial<Evidence> = {}) => ({
  ...evidence({
    request,
    log: [],
    captures: [
      router(wireguardUdp, forwarded([big('192.0.2.3', '203.0.113.2', 1500)]), [
        packet('203.0.113.2', 0, '192.0.2.3', 0, { protocol: 1, icmp: { type: 3, code: 4, mtu: 1420 } }),
      ]),
      wg0('A', conversation('10.0.0.1', 40000, '192.0.2.3', 443, 2), [big('192.0.2.3', '10.0.0.1', 935)]),
      wg0('B', conversation('10.0.0.1', 40000, '192.0.2.3', 443, 2)),
    ],
  }),
  clientPoint: 'A wg0',
  fromEndpoint: 'A',
  publicAddresses: [{ node: 'B', address: '203.0.113.2' }],
  ...more,
});
const tooSlow = { exitCode: 28, httpStatus: undefined, error: 'Operation too slow', bytesReceived: 0 };

test('a transfer that connects and then stops short is a stall, on the path its packets took', (t) => {
  const verdict = decideVerdict(transferCheck(true), stallEvidence(tooSlow));
  t.deepEqual(verdict.observed, { path: 'tunnel', sourceIp: undefined, httpStatus: undefined, stalls: true, bytes: 0 });
  t.true(verdict.pass);
  const unexpected = decideVerdict(transferCheck(false), stallEvidence({ ...tooSlow, bytesReceived: 1200 }));
  t.false(unexpected.pass);
  t.deepEqual(unexpected.reasons, [
    'the transfer stalled: 1200 of 2000000 bytes arrived before curl gave up (Operation too slow); the largest packet of the answer that got through was 935 bytes; larger ones stopped after internet (up to 1500 bytes as captured there); ICMP size errors: 1 at internet (MTU 1420)',
  ]);
  // Left out, stalls means false: the transfer must complete.
  t.false(decideVerdict(transferCheck(), stallEvidence(tooSlow)).pass);
});

test('a completed transfer passes unless it was expected to stall; a short but successful one fails', (t) => {
  const done = { exitCode: 0, httpStatus: 200, bytesReceived: 2_000_000 };
  const evidenceDone = stallEvidence(done, { logEntries: [entry('10.0.0.1')] });
  const complete = decideVerdict(transferCheck(false), evidenceDone);
  t.deepEqual(complete.observed, {
    path: 'tunnel',
    sourceIp: '10.0.0.1',
    httpStatus: 200,
    stalls: false,
    bytes: 2_000_000,
  });
  t.true(complete.pass);
  t.deepEqual(decideVerdict(transferCheck(true), evidenceDone).reasons, [
    'expected the transfer to stall, and all 2000000 bytes arrived',
  ]);
  t.deepEqual(
    decideVerdict(
      transferCheck(false),
      stallEvidence({ ...done, bytesReceived: 5 }, { logEntries: [entry('10.0.0.1')] }),
    ).reasons,
    ['the server was asked for 2000000 bytes and 5 arrived'],
  );
  // No connection at all is no stall: curl never had a client port.
  const refused = decideVerdict(
    transferCheck(true),
    stallEvidence({ exitCode: 7, httpStatus: undefined, localPort: undefined, error: 'Connection refused' }),
  );
  t.is(refused.observed.stalls, false);
  t.deepEqual(refused.reasons, [
    'expected path tunnel, observed none: curl failed (exit 7: Connection refused) and nginx logged nothing',
  ]);
  // Refused after nginx logged it (unclear): still no stall, and the reason says there was no connection.
  const odd = decideVerdict(
    transferCheck(true),
    stallEvidence(
      { exitCode: 7, httpStatus: undefined, localPort: undefined, error: 'Connection refused' },
      { logEntries: [entry('10.0.0.1')] },
    ),
  );
  t.deepEqual(odd.reasons.slice(-1), [
    'expected the transfer to stall, and it made no connection: curl failed (exit 7: Connection refused)',
  ]);
});

test('a stall whose packets were in the tunnel and in clear from the client is both; in clear alone, internet', (t) => {
  const leak = stallEvidence(tooSlow);
  leak.captures = [...leak.captures, { ...router(forwarded([big('192.0.2.3', '198.51.100.1', 1500)])), label: 'x' }];
  leak.captures[0] = router(wireguardUdp, forwarded([big('192.0.2.3', '198.51.100.1', 1500)]));
  t.is(decideVerdict(transferCheck(true), leak).observed.path, 'both');
  const clear = stallEvidence(tooSlow);
  clear.captures = [router(forwarded([big('192.0.2.3', '198.51.100.1', 1500)])), wg0('A')];
  t.deepEqual(decideVerdict(transferCheck(true), clear).observed.path, 'internet');
});

test('unclear, not none: curl could not make the request at all (a bad option, a bad URL)', (t) => {
  for (const exitCode of [2, 3, 43, 48]) {
    const verdict = decideVerdict(
      check('none'),
      evidence({
        request: { exitCode, httpStatus: undefined, localPort: undefined, error: 'option --x: is unknown' },
        log: [],
        captures: [router(), wg0('A')],
      }),
    );
    t.is(verdict.observed.path, 'unclear', `exit ${exitCode}`);
    t.deepEqual(verdict.reasons, [
      `expected path none, observed unclear: curl failed (exit ${exitCode}: option --x: is unknown): curl could not make the request, so nothing was tested`,
    ]);
  }
  t.is(
    decideVerdict(check('none'), evidence({ request: { ...failed, exitCode: 7 }, log: [], captures: [router()] }))
      .observed.path,
    'none',
  );
});

// Other kinds: the same rules, their own packets and server logs.
const kindCheck = (fields: Partial<Check>, expect: NonNullable<Check['expect']>): Check => ({
  from: 'A',
  insecure: false,
  ...fields,
  expect,
});
const queryOnWg0 = conversation('10.0.0.1', 20010, '10.0.0.2', 53, 1, { protocol: 17 });
const queryInClear = forwarded(conversation('198.51.100.1', 20010, '169.254.0.1', 53, 1, { protocol: 17 }));
const dnsEvidence = (captures: CapturePoint[], log: Evidence['logEntries'], request: Partial<RequestResult> = {}) => ({
  kind: 'dns' as const,
  request: { exitCode: 0, localPort: 20010, dnsStatus: 'NOERROR', answers: ['203.0.113.2'], ...request },
  serverPort: 53,
  logEntries: log,
  captures,
  wireguardPorts: [51821, 51822],
});

test('dns: the resolver that logged the query answered, from the source it logged; the packets give the path', (t) => {
  const viaB = [{ remoteAddr: '10.0.0.1', line: '1 10.0.0.1/20010 query[A] app.example.com from 10.0.0.1', node: 'B' }];
  const tunnelled = decideVerdict(
    kindCheck({ dns: 'app.example.com' }, { path: 'tunnel', sourceIp: '10.0.0.1', resolver: 'B' }),
    dnsEvidence([router(wireguardUdp), wg0('A', queryOnWg0)], viaB),
  );
  t.true(tunnelled.pass, tunnelled.reasons.join('; '));
  t.deepEqual(tunnelled.observed, { path: 'tunnel', sourceIp: '10.0.0.1', httpStatus: undefined, resolver: 'B' });
  t.regex(tunnelled.seen.join('\n'), /A wg0: the query's UDP \(2 packets\)/);

  const isp = [{ remoteAddr: '198.51.100.1', line: '1 198.51.100.1/20010 query[A] app.example.com', node: 'internet' }];
  const leaked = decideVerdict(
    kindCheck({ dns: 'app.example.com' }, { path: 'tunnel', sourceIp: '10.0.0.1', resolver: 'B' }),
    dnsEvidence([router(queryInClear, wireguardUdp), wg0('A')], isp),
  );
  t.false(leaked.pass);
  t.is(leaked.observed.resolver, 'internet');
  t.deepEqual(leaked.reasons, [
    "expected path tunnel, observed internet: the query's UDP crossed the internet in clear (2 packets at the router) and no wg0 saw it",
    'expected the server to log 10.0.0.1, it logged 198.51.100.1: 1 198.51.100.1/20010 query[A] app.example.com',
    "expected the resolver of B to answer, the ISP's resolver (internet) did: 1 198.51.100.1/20010 query[A] app.example.com",
  ]);

  const unanswered = decideVerdict(
    kindCheck({ dns: 'app.example.com' }, { path: 'none' }),
    dnsEvidence([router(), wg0('A')], [], {
      exitCode: 9,
      error: 'timed out',
      dnsStatus: undefined,
      answers: undefined,
    }),
  );
  t.true(unanswered.pass, unanswered.reasons.join('; '));
  t.is(unanswered.observed.resolver, undefined);
  const wrongResolver = decideVerdict(
    kindCheck({ dns: 'app.example.com' }, { path: 'tunnel', resolver: 'C' }),
    dnsEvidence([router(wireguardUdp), wg0('A', queryOnWg0)], viaB),
  );
  t.deepEqual(wrongResolver.reasons, [
    "expected the resolver of C to answer, B's resolver did: 1 10.0.0.1/20010 query[A] app.example.com from 10.0.0.1",
  ]);
});

test('tcp: a connection that never got through with nothing logged is none; one the listener logged is unclear when the client failed', (t) => {
  const tcpEvidence = (request: Partial<RequestResult>, log: Evidence['logEntries'], captures: CapturePoint[]) => ({
    kind: 'tcp' as const,
    request: { exitCode: 0, localPort: 20020, ...request },
    serverPort: 22,
    logEntries: log,
    captures,
    wireguardPorts: [51821, 51822],
  });
  const syn = forwarded([packet('192.0.2.3', 20020, '198.51.100.1', 22)]);
  const none = decideVerdict(
    kindCheck({ tcp: '198.51.100.1:22' }, { path: 'none' }),
    tcpEvidence(
      { exitCode: 1, localPort: undefined, localPorts: { from: 20020, to: 20029 }, error: 'timed out' },
      [],
      [router(syn)],
    ),
  );
  t.true(none.pass, none.reasons.join('; '));
  t.regex(none.seen[0]!, /internet: TCP from ports 20020-20029 to port 22 \(1 packet\)/);
  const oneWay = decideVerdict(
    kindCheck({ tcp: '198.51.100.1:22' }, { path: 'internet' }),
    tcpEvidence(
      { exitCode: 1, error: 'no answer' },
      [{ remoteAddr: '192.0.2.3', line: '192.0.2.3 20020 t' }],
      [router(syn)],
    ),
  );
  t.is(oneWay.observed.path, 'unclear');
  t.regex(oneWay.reasons[0]!, /socat failed \(exit 1: no answer\), yet the TCP listener logged the connection/);
  const through = decideVerdict(
    kindCheck({ tcp: '198.51.100.1:22' }, { path: 'internet', sourceIp: '192.0.2.3' }),
    tcpEvidence(
      {},
      [{ remoteAddr: '192.0.2.3', line: '192.0.2.3 20020 t' }],
      [router(forwarded(conversation('192.0.2.3', 20020, '198.51.100.1', 22, 3)))],
    ),
  );
  t.true(through.pass, through.reasons.join('; '));
});

test("ping: the echo's packets are those with its id; the target's log gives the source", (t) => {
  const echo = (id: number, src: string, dst: string) => [
    packet(src, 0, dst, 0, {
      protocol: 1,
      srcPort: undefined,
      dstPort: undefined,
      icmp: { type: 8, code: 0, echoId: id, echoSeq: 1 },
    }),
    packet(dst, 0, src, 0, {
      protocol: 1,
      srcPort: undefined,
      dstPort: undefined,
      icmp: { type: 0, code: 0, echoId: id, echoSeq: 1 },
    }),
  ];
  const pingEvidence = (captures: CapturePoint[], log: Evidence['logEntries'], exitCode = 0) => ({
    kind: 'ping' as const,
    request: { exitCode },
    serverPort: 0,
    echoId: 20030,
    logEntries: log,
    captures,
    wireguardPorts: [51821, 51822],
  });
  const logged = [{ remoteAddr: '10.0.0.1', line: 'wg0 In IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 20030' }];
  const tunnelled = decideVerdict(
    kindCheck({ ping: '10.0.0.2' }, { path: 'tunnel', sourceIp: '10.0.0.1' }),
    pingEvidence(
      [
        router(wireguardUdp, forwarded(echo(99, '198.51.100.1', '203.0.113.2'))),
        wg0('A', echo(20030, '10.0.0.1', '10.0.0.2')),
      ],
      logged,
    ),
  );
  t.true(tunnelled.pass, tunnelled.reasons.join('; '));
  t.regex(tunnelled.seen.join('\n'), /A wg0: the echo \(2 packets\)/);
  t.regex(tunnelled.seen.join('\n'), /internet: no echo with id 20030/, "another ping's echoes are not this one's");
  const lost = decideVerdict(
    kindCheck({ ping: '10.0.0.2', size: 1472 }, { path: 'tunnel' }),
    pingEvidence([router(wireguardUdp), wg0('A')], [], 1),
  );
  t.is(lost.observed.path, 'none');
  t.regex(lost.reasons[0]!, /ping failed \(exit 1\) and the target logged nothing/);
  // The echo reached its target on wg0; its reply never came back (dropped on the way back).
  const oneWay = [wg0('A', echo(20030, '10.0.0.1', '10.0.0.2').slice(0, 1))];
  const replyLost = decideVerdict(
    kindCheck({ ping: '10.0.0.2' }, { path: 'tunnel' }),
    pingEvidence([router(wireguardUdp), ...oneWay], logged, 1),
  );
  t.is(replyLost.observed.path, 'none');
  t.is(replyLost.observed.sourceIp, '10.0.0.1');
  t.regex(
    replyLost.reasons[0]!,
    /expected path tunnel, observed none: ping failed \(exit 1\): the target logged the echo \(wg0 In IP 10\.0\.0\.1 > 10\.0\.0\.2: ICMP echo request, id 20030\), but no answer came back \(it went on A wg0\)/,
  );
  t.true(
    decideVerdict(
      kindCheck({ ping: '10.0.0.2' }, { path: 'none' }),
      pingEvidence([router(wireguardUdp), ...oneWay], logged, 1),
    ).pass,
  );
  const inClear = decideVerdict(
    kindCheck({ ping: '10.0.0.2' }, { path: 'internet' }),
    pingEvidence([router(forwarded(echo(20030, '198.51.100.1', '203.0.113.2').slice(0, 1))), wg0('A')], logged, 1),
  );
  t.regex(inClear.reasons[0]!, /observed none: .*but no answer came back \(it crossed the internet in clear\)$/);
  const nowhere = decideVerdict(
    kindCheck({ ping: '10.0.0.2' }, { path: 'tunnel' }),
    pingEvidence([router(wireguardUdp), wg0('A')], logged, 1),
  );
  t.regex(nowhere.reasons[0]!, /but no answer came back$/);
});
