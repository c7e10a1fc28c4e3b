import test from 'ava';
import { readFileSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { interfaceRecords, linkTypes, pcapSince, readPcap, type Packet } from './pcap.ts';

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
  t.true(
    sll.packets.some((packet) => packet.direction === 'out') && sll.packets.some((packet) => packet.direction === 'in'),
  );
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

// ---------------------------------------------------------------------------------------------------------------
// Captures made by real tcpdump on a veth pair between two network namespaces (scripts/make-pcap-fixtures-netns.sh):
// kernel traffic and frames crafted with scapy, and re-encodings tcpdump cannot write on Linux (big-endian, NULL,
// LOOP, IPv4/IPv6 link types). Beside each, `tcpdump -nn -tt -v -e -r` of it.

const netns = (name: string) => ({
  capture: readPcap(readFileSync(`fixtures/pcap/netns-${name}.pcap`), name),
  records: tcpdumpRecords(readFileSync(`fixtures/pcap/netns-${name}.txt`, 'utf8')),
});

/** tcpdump -v prints some packets on several lines: those after the first start with white space. */
function tcpdumpRecords(text: string): string[] {
  const records: string[] = [];
  for (const line of text.trimEnd().split('\n')) {
    if (/^\s/.test(line)) records[records.length - 1] += ` ${line.trim()}`;
    else records.push(line);
  }
  return records;
}

const ipv4Header =
  /\(tos 0x[0-9a-f]+, ttl \d+, id (\d+), offset (\d+), flags \[([^\]]*)\], proto .*? \((\d+)\), length \d+(?:, options \(.*?\))?\)/;
const ipv6Header = /\((?:flowlabel 0x[0-9a-f]+, )?hlim \d+, next-header .*? \(\d+\) payload length: \d+\)/;

function endpoint(text: string): [string, string] {
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?:\.(\d+))?$/.exec(text);
  if (v4) return [v4[1]!, v4[2] ?? ''];
  const dot = text.lastIndexOf('.');
  return dot < 0 ? [text, ''] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** What tcpdump -v -e printed, reduced to: time, VLAN tags, addresses and ports, protocol (IPv4), TCP flags, fragment. */
function viewOfTcpdump(record: string): string {
  const time = record.split(' ')[0]!;
  const vlan = [...record.matchAll(/vlan (\d+), p \d/g)].map((match) => match[1]).join(',');
  const head = `${time}${vlan ? ` vlan ${vlan}` : ''}`;
  const v4 = ipv4Header.exec(record);
  const v6 = v4 ? null : ipv6Header.exec(record);
  const header = v4 ?? v6;
  if (!header) return `${head} other`;
  const rest = record.slice(header.index + header[0].length);
  const addresses = /^\s*(\S+) > (\S+): /.exec(rest);
  let [src, srcPort] = endpoint(addresses![1]!);
  let [dst, dstPort] = endpoint(addresses![2]!);
  const extPorts = v6 && !srcPort ? /[):] (\d+) > (\d+):/.exec(rest) : null;
  if (extPorts) [srcPort, dstPort] = [extPorts[1]!, extPorts[2]!];
  const flags = /Flags \[([^\]]+)\]/.exec(rest)?.[1];
  let fragment = '';
  if (v4 && (v4[2] !== '0' || v4[3]!.includes('+'))) fragment = ` frag ${v4[1]}:${v4[2]}`;
  const v6frag = v6 ? /frag \(0x([0-9a-f]+):(\d+)\|\d+\)/.exec(rest) : null;
  if (v6frag) fragment = ` frag ${parseInt(v6frag[1]!, 16)}:${v6frag[2]}`;
  const protocol = v4 ? ` proto ${v4[4]}` : '';
  return `${head} IPv${v4 ? 4 : 6} ${src}${srcPort && `.${srcPort}`} > ${dst}${dstPort && `.${dstPort}`}${protocol}${flags ? ` [${flags}]` : ''}${fragment}`;
}

/** The same view of a decoded packet; `digits` is how many fraction digits tcpdump printed (6 or 9). */
function viewOfPacket(packet: Packet, digits: number): string {
  const fraction = String(Math.floor(packet.nanos / 10 ** (9 - digits))).padStart(digits, '0');
  const head = `${packet.seconds}.${fraction}${packet.vlan ? ` vlan ${packet.vlan.join(',')}` : ''}`;
  if (packet.ipVersion === undefined) return `${head} other`;
  const port = (value?: number) => (value === undefined ? '' : `.${value}`);
  const protocol = packet.ipVersion === 4 ? ` proto ${packet.protocol}` : '';
  const flags = packet.tcpFlags ? ` [${packet.tcpFlags}]` : '';
  const fragment = packet.fragment ? ` frag ${packet.fragment.id}:${packet.fragment.offset}` : '';
  return `${head} IPv${packet.ipVersion} ${packet.src}${port(packet.srcPort)} > ${packet.dst}${port(packet.dstPort)}${protocol}${flags}${fragment}`;
}

const netnsFixtures: [string, number][] = [
  ['mixed-nano', linkTypes.ethernet],
  ['mixed-be', linkTypes.ethernet],
  ['mixed-be-micro', linkTypes.ethernet],
  ['mixed-null', linkTypes.null],
  ['mixed-null-be', linkTypes.null],
  ['mixed-loop', linkTypes.loop],
  ['mixed-ipv4', linkTypes.ipv4],
  ['mixed-ipv6', linkTypes.ipv6],
  ['vlan', linkTypes.ethernet],
  ['fragments', linkTypes.ethernet],
  ['ipv4-crafted', linkTypes.ethernet],
  ['ipv6-ext', linkTypes.ethernet],
  ['snaplen', linkTypes.ethernet],
  ['edges', linkTypes.ethernet],
];

for (const [name, linkType] of netnsFixtures) {
  test(`decodes netns-${name} as tcpdump -v reads it`, (t) => {
    const { capture, records } = netns(name);
    t.is(capture.linkType, linkType);
    t.is(capture.packets.length, records.length);
    const digits = records[0]!.split(' ')[0]!.split('.')[1]!.length;
    t.deepEqual(
      capture.packets.map((packet) => viewOfPacket(packet, digits)),
      records.map(viewOfTcpdump),
    );
    // TCP payload lengths, wherever tcpdump printed one.
    capture.packets.forEach((packet, index) => {
      const shown = /Flags \[[^\]]+\][^:]*?, length (\d+)/.exec(records[index]!)?.[1];
      if (shown !== undefined) t.is(packet.payloadLength, Number(shown), records[index]);
    });
    // The record's lengths: the frame's as tcpdump -e prints it, and what was captured of it.
    capture.packets.forEach((packet, index) => {
      const frame = /, length (\d+): /.exec(records[index]!)?.[1];
      if (frame !== undefined && linkType === linkTypes.ethernet) t.is(packet.wireLength, Number(frame));
      t.true(packet.length <= packet.wireLength!);
    });
  });
}

