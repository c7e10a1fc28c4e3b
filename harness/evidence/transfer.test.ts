import test from 'ava';
import type { CapturePoint } from './flows.ts';
import type { Packet } from './pcap.ts';
import { describeTrace, traceTransfer } from './transfer.ts';

// A's client port 40000 downloads from 192.0.2.3:443 through its LAN gateway's tunnel and an exit peer.
const tcp = (src: string, srcPort: number, dst: string, dstPort: number, ipLength: number): Packet => ({
  time: 0,
  seconds: 0,
  nanos: 0,
  length: ipLength,
  ipVersion: 4,
  ipLength,
  src,
  dst,
  protocol: 6,
  srcPort,
  dstPort,
});
const answer = (ipLength: number) => tcp('192.0.2.3', 443, '192.168.1.20', 40000, ipLength);
const point = (label: string, packets: Packet[], absent?: string): CapturePoint => ({
  label,
  node: label.split(' ')[0]!,
  iface: 'x',
  packets,
  ...(absent ? { absent } : {}),
});
const fragNeeded = (mtu?: number): Packet => ({
  ...tcp('203.0.113.50', 0, '192.0.2.3', 0, 576),
  protocol: 1,
  srcPort: undefined,
  dstPort: undefined,
  icmp: { type: 3, code: 4, ...(mtu === undefined ? {} : { mtu }) },
});

test('the largest answer packet at each point, what reached the client, and where larger ones stopped', (t) => {
  const captures = [
    point('internet', [answer(1500), answer(600), { ...answer(9000), direction: 'out' }, fragNeeded(1420)]),
    point('exit wg0', [answer(600)]),
    point('site LAN', [answer(600), tcp('192.168.1.20', 40000, '192.0.2.3', 443, 1400)]),
    point('site wg1', [], 'wg1 is down on site'),
  ];
  const trace = traceTransfer(captures, 443, 40000, 'site LAN');
  t.deepEqual(trace, {
    largest: [
      { point: 'internet', bytes: 1500 },
      { point: 'exit wg0', bytes: 600 },
      { point: 'site LAN', bytes: 600 },
    ],
    throughBytes: 600,
    stoppedAfter: ['internet'],
    sizeErrors: [{ point: 'internet', count: 1, mtu: 1420 }],
  });
  t.is(
    describeTrace(trace),
    'the largest packet of the answer that got through was 600 bytes; larger ones stopped after internet (up to 1500 bytes as captured there); ICMP size errors: 1 at internet (MTU 1420)',
  );
});

test('other clients’ ports, and packets toward the server, are not the answer', (t) => {
  const captures = [point('internet', [tcp('192.0.2.3', 443, '192.168.1.20', 41000, 1500), answer(52)])];
  t.deepEqual(traceTransfer(captures, 443, { from: 40000, to: 40009 }, 'internet').largest, [
    { point: 'internet', bytes: 52 },
  ]);
  t.deepEqual(traceTransfer([point('internet', [])], 443, 40000, 'internet').largest, [
    { point: 'internet', bytes: 0 },
  ]);
});

test('without the client point nothing is said to have got through or stopped; ICMPv6 packet too big counts', (t) => {
  const tooBig: Packet = { ...fragNeeded(), ipVersion: 6, protocol: 58, icmp: { type: 2, code: 0, mtu: 1280 } };
  const echo: Packet = { ...fragNeeded(), icmp: { type: 8, code: 0 } };
  const unreachable: Packet = { ...fragNeeded(), icmp: { type: 3, code: 3 } };
  const trace = traceTransfer(
    [point('internet', [answer(1500), tooBig, tooBig, echo, unreachable])],
    443,
    40000,
    undefined,
  );
  t.is(trace.throughBytes, undefined);
  t.deepEqual(trace.stoppedAfter, []);
  t.deepEqual(trace.sizeErrors, [{ point: 'internet', count: 2, mtu: 1280 }]);
  t.is(describeTrace(trace), 'ICMP size errors: 2 at internet (MTU 1280)');
  const none = traceTransfer([point('internet', [answer(1500), fragNeeded()])], 443, 40000, 'internet');
  t.deepEqual(none.sizeErrors, [{ point: 'internet', count: 1 }]);
  t.is(
    describeTrace({ ...none, sizeErrors: [] }),
    'the largest packet of the answer that got through was 1500 bytes; no ICMP "fragmentation needed" or "packet too big" was seen',
  );
});
