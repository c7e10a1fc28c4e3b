import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  captureRole,
  checkPackets,
  towardServer,
  countable,
  describeFlow,
  isWireguard,
  requestPackets,
  summarizeFlows,
  wireguardPackets,
} from './flows.ts';
import { readPcap, type Packet } from './pcap.ts';

// Packets built by hand, one rule at a time; the last tests read real captures of one lab run (fixtures/pcap).
const packet = (fields: Partial<Packet>): Packet => ({ time: 0, seconds: 0, nanos: 0, length: 60, ...fields });
const tcp = (src: string, srcPort: number, dst: string, dstPort: number, fields: Partial<Packet> = {}) =>
  packet({ ipVersion: src.includes(':') ? 6 : 4, src, dst, protocol: 6, srcPort, dstPort, ...fields });
const udp = (src: string, srcPort: number, dst: string, dstPort: number, fields: Partial<Packet> = {}) =>
  packet({ ipVersion: src.includes(':') ? 6 : 4, src, dst, protocol: 17, srcPort, dstPort, ...fields });

// A's request (client port 40000) and its answer; C's request to the same server port; A's port again, to another service.
const aOut = tcp('10.0.0.1', 40000, '203.0.113.2', 443);
const aBack = tcp('203.0.113.2', 443, '10.0.0.1', 40000);
const cOut = tcp('192.0.2.3', 50000, '203.0.113.2', 443);
const cBack = tcp('203.0.113.2', 443, '192.0.2.3', 50000);
const aElsewhere = tcp('10.0.0.1', 40000, '203.0.113.2', 8443);
const aElsewhereBack = tcp('203.0.113.2', 8443, '10.0.0.1', 40000);

test('requestPackets: the TCP between the client port and the server port, both ways', (t) => {
  t.deepEqual(requestPackets([aOut, aBack, cOut, cBack, aElsewhere, aElsewhereBack], 443, 40000), [aOut, aBack]);
});

test('requestPackets: with a client port range (a request that never connected), the ports in it, both ends inclusive', (t) => {
  const first = tcp('10.0.0.1', 20000, '203.0.113.2', 443);
  const last = tcp('10.0.0.1', 20009, '203.0.113.2', 443);
  const lastBack = tcp('203.0.113.2', 443, '10.0.0.1', 20009);
  const below = tcp('10.0.0.1', 19999, '203.0.113.2', 443);
  const above = tcp('10.0.0.1', 20010, '203.0.113.2', 443);
  t.deepEqual(requestPackets([below, first, last, lastBack, above, cOut], 443, { from: 20000, to: 20009 }), [
    first,
    last,
    lastBack,
  ]);
  t.deepEqual(
    requestPackets([first, cOut], 443),
    [first, cOut],
    'no client port and no range: any TCP on the server port',
  );
});

test("requestPackets: another client's TCP to the same server port is not this request's", (t) => {
  t.deepEqual(requestPackets([cOut, cBack], 443, 40000), []);
});

test('requestPackets: the client port talking to another server port is not this request', (t) => {
  t.deepEqual(requestPackets([aElsewhere], 443, 40000), []);
  t.deepEqual(requestPackets([aElsewhereBack], 443, 40000), []);
});

test('requestPackets: with no client port (curl made no connection), any TCP on the server port, both ways', (t) => {
  t.deepEqual(requestPackets([aOut, aBack, cOut, cBack, aElsewhere, aElsewhereBack], 443), [aOut, aBack, cOut, cBack]);
});

test("requestPackets: UDP on the server port is not the request's TCP", (t) => {
  t.deepEqual(
    requestPackets(
      [udp('10.0.0.1', 40000, '203.0.113.2', 443), udp('203.0.113.2', 443, '10.0.0.1', 40000)],
      443,
      40000,
    ),
    [],
  );
  t.deepEqual(requestPackets([udp('10.0.0.1', 40000, '203.0.113.2', 443)], 443), []);
});

test('requestPackets: IPv6 TCP counts like IPv4', (t) => {
  const out = tcp('fd00::1', 40000, 'fd00::2', 443);
  const back = tcp('fd00::2', 443, 'fd00::1', 40000);
  t.deepEqual(requestPackets([out, back, tcp('fd00::3', 50000, 'fd00::2', 443)], 443, 40000), [out, back]);
});

test('countable: a router capture on -i any shows each forwarded packet twice, in and out; only the in copy counts', (t) => {
  const inCopy = { ...aOut, direction: 'in' as const };
  const outCopy = { ...aOut, direction: 'out' as const };
  t.deepEqual(countable([inCopy, outCopy]), [inCopy]);
  t.is(requestPackets([inCopy, outCopy], 443, 40000).length, 1);
  t.is(summarizeFlows([inCopy, outCopy])[0]!.packets, 1);
  const wgIn = udp('198.51.100.1', 51821, '203.0.113.2', 51822, { direction: 'in' });
  t.is(wireguardPackets([wgIn, { ...wgIn, direction: 'out' }], [51821, 51822]).length, 1);
});