const find = (packets: Packet[], port: number) => {
  const found = packets.filter((packet) => packet.srcPort === port);
  if (found.length !== 1) throw new Error(`expected one packet from port ${port}, found ${found.length}`);
  return found[0]!;
};

test('IPv4 options: the header length comes from IHL, not 20', (t) => {
  const { packets } = netns('ipv4-crafted').capture;
  // IHL 6 (router alert), TCP with 5 bytes of data.
  t.like(find(packets, 40001), {
    ipVersion: 4,
    src: '10.99.0.1',
    dst: '10.99.0.2',
    protocol: 6,
    dstPort: 8080,
    tcpFlags: 'P.',
    payloadLength: 5,
  });
  // IHL 8 (record route), UDP with 3 bytes.
  t.like(find(packets, 40002), { protocol: 17, dstPort: 5353, payloadLength: 3 });
  t.is(find(packets, 40002).length, 57);
});

test('Ethernet padding and trailers are no payload: IPv4 total length, IPv6 payload length', (t) => {
  const { packets } = netns('ipv4-crafted').capture;
  t.like(find(packets, 40003), { length: 60, protocol: 17, dstPort: 53, payloadLength: 1 });
  t.like(find(packets, 40004), { length: 60, protocol: 6, tcpFlags: '.', payloadLength: 0 });
  t.like(find(packets, 40005), { length: 79, tcpFlags: 'FP.', payloadLength: 3 });
  const v6 = netns('ipv6-ext').capture.packets;
  t.like(find(v6, 46008), { length: 73, ipVersion: 6, protocol: 17, payloadLength: 3 });
  t.like(find(v6, 46009), { length: 86, ipVersion: 6, protocol: 6, tcpFlags: 'P.', payloadLength: 0 });
  const vlan = netns('vlan').capture.packets;
  t.like(find(vlan, 41013), { length: 60, vlan: [10], payloadLength: 1 });
});

test('malformed headers are decoded no further than tcpdump trusts them', (t) => {
  const { capture, records } = netns('ipv4-crafted');
  const at = (text: string) => capture.packets[records.findIndex((record) => record.includes(text))]!;
  // IHL 4, total length 12 and 0: nothing above IP, not even the addresses (tcpdump: bad-hlen, bad-len).
  for (const text of ['bad-hlen 16', 'bad-len 12', 'bad-len 0']) {
    t.deepEqual(Object.keys(at(text)).sort(), ['length', 'nanos', 'seconds', 'time', 'wireLength'], text);
  }
  // TCP data offset 3: the ports, but no flags or payload length.
  t.like(find(capture.packets, 40007), { protocol: 6, dstPort: 443 });
  t.false('tcpFlags' in find(capture.packets, 40007) || 'payloadLength' in find(capture.packets, 40007));
  // UDP length 4 (below its own header): the ports only.
  t.like(find(capture.packets, 40010), { dstPort: 53 });
  t.false('payloadLength' in find(capture.packets, 40010));
  // IPv6 behind the IPv4 Ethernet type, IPv4 behind the IPv6 one: not decoded (tcpdump: wrong encapsulation, [|ip6]).
  t.is(at('IP6, wrong link-layer encapsulation').ipVersion, undefined);
  const v6 = netns('ipv6-ext');
  t.is(v6.capture.packets[v6.records.findIndex((record) => record.includes('[|ip6]'))]!.ipVersion, undefined);
  // IPv6 payload length 0 with a UDP header behind it: the header is outside the packet (tcpdump: [|udp]).
  const zero = v6.capture.packets[v6.records.findIndex((record) => record.includes('[|udp]'))]!;
  t.like(zero, { ipVersion: 6, protocol: 17, length: 66 });
  t.false('srcPort' in zero);
});

test('IPv4 fragments: only the first carries ports; each is marked with id, offset and more-fragments', (t) => {
  const { packets } = netns('fragments').capture;
  const tcp = packets.filter((packet) => packet.fragment?.id === 0x4f01);
  t.deepEqual(
    tcp.map((packet) => packet.fragment),
    [
      { id: 0x4f01, offset: 0, more: true },
      { id: 0x4f01, offset: 48, more: true },
      { id: 0x4f01, offset: 96, more: false },
    ],
  );
  t.like(tcp[0], { protocol: 6, srcPort: 41001, dstPort: 8080, tcpFlags: 'P.', payloadLength: 28 });
  for (const later of tcp.slice(1)) {
    t.like(later, { ipVersion: 4, src: '10.99.0.1', dst: '10.99.0.2', protocol: 6 });
    t.deepEqual(
      [later.srcPort, later.dstPort, later.tcpFlags, later.payloadLength],
      [undefined, undefined, undefined, undefined],
    );
  }
  // The kernel's own: ping's 2008-byte ICMP packet in two fragments (the second at 185 units of 8 bytes, no more).
  const icmp = packets.filter((packet) => packet.protocol === 1);
  t.deepEqual(
    icmp.map((packet) => [packet.fragment!.offset, packet.fragment!.more, packet.src]),
    [
      [0, true, '10.99.0.1'],
      [1480, false, '10.99.0.1'],
      [0, true, '10.99.0.2'],
      [1480, false, '10.99.0.2'],
    ],
  );
  // The kernel's own: a 3000-byte UDP datagram in three fragments.
  const first = packets.find(
    (packet) => packet.protocol === 17 && packet.ipVersion === 4 && packet.fragment?.offset === 0,
  )!;
  const udp = packets.filter((packet) => packet.ipVersion === 4 && packet.fragment?.id === first.fragment!.id);
  t.deepEqual(
    udp.map((packet) => [packet.fragment!.offset, packet.fragment!.more, packet.length]),
    [
      [0, true, 1514],
      [1480, true, 1514],
      [2960, false, 82],
    ],
  );
  t.like(first, { dstPort: 5353, payloadLength: 1472 });
  t.deepEqual(
    udp.slice(1).map((packet) => packet.srcPort),
    [undefined, undefined],
  );
  // Unfragmented packets carry no fragment mark (DF set, offset 0).
  const reply = packets.find((packet) => packet.ipVersion === 4 && packet.srcPort === 5353)!;
  t.like(reply, { protocol: 17, payloadLength: 2 });
  t.false('fragment' in reply);
});

