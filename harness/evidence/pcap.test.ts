import test from 'ava';
import { readFileSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { linkTypes, readPcap, type Packet } from './pcap.ts';

// Captures made by real tcpdump in a real lab (scripts/make-pcap-fixtures.ts); the .txt beside each is
// what `tcpdump -nn -tt -r` printed for it, the ground truth the decoder is held to.
const fixture = (name: string) => ({
  capture: readPcap(readFileSync(`fixtures/pcap/${name}.pcap`), name),
  lines: readFileSync(`fixtures/pcap/${name}.txt`, 'utf8').trim().split('\n'),
});

/** What tcpdump printed, reduced to what the decoder must agree on. */
function fromTcpdump(line: string): string {
  const time = line.split(' ')[0]!;
  const ip = / (IP6?) (\S+?)(?:\.(\d+))? > (\S+?)(?:\.(\d+))?: (Flags \[([^\]]+)\]|UDP|ICMP6?|HBH)?/.exec(line);
  if (!ip) return `${time} other`;
  const [, family, src, srcPort, dst, dstPort, what, flags] = ip;
  if (family === 'IP6') return `${time} ip6 ${src} > ${dst}`;
  const kind = flags !== undefined ? `tcp ${flags}` : what === 'UDP' ? 'udp' : 'other';
  return `${time} ${src}:${srcPort ?? ''} > ${dst}:${dstPort ?? ''} ${kind}`;
}

/** Microseconds, truncated, as tcpdump prints them. */
const micros = (packet: Packet) => `${packet.seconds}.${String(Math.floor(packet.nanos / 1000)).padStart(6, '0')}`;

function fromDecoder(packet: Packet): string {
  const time = micros(packet);
  if (packet.ipVersion === 6) return `${time} ip6 ${packet.src} > ${packet.dst}`;
  if (packet.ipVersion !== 4) return `${time} other`;
  const kind = packet.protocol === 6 ? `tcp ${packet.tcpFlags}` : packet.protocol === 17 ? 'udp' : 'other';
  return `${time} ${packet.src}:${packet.srcPort ?? ''} > ${packet.dst}:${packet.dstPort ?? ''} ${kind}`;
}

const cases: [string, number][] = [
  ['wg0-raw', linkTypes.raw],
  ['b-eth0-ethernet', linkTypes.ethernet],
  ['router-any-sll', linkTypes.linuxSll],
  ['router-any-sll2-nano', linkTypes.linuxSll2],
];

for (const [name, linkType] of cases) {
  test(`decodes ${name} exactly as tcpdump reads it`, (t) => {
    const { capture, lines } = fixture(name);
    t.is(capture.linkType, linkType);
    t.is(capture.packets.length, lines.length);
    t.deepEqual(capture.packets.map(fromDecoder), lines.map(fromTcpdump));
  });
}

test('cooked captures carry the direction tcpdump shows as In/Out', (t) => {
  const { capture, lines } = fixture('router-any-sll2-nano');
  const shown = lines.map((line) => / (In|Out) /.exec(line)?.[1]);
  t.true(shown.filter(Boolean).length > 10);
  capture.packets.forEach((packet, index) => {
    const direction = shown[index];
    if (direction !== undefined) t.is(packet.direction, direction === 'Out' ? 'out' : 'in');
  });
  const sll = readPcap(readFileSync('fixtures/pcap/router-any-sll.pcap'));
  t.true(sll.packets.some((packet) => packet.direction === 'out') && sll.packets.some((packet) => packet.direction === 'in'));
});

test('TCP payload lengths match tcpdump', (t) => {
  const { capture, lines } = fixture('wg0-raw');
  capture.packets.forEach((packet, index) => {
    const length = /length (\d+)$/.exec(lines[index]!)?.[1];
    if (packet.protocol === 6 && length) t.is(packet.payloadLength, Number(length));
  });
});

test('nanosecond captures keep nanoseconds', (t) => {
  const data = readFileSync('fixtures/pcap/router-any-sll2-nano.pcap');
  t.is(data.readUInt32LE(0), 0xa1b23c4d);
  const { capture, lines } = fixture('router-any-sll2-nano');
  t.is(micros(capture.packets[0]!), lines[0]!.split(' ')[0]!);
  t.true(capture.packets.some((packet) => packet.nanos % 1000 !== 0));
});

test('refuses what is not pcap, with a hint', (t) => {
  t.throws(() => readPcap(new Uint8Array(10)), { instanceOf: WglabError, message: /too short/ });
  const pcapng = new Uint8Array(32);
  new DataView(pcapng.buffer).setUint32(0, 0x0a0d0d0a);
  t.throws(() => readPcap(pcapng), { message: /pcapng/ });
  t.throws(() => readPcap(new Uint8Array(32).fill(7)), { message: /not a pcap file/ });
});

test('a record cut short by a stopped capture is dropped, not misread', (t) => {
  const data = readFileSync('fixtures/pcap/wg0-raw.pcap');
  const whole = readPcap(data).packets.length;
  t.is(readPcap(data.subarray(0, data.length - 5)).packets.length, whole - 1);
});