test('countable: captures without a direction (wg0, Ethernet) count every packet', (t) => {
  t.deepEqual(countable([aOut, aBack]), [aOut, aBack]);
});

test('isWireguard: UDP with a listen port on either side, and only UDP', (t) => {
  const ports = [51821, 51822];
  t.true(isWireguard(udp('198.51.100.1', 51821, '203.0.113.2', 51822), ports), 'between two listen ports');
  t.true(
    isWireguard(udp('198.51.100.1', 38000, '203.0.113.2', 51822), ports),
    'from a dialer without ListenPort to the listener',
  );
  t.true(isWireguard(udp('203.0.113.2', 51822, '198.51.100.1', 38000), ports), 'and the answer');
  t.false(isWireguard(udp('198.51.100.1', 38000, '203.0.113.2', 53), ports), 'other UDP: DNS');
  t.false(isWireguard(tcp('198.51.100.1', 38000, '203.0.113.2', 51822), ports), 'TCP on a listen port');
  t.false(isWireguard(udp('198.51.100.1', 51821, '203.0.113.2', 51822), []), 'a lab without a tunnel has no WireGuard');
  t.true(isWireguard(udp('fd00::1', 51821, 'fd00::2', 51822), ports), 'IPv6 endpoints');
});

test('wireguardPackets: the WireGuard UDP among other packets', (t) => {
  const wg = udp('198.51.100.1', 51821, '203.0.113.2', 51822);
  t.deepEqual(wireguardPackets([aOut, wg, udp('198.51.100.1', 38000, '203.0.113.2', 53)], [51821, 51822]), [wg]);
});

test('summarizeFlows: both directions of a conversation are one flow, the lower port its server; packets and bytes add up', (t) => {
  const flows = summarizeFlows([aOut, { ...aBack, length: 100 }, aOut]);
  t.deepEqual(flows, [
    { protocol: 'tcp', client: '10.0.0.1:40000', server: '203.0.113.2:443', packets: 3, bytes: 220 },
  ]);
});

test('summarizeFlows: UDP flows, busiest first', (t) => {
  const dns = udp('10.0.0.1', 38000, '10.0.0.53', 53);
  const wg = udp('198.51.100.1', 51821, '203.0.113.2', 51822);
  t.deepEqual(
    summarizeFlows([dns, wg, { ...wg, src: '203.0.113.2', dst: '198.51.100.1', srcPort: 51822, dstPort: 51821 }]),
    [
      { protocol: 'udp', client: '203.0.113.2:51822', server: '198.51.100.1:51821', packets: 2, bytes: 120 },
      { protocol: 'udp', client: '10.0.0.1:38000', server: '10.0.0.53:53', packets: 1, bytes: 60 },
    ],
  );
});

test('summarizeFlows: the same port on both sides still makes one flow, whichever side sends first', (t) => {
  const forth = udp('10.0.0.1', 5000, '10.0.0.2', 5000);
  const back = udp('10.0.0.2', 5000, '10.0.0.1', 5000);
  const expected = [{ protocol: 'udp', client: '10.0.0.1:5000', server: '10.0.0.2:5000', packets: 2, bytes: 120 }];
  t.deepEqual(summarizeFlows([forth, back]), expected);
  t.deepEqual(summarizeFlows([back, forth]), expected);
});

test('summarizeFlows: TCP and UDP between the same sockets are two flows', (t) => {
  const flows = summarizeFlows([tcp('10.0.0.1', 40000, '10.0.0.2', 53), udp('10.0.0.1', 40000, '10.0.0.2', 53)]);
  t.deepEqual(
    flows.map((flow) => flow.protocol),
    ['tcp', 'udp'],
  );
});

test('summarizeFlows: IPv6 sockets are written with brackets', (t) => {
  t.deepEqual(summarizeFlows([tcp('fd00::1', 40000, 'fd00::2', 443)]), [
    { protocol: 'tcp', client: '[fd00::1]:40000', server: '[fd00::2]:443', packets: 1, bytes: 60 },
  ]);
});

test('summarizeFlows: only TCP and UDP with both ports make flows (not ICMP, SCTP, or a fragment without its header)', (t) => {
  const icmp = packet({ ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 1 });
  const sctp = packet({ ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 132, srcPort: 40000, dstPort: 9899 });
  const fragment = packet({ ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 });
  const noDestinationPort = packet({ ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, srcPort: 40000 });
  const noSourcePort = packet({ ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, dstPort: 443 });
  t.deepEqual(summarizeFlows([icmp, sctp, fragment, noDestinationPort, noSourcePort, packet({})]), []);
});