test('IPv6 fragments: the Fragment header marks each; later ones have no ports', (t) => {
  const { packets } = netns('fragments').capture;
  const crafted = packets.filter((packet) => packet.fragment?.id === 0x6f01);
  t.deepEqual(
    crafted.map((packet) => packet.fragment),
    [
      { id: 0x6f01, offset: 0, more: true },
      { id: 0x6f01, offset: 1232, more: false },
    ],
  );
  t.like(crafted[0], {
    ipVersion: 6,
    protocol: 17,
    extensionHeaders: [44],
    srcPort: 46101,
    dstPort: 5353,
    payloadLength: 1224,
  });
  t.like(crafted[1], { ipVersion: 6, protocol: 17, extensionHeaders: [44] });
  t.is(crafted[1]!.srcPort, undefined);
  // The kernel's own: a 2000-byte datagram.
  const kernel = packets.filter(
    (packet) => packet.ipVersion === 6 && packet.fragment !== undefined && packet.fragment.id !== 0x6f01,
  );
  t.deepEqual(
    kernel.map((packet) => [packet.fragment!.offset, packet.fragment!.more]),
    [
      [0, true],
      [1448, false],
    ],
  );
  t.like(kernel[0], { dstPort: 5353, payloadLength: 1440 });
  t.is(kernel[1]!.dstPort, undefined);
  // An atomic fragment (offset 0, no more): marked, and decoded through.
  t.like(find(netns('ipv6-ext').capture.packets, 46005), {
    fragment: { id: 0x6001, offset: 0, more: false },
    extensionHeaders: [44],
    protocol: 17,
    payloadLength: 6,
  });
});

test('VLAN tags, QinQ and stacked 802.1Q, are skipped and kept outermost first', (t) => {
  const { packets } = netns('vlan').capture;
  t.like(find(packets, 41010), {
    vlan: [10],
    src: '10.99.10.1',
    dst: '10.99.10.2',
    protocol: 17,
    dstPort: 5353,
    payloadLength: 6,
  });
  t.like(find(packets, 41011), { vlan: [10], protocol: 6, dstPort: 8080, tcpFlags: 'S', payloadLength: 0 });
  t.like(find(packets, 41012), {
    vlan: [10],
    ipVersion: 6,
    src: 'fd99:10::1',
    protocol: 6,
    dstPort: 8443,
    payloadLength: 3,
  });
  t.like(find(packets, 41030), { vlan: [20, 30], src: '10.99.30.1', protocol: 6, payloadLength: 4 });
  t.like(find(packets, 41031), { vlan: [20, 30], ipVersion: 6, protocol: 17, payloadLength: 5 });
  t.like(find(packets, 41200), { vlan: [100, 200], dst: '10.99.200.2', dstPort: 53, payloadLength: 3 });
  const arp = packets.find((packet) => packet.vlan && packet.ipVersion === undefined)!;
  t.deepEqual(arp.vlan, [10]);
  t.is(packets.length, 8);
  t.true(packets.every((packet) => packet.vlan !== undefined));
  t.false(netns('mixed-nano').capture.packets.some((packet) => 'vlan' in packet)); // untagged frames have no list
});

test('IPv6 extension headers before TCP and UDP: hop-by-hop, routing, destination options, fragment, AH', (t) => {
  const { packets } = netns('ipv6-ext').capture;
  const expect = { ipVersion: 6, src: 'fd99::1', dst: 'fd99::2' };
  t.like(find(packets, 46001), { ...expect, extensionHeaders: [0], protocol: 17, dstPort: 5353, payloadLength: 3 });
  t.like(find(packets, 46002), {
    ...expect,
    extensionHeaders: [60],
    protocol: 6,
    dstPort: 8443,
    tcpFlags: 'P.',
    payloadLength: 4,
  });
  t.like(find(packets, 46003), { ...expect, extensionHeaders: [43], protocol: 6, payloadLength: 6 });
  t.like(find(packets, 46004), { ...expect, extensionHeaders: [0, 60, 43], protocol: 17, payloadLength: 5 });
  t.like(find(packets, 46006), { ...expect, extensionHeaders: [51], protocol: 6, tcpFlags: 'P.', payloadLength: 4 });
  t.like(find(packets, 46007), { ...expect, extensionHeaders: [0, 51], protocol: 17, payloadLength: 6 });
  // ESP hides what it carries; "no next header" carries nothing.
  const esp = packets.find((packet) => packet.protocol === 50)!;
  t.like(esp, { ...expect, length: 86 });
  t.false('srcPort' in esp || 'extensionHeaders' in esp);
  t.like(
    packets.find((packet) => packet.protocol === 59),
    expect,
  );
  // Without extension headers, no list.
  t.false('extensionHeaders' in find(packets, 46008));
});

test('kernel IPv6 TCP and UDP are decoded like IPv4', (t) => {
  const { packets } = netns('mixed-nano').capture;
  const tcp = packets.filter((packet) => packet.ipVersion === 6 && packet.protocol === 6);
  t.is(tcp.length, 10);
  t.like(tcp[0], { src: 'fd99::1', dst: 'fd99::2', dstPort: 8080, tcpFlags: 'S', payloadLength: 0 });
  t.like(tcp[1], { src: 'fd99::2', srcPort: 8080, tcpFlags: 'S.', payloadLength: 0 });
  t.deepEqual(
    tcp.map((packet) => packet.payloadLength),
    [0, 0, 0, 64, 0, 2, 0, 0, 0, 0],
  );
  const udp = packets.filter((packet) => packet.ipVersion === 6 && packet.protocol === 17);
  t.deepEqual(
    udp.map((packet) => [packet.dstPort === 5353 || packet.srcPort === 5353, packet.payloadLength]),
    [
      [true, 60],
      [true, 2],
    ],
  );
  const mld = packets.filter((packet) => packet.extensionHeaders !== undefined);
  t.true(mld.length >= 1);
  for (const report of mld) t.like(report, { src: '::', dst: 'ff02::16', extensionHeaders: [0], protocol: 58 });
});

test('a short snapshot length cuts packets, not their lengths', (t) => {
  const { packets } = netns('snaplen').capture;
  t.true(packets.every((packet) => packet.length <= 80));
  const v4data = packets.find(
    (packet) => packet.ipVersion === 4 && packet.tcpFlags === 'P.' && packet.dstPort === 8080,
  )!;
  t.like(v4data, { length: 80, wireLength: 1070, payloadLength: 1004 });
  t.like(
    packets.find((packet) => packet.ipVersion === 4 && packet.dstPort === 5353),
    { length: 80, wireLength: 1042, payloadLength: 1000 },
  );
  const v6data = packets.find(
    (packet) => packet.ipVersion === 6 && packet.tcpFlags === 'P.' && packet.dstPort === 8080,
  )!;
  t.like(v6data, { length: 80, wireLength: 790, payloadLength: 704 });
  t.like(
    packets.find((packet) => packet.ipVersion === 6 && packet.dstPort === 5353),
    { length: 80, wireLength: 762, payloadLength: 700 },
  );
});

test('big-endian files, micro- and nanosecond, read the same packets at the same times', (t) => {
  const read = (name: string) => readFileSync(`fixtures/pcap/netns-${name}.pcap`);
  t.is(read('mixed-nano').readUInt32LE(0), 0xa1b23c4d);
  t.is(read('mixed-be').readUInt32BE(0), 0xa1b23c4d);
  t.is(read('mixed-be-micro').readUInt32BE(0), 0xa1b2c3d4);
  const little = netns('mixed-nano');
  const big = netns('mixed-be').capture;
  const micro = netns('mixed-be-micro').capture;
  const strip = ({ time, nanos, ...rest }: Packet) => rest;
  t.deepEqual(big, little.capture);
  t.deepEqual(micro.packets.map(strip), little.capture.packets.map(strip));
  t.deepEqual(
    micro.packets.map((packet) => packet.nanos),
    little.capture.packets.map((packet) => Math.floor(packet.nanos / 1000) * 1000),
  );
  t.is(micro.snapLength, 262144);
  // Nanoseconds exactly as tcpdump prints them, and the float time that orders them.
  const first = little.capture.packets[0]!;
  t.is(`${first.seconds}.${String(first.nanos).padStart(9, '0')}`, little.records[0]!.split(' ')[0]!);
  t.true(Math.abs(first.time - Number(little.records[0]!.split(' ')[0])) < 1e-6);
  t.true(little.capture.packets.some((packet) => packet.nanos % 1000 !== 0));
  const microFirst = micro.packets[0]!;
  t.true(Math.abs(microFirst.time - (microFirst.seconds + microFirst.nanos / 1e9)) < 1e-9);
});

test('NULL and LOOP link types: the address family picks IPv4 or IPv6, in either byte order', (t) => {
  const ethernet = netns('mixed-nano').capture.packets.filter((packet) => packet.ipVersion !== undefined);
  for (const name of ['mixed-null', 'mixed-null-be', 'mixed-loop']) {
    const { capture, records } = netns(name);
    t.is(capture.packets.length, ethernet.length);
    capture.packets.forEach((packet, index) => {
      const family = Number(/AF \w+ \((\d+)\)/.exec(records[index]!)![1]);
      const { vlan, length, wireLength, ...expected } = ethernet[index]!;
      if (family === 7) t.is(packet.ipVersion, undefined, `${name} family 7`);
      else
        t.deepEqual(
          packet,
          { ...expected, length: length - 10, wireLength: wireLength! - 10 },
          `${name} family ${family}`,
        );
    });
    t.deepEqual(
      [...new Set(records.map((record) => Number(/AF \w+ \((\d+)\)/.exec(record)![1])))].sort((a, b) => a - b),
      [2, 7, 24, 28, 30],
    );
  }
  const null4 = readFileSync('fixtures/pcap/netns-mixed-null.pcap');
  t.is(null4.readUInt32LE(24 + 16), 2); // family in the file's (little-endian) order
  t.is(readFileSync('fixtures/pcap/netns-mixed-loop.pcap').readUInt32BE(24 + 16), 2); // LOOP: network order
});