test('describeFlow: protocol, client, server and packets', (t) => {
  t.is(
    describeFlow({ protocol: 'tcp', client: '10.0.0.1:40000', server: '203.0.113.2:443', packets: 1, bytes: 60 }),
    'TCP 10.0.0.1:40000 → 203.0.113.2:443 (1 packet)',
  );
  t.is(
    describeFlow({ protocol: 'udp', client: '[fd00::1]:51821', server: '[fd00::2]:51822', packets: 2, bytes: 120 }),
    'UDP [fd00::1]:51821 → [fd00::2]:51822 (2 packets)',
  );
});

// tcpdump's own reading of the same file (fixtures/pcap/router-any-sll2-nano.txt) marks each packet In or Out.
test("a real router capture: every forwarded packet counted once, as tcpdump's In lines", (t) => {
  const reading = readFileSync('fixtures/pcap/router-any-sll2-nano.txt', 'utf8').trim().split('\n');
  const packets = readPcap(readFileSync('fixtures/pcap/router-any-sll2-nano.pcap')).packets;
  t.is(packets.length, reading.length);
  t.is(countable(packets).length, reading.filter((line) => !/ Out /.test(line)).length);
  t.is(wireguardPackets(packets, [51821, 51822]).length, reading.filter((line) => / In .*UDP/.test(line)).length);
  const cPort = Number(/192\.0\.2\.3\.(\d+) > 203\.0\.113\.2\.443/.exec(reading.join('\n'))![1]);
  t.is(requestPackets(packets, 443, cPort).length, reading.filter((line) => / In .*\.443[ :]/.test(line)).length);
});

test("a capture point's role: as given, else the router by its label, a tunnel on wg*, else a LAN", (t) => {
  t.is(captureRole({ label: 'internet', iface: 'any' }), 'internet');
  t.is(captureRole({ label: 'A wg0', iface: 'wg0' }), 'tunnel');
  t.is(captureRole({ label: 'gw wg1', iface: 'wg1' }), 'tunnel');
  t.is(captureRole({ label: 'A LAN', iface: 'eth1' }), 'lan');
  t.is(captureRole({ label: 'B eth0', iface: 'eth0' }), 'lan');
  t.is(captureRole({ label: 'B lan', iface: 'lan-wg' }), 'lan', 'wg at the start of the name, not anywhere');
  t.is(captureRole({ label: 'office tun', iface: 'office', role: 'tunnel' }), 'tunnel');
  t.is(captureRole({ label: 'internet', iface: 'any', role: 'lan' }), 'lan');
});

test("checkPackets: a check's UDP by its ports, its echoes by identifier, never another protocol's", (t) => {
  const udp = (srcPort: number, dstPort: number, protocol = 17): Packet => ({
    time: 0,
    seconds: 0,
    nanos: 0,
    length: 60,
    ipVersion: 4,
    src: '10.0.0.1',
    dst: '10.0.0.2',
    protocol,
    srcPort,
    dstPort,
  });
  const echo = (type: number, echoId: number, protocol = 1): Packet => ({
    ...udp(0, 0, protocol),
    srcPort: undefined,
    dstPort: undefined,
    icmp: { type, code: 0, echoId, echoSeq: 1 },
  });
  const packets = [
    udp(20010, 53),
    udp(53, 20010),
    udp(20010, 53, 6),
    udp(20011, 53),
    echo(8, 7),
    echo(0, 7),
    echo(128, 9, 58),
    echo(8, 8),
  ];
  t.is(checkPackets(packets, { protocol: 'udp', serverPort: 53, client: 20010 }).length, 2);
  t.is(checkPackets(packets, { protocol: 'udp', serverPort: 53, client: { from: 20010, to: 20019 } }).length, 3);
  t.is(checkPackets(packets, { protocol: 'tcp', serverPort: 53, client: 20010 }).length, 1);
  t.is(checkPackets(packets, { protocol: 'icmp', echoId: 7 }).length, 2);
  t.is(checkPackets(packets, { protocol: 'icmp', echoId: 9 }).length, 1);
  t.is(checkPackets(packets, { protocol: 'icmp' }).length, 4);
  t.true(towardServer(echo(8, 7), { protocol: 'icmp' }));
  t.false(towardServer(echo(0, 7), { protocol: 'icmp' }));
  t.true(towardServer(echo(128, 9, 58), { protocol: 'icmp' }));
  t.true(towardServer(udp(20010, 53), { protocol: 'udp', serverPort: 53 }));
  t.false(towardServer(udp(53, 20010), { protocol: 'udp', serverPort: 53 }));
});