test('IPv4 and IPv6 link types hold only their own version', (t) => {
  const ethernet = netns('mixed-nano').capture.packets;
  for (const [name, version] of [
    ['mixed-ipv4', 4],
    ['mixed-ipv6', 6],
  ] as const) {
    const { packets } = netns(name).capture;
    const expected = ethernet
      .filter((packet) => packet.ipVersion === version)
      .map(({ length, wireLength, ...rest }) => ({ ...rest, length: length - 14, wireLength: wireLength! - 14 }));
    t.deepEqual(packets, expected);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Damaged files and packets cut short: real frames from the fixtures, cut or wrapped here.

/** A little-endian microsecond pcap file around the given frames. */
function pcapFile(
  linkType: number,
  frames: Uint8Array[],
  { snapLength = 262144, major = 2, captured }: { snapLength?: number; major?: number; captured?: number } = {},
): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(major, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snapLength, 16);
  header.writeUInt32LE(linkType, 20);
  const records = frames.map((frame, index) => {
    const head = Buffer.alloc(16);
    head.writeUInt32LE(1795640000 + index, 0);
    head.writeUInt32LE(123456, 4);
    head.writeUInt32LE(captured ?? frame.length, 8);
    head.writeUInt32LE(frame.length, 12);
    return Buffer.concat([head, frame]);
  });
  return Buffer.concat([header, ...records]);
}

/** The bytes of the frame that tcpdump printed with `text` in a fixture. */
function frameOf(name: string, text: string): Buffer {
  const data = readFileSync(`fixtures/pcap/netns-${name}.pcap`);
  const { records } = netns(name);
  const wanted = records.findIndex((record) => record.includes(text));
  if (wanted < 0) throw new Error(`no record with ${text} in ${name}`);
  let offset = 24;
  for (let index = 0; index < wanted; index += 1) offset += 16 + data.readUInt32LE(offset + 8);
  return data.subarray(offset + 16, offset + 16 + data.readUInt32LE(offset + 8));
}

const decodeOne = (linkType: number, frame: Uint8Array) => {
  const { seconds, nanos, time, length, wireLength, ...decoded } = readPcap(pcapFile(linkType, [frame])).packets[0]!;
  return decoded;
};

test('refuses pcap versions other than 2, link types it cannot decode, and records longer than any capture', (t) => {
  const frame = frameOf('mixed-nano', 'id 0, offset 0');
  t.throws(() => readPcap(pcapFile(1, [frame], { major: 1 }), 'old.pcap'), {
    instanceOf: WglabError,
    message: 'old.pcap is pcap version 1.4, not 2.4',
  });
  const wifi = t.throws(() => readPcap(pcapFile(105, [frame]), 'wifi.pcap'), {
    instanceOf: WglabError,
    message: 'wifi.pcap has link type 105, which wglab does not decode',
  });
  t.regex(wifi.hint ?? '', /Ethernet/);
  const damaged = t.throws(() => readPcap(pcapFile(1, [frame, frame], { captured: 0x40001 }), 'damaged.pcap'), {
    instanceOf: WglabError,
  });
  t.is(
    damaged.message,
    'damaged.pcap is damaged: the record at byte 24 claims 262145 captured bytes (snapshot length 262144)',
  );
  // The snapshot length may allow larger records; libpcap's own limit allows up to 262144 bytes whatever the snapshot length.
  t.is(readPcap(pcapFile(1, [Buffer.alloc(300000)], { snapLength: 300000 })).packets.length, 1);
  t.is(readPcap(pcapFile(1, [Buffer.alloc(262144)], { snapLength: 100 })).packets.length, 1);
  // The FCS bits above the link type are no part of it.
  const fcs = pcapFile(1, [frame]);
  fcs.writeUInt32LE(0x14000001, 20);
  t.is(readPcap(fcs).linkType, 1);
  t.like(readPcap(fcs).packets[0], { ipVersion: 4, srcPort: 8080 });
});

test('a header alone is an empty capture; an empty record is a packet', (t) => {
  const empty = pcapFile(1, []);
  t.is(empty.length, 24);
  t.deepEqual(readPcap(empty), { linkType: 1, snapLength: 262144, packets: [] });
  const zero = readPcap(pcapFile(1, [Buffer.alloc(0)])).packets;
  t.deepEqual(zero, [{ seconds: 1795640000, nanos: 123456000, time: 1795640000.123456, length: 0, wireLength: 0 }]);
});

test('the record header gives times and both lengths', (t) => {
  const frame = frameOf('mixed-nano', 'id 0, offset 0');
  const file = pcapFile(1, [frame.subarray(0, 48)]);
  file.writeUInt32LE(frame.length, 24 + 12);
  t.like(readPcap(file).packets[0], {
    seconds: 1795640000,
    nanos: 123456000,
    time: 1795640000.123456,
    length: 48,
    wireLength: 74,
    srcPort: 8080,
    tcpFlags: 'S.',
    payloadLength: 0,
  });
});

test('frames shorter than their link header decode to nothing, and a bare cooked header still has its direction', (t) => {
  t.deepEqual(decodeOne(linkTypes.ethernet, Buffer.alloc(13)), {});
  const sll = Buffer.alloc(16);
  sll.writeUInt16BE(4, 0);
  sll.writeUInt16BE(0x0800, 14);
  t.deepEqual(decodeOne(linkTypes.linuxSll, sll), { direction: 'out' });
  t.deepEqual(decodeOne(linkTypes.linuxSll, sll.subarray(0, 15)), {});
  const sll2 = Buffer.alloc(20);
  sll2.writeUInt16BE(0x0800, 0);
  t.deepEqual(decodeOne(linkTypes.linuxSll2, sll2), { direction: 'in' });
  t.deepEqual(decodeOne(linkTypes.linuxSll2, sll2.subarray(0, 19)), {});
  t.deepEqual(decodeOne(linkTypes.null, Buffer.from([2, 0, 0])), {});
  t.deepEqual(decodeOne(linkTypes.loop, Buffer.from([0, 0, 2])), {});
  // A VLAN tag cut in half is not read; a whole one with nothing behind it is.
  const tagged = frameOf('vlan', 'vlan 10, p 5');
  t.deepEqual(decodeOne(linkTypes.ethernet, tagged.subarray(0, 16)), {});
  t.deepEqual(decodeOne(linkTypes.ethernet, tagged.subarray(0, 18)), { vlan: [10] });
});

test('IP and transport headers cut by the snapshot length decode as far as they were captured', (t) => {
  const v4 = frameOf('mixed-nano', 'id 0, offset 0').subarray(14); // SYN-ACK 10.99.0.2:8080
  t.deepEqual(decodeOne(linkTypes.raw, v4.subarray(0, 19)), {});
  t.deepEqual(decodeOne(linkTypes.raw, v4.subarray(0, 20)), {
    ipVersion: 4,
    ipLength: 60,
    src: '10.99.0.2',
    dst: '10.99.0.1',
    protocol: 6,
  });
  t.deepEqual(decodeOne(linkTypes.raw, v4.subarray(0, 23)), {
    ipVersion: 4,
    ipLength: 60,
    src: '10.99.0.2',
    dst: '10.99.0.1',
    protocol: 6,
  });
  t.like(decodeOne(linkTypes.raw, v4.subarray(0, 24)), { srcPort: 8080 });
  // A total length equal to the header's: an IP packet with nothing in it (tcpdump: bad-len only below).
  const bare = Buffer.from(v4);
  bare.writeUInt16BE(20, 2);
  t.deepEqual(decodeOne(linkTypes.raw, bare), {
    ipVersion: 4,
    ipLength: 20,
    src: '10.99.0.2',
    dst: '10.99.0.1',
    protocol: 6,
  });
  t.false('tcpFlags' in decodeOne(linkTypes.raw, v4.subarray(0, 33)));
  t.like(decodeOne(linkTypes.raw, v4.subarray(0, 34)), { srcPort: 8080, tcpFlags: 'S.', payloadLength: 0 });
  const v6 = frameOf('mixed-nano', 'payload length: 96').subarray(14); // IPv6 TCP with 64 bytes of data
  t.deepEqual(decodeOne(linkTypes.raw, v6.subarray(0, 39)), {});
  t.deepEqual(decodeOne(linkTypes.raw, v6.subarray(0, 40)), {
    ipVersion: 6,
    ipLength: 136,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 6,
  });
  t.like(decodeOne(linkTypes.raw, v6.subarray(0, 54)), { dstPort: 8080, tcpFlags: 'P.', payloadLength: 64 });
  // Hop-by-hop then UDP (port 46001, 3 bytes of data).
  const hop = frameOf('ipv6-ext', 'HBH (padn) 46001').subarray(14);
  t.deepEqual(decodeOne(linkTypes.raw, hop.subarray(0, 41)), {
    ipVersion: 6,
    ipLength: 59,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 0,
  });
  t.deepEqual(decodeOne(linkTypes.raw, hop.subarray(0, 47)), {
    ipVersion: 6,
    ipLength: 59,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 0,
  });
  t.deepEqual(decodeOne(linkTypes.raw, hop.subarray(0, 48)), {
    ipVersion: 6,
    ipLength: 59,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 17,
    extensionHeaders: [0],
  });
  t.deepEqual(decodeOne(linkTypes.raw, hop.subarray(0, 51)), {
    ipVersion: 6,
    ipLength: 59,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 17,
    extensionHeaders: [0],
  });
  t.like(decodeOne(linkTypes.raw, hop.subarray(0, 52)), { srcPort: 46001, dstPort: 5353 });
  t.false('payloadLength' in decodeOne(linkTypes.raw, hop.subarray(0, 53)));
  t.like(decodeOne(linkTypes.raw, hop.subarray(0, 54)), { srcPort: 46001, payloadLength: 3 });
  // Hop-by-hop, destination options, routing: a payload length that ends inside the chain stops the walk there.
  const chain = Buffer.from(frameOf('ipv6-ext', 'HBH (padn) DSTOPT').subarray(14));
  chain.writeUInt16BE(16, 4);
  t.deepEqual(decodeOne(linkTypes.raw, chain), {
    ipVersion: 6,
    ipLength: 56,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 43,
    extensionHeaders: [0, 60],
  });
  chain.writeUInt16BE(24, 4); // the routing header's first 8 bytes are inside, its other 16 are not
  t.deepEqual(decodeOne(linkTypes.raw, chain), {
    ipVersion: 6,
    ipLength: 64,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 43,
    extensionHeaders: [0, 60],
  });
  chain.writeUInt16BE(48, 4); // all three, and a UDP header with none of its data
  t.like(decodeOne(linkTypes.raw, chain), {
    protocol: 17,
    extensionHeaders: [0, 60, 43],
    srcPort: 46004,
    payloadLength: 0,
  });
  chain.writeUInt16BE(15, 4);
  t.deepEqual(decodeOne(linkTypes.raw, chain), {
    ipVersion: 6,
    ipLength: 55,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 60,
    extensionHeaders: [0],
  });
  // AH's length counts 4-byte words (plus 2): 24 bytes here, then TCP.
  const ah = frameOf('ipv6-ext', 'spi=0x00001001').subarray(14);
  t.like(decodeOne(linkTypes.raw, ah.subarray(0, 40 + 24 + 14)), {
    extensionHeaders: [51],
    protocol: 6,
    srcPort: 46006,
    tcpFlags: 'P.',
    payloadLength: 4,
  });
  t.false('srcPort' in decodeOne(linkTypes.raw, ah.subarray(0, 40 + 23)));
});

test('NULL and LOOP: only the BSD families of IPv4 and IPv6 are decoded, each as its own version', (t) => {
  const v6 = frameOf('mixed-nano', 'payload length: 96').subarray(14);
  const v4 = frameOf('mixed-nano', 'id 0, offset 0').subarray(14);
  const family = (value: number, little: boolean) => {
    const head = Buffer.alloc(4);
    if (little) head.writeUInt32LE(value);
    else head.writeUInt32BE(value);
    return head;
  };
  for (const little of [true, false]) {
    for (const value of [24, 28, 30]) {
      t.like(
        decodeOne(linkTypes.null, Buffer.concat([family(value, little), v6])),
        { ipVersion: 6, dstPort: 8080 },
        `NULL ${value}`,
      );
      t.deepEqual(
        decodeOne(linkTypes.null, Buffer.concat([family(value, little), v4])),
        {},
        `NULL ${value} holding IPv4`,
      );
    }
    t.like(decodeOne(linkTypes.null, Buffer.concat([family(2, little), v4])), { ipVersion: 4, srcPort: 8080 });
    t.deepEqual(decodeOne(linkTypes.null, Buffer.concat([family(2, little), v6])), {});
    // Linux's own AF_INET6 (10), as tcpdump reads NULL, is no BSD family; nor is 0xffff.
    for (const value of [10, 7, 0xffff])
      t.deepEqual(decodeOne(linkTypes.null, Buffer.concat([family(value, little), v6])), {}, `NULL ${value}`);
  }
  t.like(decodeOne(linkTypes.loop, Buffer.concat([family(30, false), v6])), { ipVersion: 6, dstPort: 8080 });
  t.deepEqual(decodeOne(linkTypes.loop, Buffer.concat([family(30, true), v6])), {}); // LOOP is always big-endian
});

test('VLAN IDs use all 12 bits, without the priority; only IP Ethernet types are decoded', (t) => {
  const tagged = Buffer.from(frameOf('vlan', 'vlan 10, p 5'));
  tagged.writeUInt16BE(0xeffe, 14); // priority 7, DEI 0, VLAN 4094
  t.like(decodeOne(linkTypes.ethernet, tagged), { vlan: [4094], ipVersion: 4, dstPort: 8080 });
  tagged.writeUInt16BE(0x0123, 14);
  t.like(decodeOne(linkTypes.ethernet, tagged), { vlan: [0x123] });
  const lldp = Buffer.from(frameOf('mixed-nano', 'payload length: 96'));
  t.like(decodeOne(linkTypes.ethernet, lldp), { ipVersion: 6 });
  lldp.writeUInt16BE(0x88cc, 12);
  t.deepEqual(decodeOne(linkTypes.ethernet, lldp), {});
});

test('extension headers inside fragmented data: walked after a first Fragment header, never in a later piece', (t) => {
  const { packets } = netns('edges').capture;
  const pieces = packets.filter((packet) => packet.fragment?.id === 0x6f02);
  t.is(pieces.length, 2);
  t.like(pieces[0], {
    fragment: { id: 0x6f02, offset: 0, more: true },
    extensionHeaders: [44, 60],
    protocol: 17,
    srcPort: 46201,
    dstPort: 5353,
    payloadLength: 1232 - 8 - 8,
  });
  // The later piece's Fragment header names destination options, but what follows is data, not a header.
  t.like(pieces[1], { fragment: { id: 0x6f02, offset: 1232, more: false }, extensionHeaders: [44], protocol: 60 });
  t.false('srcPort' in pieces[1]!);
  const later = Buffer.from(frameOf('edges', 'frag (0x00006f02:1232|184)'));
  later[14 + 48 + 1] = 0; // data that would read as an 8-byte header
  t.like(decodeOne(linkTypes.ethernet, later), { extensionHeaders: [44], protocol: 60 });
  // A Fragment header is 8 bytes whatever its reserved byte says.
  const atomic = Buffer.from(frameOf('ipv6-ext', 'frag (0x00006001:0|14)'));
  atomic[14 + 40 + 1] = 3;
  t.like(decodeOne(linkTypes.ethernet, atomic), {
    extensionHeaders: [44],
    protocol: 17,
    srcPort: 46005,
    payloadLength: 6,
  });
});

test('UDP with no data: payload length 0; shorter than its header: ports only', (t) => {
  const { packets } = netns('edges').capture;
  const short = Buffer.from(frameOf('edges', '46202 > fd99::2.5353'));
  for (const length of [7, 4]) {
    short.writeUInt16BE(length, 14 + 4);
    t.deepEqual(decodeOne(linkTypes.ethernet, short), {
      ipVersion: 6,
      ipLength: 40 + length,
      src: 'fd99::1',
      dst: 'fd99::2',
      protocol: 17,
      srcPort: 46202,
      dstPort: 5353,
    });
  }
  short.writeUInt16BE(3, 14 + 4);
  t.deepEqual(decodeOne(linkTypes.ethernet, short), {
    ipVersion: 6,
    ipLength: 43,
    src: 'fd99::1',
    dst: 'fd99::2',
    protocol: 17,
  });
  t.like(find(packets, 42001), { ipVersion: 4, protocol: 17, dstPort: 5353, payloadLength: 0, length: 42 });
  t.like(find(packets, 46202), { ipVersion: 6, protocol: 17, dstPort: 5353, payloadLength: 0, length: 62 });
});

test('IPv6 addresses written as tcpdump writes them: the first longest run of zero groups as ::, never a single one', (t) => {
  const packet = Buffer.from(frameOf('mixed-nano', 'payload length: 96').subarray(14));
  const source = (groups: number[]) => {
    groups.forEach((group, index) => packet.writeUInt16BE(group, 8 + 2 * index));
    return decodeOne(linkTypes.raw, packet).src;
  };
  t.is(source([0x2001, 0xdb8, 1, 2, 3, 4, 5, 6]), '2001:db8:1:2:3:4:5:6');
  t.is(source([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), '2001:db8:0:1:1:1:1:1');
  t.is(source([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), '2001:db8::1:0:0:1');
  t.is(source([0x2001, 0, 0, 1, 0, 0, 0, 1]), '2001:0:0:1::1');
  t.is(source([0, 0, 0, 0, 0, 0, 0, 0]), '::');
});

test('TCP flags as tcpdump prints them, and a data offset beyond the segment', (t) => {
  const synAck = Buffer.from(frameOf('mixed-nano', 'id 0, offset 0').subarray(14));
  const flags = (bits: number) => {
    synAck[20 + 13] = bits;
    return decodeOne(linkTypes.raw, synAck).tcpFlags;
  };
  t.deepEqual([0x00, 0x01, 0x11, 0x04, 0x18, 0x39, 0xc2].map(flags), ['none', 'F', 'F.', 'R', 'P.', 'FPU.', 'SEW']);
  synAck[20 + 13] = 0x12;
  synAck.writeUInt16BE(20 + 36, 2); // the TCP header says 40 bytes, the IP packet holds 36 of them
  t.deepEqual(decodeOne(linkTypes.raw, synAck), {
    ipVersion: 4,
    ipLength: 56,
    src: '10.99.0.2',
    dst: '10.99.0.1',
    protocol: 6,
    srcPort: 8080,
    dstPort: synAck.readUInt16BE(22),
  });
});

test('ICMP and ICMPv6: type and code, the MTU of "fragmentation needed" and "packet too big", an echo\'s id and sequence', (t) => {
  const ipv4 = (payload: number[]) =>
    Uint8Array.from([
      0x45,
      0,
      0,
      20 + payload.length,
      0,
      0,
      0x40,
      0,
      64,
      1,
      0,
      0,
      10,
      0,
      0,
      1,
      10,
      0,
      0,
      2,
      ...payload,
    ]);
  const ipv6 = (payload: number[]) =>
    Uint8Array.from([
      0x60,
      0,
      0,
      0,
      0,
      payload.length,
      58,
      64,
      ...[0xfd, 0x99, ...Array<number>(13).fill(0), 1],
      ...[0xfd, 0x99, ...Array<number>(13).fill(0), 2],
      ...payload,
    ]);
  // Fragmentation needed, next-hop MTU 1420; an echo request; port unreachable (no MTU); a header cut short.
  t.deepEqual(decodeOne(linkTypes.raw, ipv4([3, 4, 0, 0, 0, 0, 0x05, 0x8c])).icmp, { type: 3, code: 4, mtu: 1420 });
  t.deepEqual(decodeOne(linkTypes.raw, ipv4([8, 0, 0, 0, 0x12, 0x34, 0, 7])).icmp, {
    type: 8,
    code: 0,
    echoId: 0x1234,
    echoSeq: 7,
  });
  t.deepEqual(decodeOne(linkTypes.raw, ipv4([0, 0, 0, 0, 0, 1, 0, 1])).icmp, {
    type: 0,
    code: 0,
    echoId: 1,
    echoSeq: 1,
  });
  t.deepEqual(decodeOne(linkTypes.raw, ipv4([8, 0, 0, 0, 0, 1, 0])).icmp, { type: 8, code: 0 });
  t.deepEqual(decodeOne(linkTypes.raw, ipv4([13, 0, 0, 0, 0, 1, 0, 1])).icmp, { type: 13, code: 0 });
  t.deepEqual(decodeOne(linkTypes.raw, ipv4([3, 3, 0, 0, 0, 0, 0x05, 0x8c])).icmp, { type: 3, code: 3 });
  t.deepEqual(decodeOne(linkTypes.raw, ipv4([3, 4, 0, 0, 0, 0, 0x05])).icmp, { type: 3, code: 4 });
  t.is(decodeOne(linkTypes.raw, ipv4([3])).icmp, undefined);
  t.is(decodeOne(linkTypes.raw, ipv4([3, 4, 0, 0, 0, 0, 0x05, 0x8c])).ipLength, 28);
  // Packet too big, MTU 1280; an echo reply.
  t.deepEqual(decodeOne(linkTypes.raw, ipv6([2, 0, 0, 0, 0, 0, 0x05, 0x00])).icmp, { type: 2, code: 0, mtu: 1280 });
  t.deepEqual(decodeOne(linkTypes.raw, ipv6([129, 0, 0, 0, 0, 0, 0, 0])).icmp, {
    type: 129,
    code: 0,
    echoId: 0,
    echoSeq: 0,
  });
  t.deepEqual(decodeOne(linkTypes.raw, ipv6([128, 0, 0, 0, 0, 9, 0, 2])).icmp, {
    type: 128,
    code: 0,
    echoId: 9,
    echoSeq: 2,
  });
  t.deepEqual(decodeOne(linkTypes.raw, ipv6([8, 0, 0, 0, 0, 9, 0, 2])).icmp, { type: 8, code: 0 });
  t.deepEqual(decodeOne(linkTypes.raw, ipv6([2, 0, 0, 0, 0, 0])).icmp, { type: 2, code: 0 });
  t.is(decodeOne(linkTypes.raw, ipv6([2, 0, 0, 0, 0, 0, 0x05, 0x00])).ipLength, 48);
});

test("real tcpdump (-i any): ping's echoes carry their identifier and sequence, IPv4 and IPv6", (t) => {
  // ping -M do -e 20030 -s 1372 127.0.0.1 and ping -e 20040 -s 8 fd00::1, captured in a lab node.
  const { packets } = readPcap(readFileSync('fixtures/pcap/ping-echo-any.pcap'));
  t.deepEqual(
    packets.map((packet) => [packet.protocol, packet.icmp?.type, packet.icmp?.echoId, packet.icmp?.echoSeq]),
    [
      [1, 8, 20030, 1],
      [1, 0, 20030, 1],
      [58, 128, 20040, 1],
      [58, 129, 20040, 1],
    ],
  );
  t.is(packets[0]!.ipLength, 1400);
});

test('a running capture read in parts: the records from a mark on, whole records only, the rest left for the next read', (t) => {
  const file = new Uint8Array(readFileSync('fixtures/pcap/router-any-sll2-nano.pcap'));
  const all = readPcap(file).packets;
  t.true(all.length >= 4, 'the fixture has packets enough to cut');
  const header = file.subarray(0, 24);
  // Record boundaries, as the file's own lengths give them (little-endian file).
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const starts: number[] = [];
  for (let at = 24; at < file.byteLength; at += 16 + view.getUint32(at + 8, true)) starts.push(at);
  t.is(starts.length, all.length);
  const whole = pcapSince(header, file.subarray(24), 24, 24);
  t.deepEqual(readPcap(whole.pcap).packets, all);
  t.is(whole.next, file.byteLength);
  const fromThird = pcapSince(header, file.subarray(24), 24, starts[2]!);
  t.deepEqual(readPcap(fromThird.pcap).packets, all.slice(2));
  const straddling = pcapSince(header, file.subarray(24), 24, starts[2]! + 1);
  t.deepEqual(readPcap(straddling.pcap).packets, all.slice(3), "a record begun before the mark is not the batch's");
  const cut = pcapSince(header, file.subarray(starts[1]!, starts[3]! + 20), starts[1]!, starts[1]!);
  t.deepEqual(readPcap(cut.pcap).packets, all.slice(1, 3), 'a record still being written is left out');
  t.is(cut.next, starts[3]!, 'and read next time from its start');
  const third = all[2]!.seconds + all[2]!.nanos / 1e9;
  t.deepEqual(
    readPcap(pcapSince(header, file.subarray(24), 24, 24, third).pcap).packets,
    all.filter((packet) => packet.seconds + packet.nanos / 1e9 >= third),
    'with a time: the records stamped from then on',
  );
  t.true(all.filter((packet) => packet.seconds + packet.nanos / 1e9 >= third).length < all.length);
  t.deepEqual(readPcap(pcapSince(header, file.subarray(24), 24, 24, all.at(-1)!.time + 1).pcap).packets, []);
  t.deepEqual(
    readPcap(pcapSince(header, file.subarray(24), 24, starts[3]!, all[0]!.time).pcap).packets,
    all.slice(3),
    'both bounds hold',
  );
  const big = new Uint8Array(readFileSync('fixtures/pcap/b-eth0-ethernet.pcap'));
  const micro = pcapSince(big.subarray(0, 24), big.subarray(24), 24, 24);
  t.is(readPcap(micro.pcap).packets.length, readPcap(big).packets.length);
  const microPackets = readPcap(big).packets;
  const second = microPackets.find((packet) => packet.time > microPackets[0]!.time)!.time;
  t.deepEqual(
    readPcap(pcapSince(big.subarray(0, 24), big.subarray(24), 24, 24, second).pcap).packets,
    microPackets.filter((packet) => packet.time >= second),
    'microsecond stamps read as microseconds',
  );
});

// An endpoint's `tcpdump -i any` across wg-quick down and up, beside `tcpdump -i wg0` on each of the two wg0
// (scripts/make-pcap-fixtures.ts): what wglab reads as the tunnel's packets when WireGuard restarts mid-scenario.
test("the wg0 records of an endpoint's any capture are the packets tcpdump -i wg0 saw, on both interfaces of a restart", (t) => {
  const any = new Uint8Array(readFileSync('fixtures/pcap/a-any-sll2.pcap'));
  const [first, second] = readFileSync('fixtures/pcap/a-any-sll2.wg0-indices', 'utf8').trim().split(' ').map(Number);
  const seen = (packets: Packet[]) =>
    packets.map(
      (packet) =>
        `${packet.src}:${packet.srcPort} > ${packet.dst}:${packet.dstPort} ${packet.tcpFlags} ${packet.ipLength}`,
    );
  const wg0 = (name: string) => seen(readPcap(readFileSync(`fixtures/pcap/${name}.pcap`)).packets);
  const both = readPcap(interfaceRecords(any, [first!, second!]), 'wg0 of any');
  t.is(both.linkType, linkTypes.raw, 'a WireGuard capture of its own, as tcpdump -i wg0 writes it');
  t.true(
    both.packets.every((packet) => packet.direction === undefined),
    'no direction: every packet counts',
  );
  t.deepEqual(seen(both.packets), [...wg0('a-wg0-first'), ...wg0('a-wg0-second')]);
  t.deepEqual(seen(readPcap(interfaceRecords(any, [first!])).packets), wg0('a-wg0-first'));
  t.deepEqual(seen(readPcap(interfaceRecords(any, [second!])).packets), wg0('a-wg0-second'));
  t.deepEqual(readPcap(interfaceRecords(any, [])).packets, []);
  const all = readPcap(any).packets;
  t.true(all.length > both.packets.length, 'the any capture holds eth0 and lo too, left out');
  const times = both.packets.map((packet) => packet.time);
  t.deepEqual(
    times,
    all.filter((packet) => times.includes(packet.time)).map((packet) => packet.time),
  );
  t.true(
    both.packets.every((packet) => packet.length === packet.wireLength && packet.length === packet.ipLength),
    'lengths without the 20-byte cooked header',
  );
  const view = new DataView(any.buffer, any.byteOffset, any.byteLength);
  let lastWg0End = 0;
  for (let at = 24; at < any.byteLength; at += 16 + view.getUint32(at + 8, true))
    if ([first, second].includes(view.getUint32(at + 16 + 4))) lastWg0End = at + 16 + view.getUint32(at + 8, true);
  const cut = interfaceRecords(any.subarray(0, lastWg0End - 5), [first!, second!]);
  t.is(readPcap(cut).packets.length, both.packets.length - 1, 'a record cut short is left out');
  t.throws(() => interfaceRecords(readFileSync('fixtures/pcap/wg0-raw.pcap'), [1]), { message: /LINUX_SLL2/ });
});

test('interfaceRecords keeps IPv4 and IPv6 on the interface, and leaves out other protocols, short records and a big-endian file read right', (t) => {
  /** A LINUX_SLL2 pcap of records [protocol, ifindex, payload], little- or big-endian. */
  const sll2 = (records: [number, number, number[], number?][], little = true, cut = 0) => {
    const header = new DataView(new ArrayBuffer(24));
    header.setUint32(0, 0xa1b2c3d4, little);
    header.setUint16(4, 2, little);
    header.setUint16(6, 4, little);
    header.setUint32(16, 262144, little);
    header.setUint32(20, linkTypes.linuxSll2, little);
    const parts = [new Uint8Array(header.buffer)];
    records.forEach(([protocol, ifindex, payload, captured], at) => {
      const frame = new Uint8Array(20 + payload.length);
      const view = new DataView(frame.buffer);
      view.setUint16(0, protocol);
      view.setUint32(4, ifindex);
      frame.set(payload, 20);
      const head = new DataView(new ArrayBuffer(16));
      head.setUint32(0, 1000 + at, little);
      head.setUint32(8, captured ?? frame.length, little);
      head.setUint32(12, frame.length + 4, little);
      parts.push(new Uint8Array(head.buffer), frame.subarray(0, captured ?? frame.length));
    });
    const all = Buffer.concat(parts);
    return new Uint8Array(all.subarray(0, all.length - cut));
  };
  const ipv4 = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  const ipv6 = [0x60, 0, 0, 0, 0, 0, 17, 64, ...Array(16).fill(0), ...Array(15).fill(0), 1];
  for (const little of [true, false]) {
    const file = sll2(
      [
        [0x0800, 7, ipv4],
        [0x86dd, 7, ipv6],
        [0x0806, 7, ipv4], // ARP on the interface: not IP
        [0x0800, 8, ipv4], // another interface
        [0x0800, 7, ipv4, 10], // a record cut shorter than its cooked header
        [0x0800, 7, ipv4],
      ],
      little,
    );
    const kept = readPcap(interfaceRecords(file, [7]));
    t.is(kept.linkType, linkTypes.raw);
    t.deepEqual(
      kept.packets.map((packet) => [packet.seconds, packet.ipVersion, packet.length, packet.wireLength]),
      [
        [1000, 4, 20, 24],
        [1001, 6, 40, 44],
        [1005, 4, 20, 24],
      ],
      little ? 'little-endian' : 'big-endian',
    );
    const cut = readPcap(interfaceRecords(sll2([[0x0800, 7, ipv4]], little, 1), [7]));
    t.deepEqual(cut.packets, [], 'a last record cut by one byte is left out');
  }
});
