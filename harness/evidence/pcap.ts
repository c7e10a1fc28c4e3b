import { WglabError } from '../errors.ts';

/** One captured packet, decoded down to the transport header. */
export interface Packet {
  /** Seconds since the epoch (a float: for ordering and durations). */
  time: number;
  /** The exact timestamp: whole seconds and nanoseconds. */
  seconds: number;
  nanos: number;
  /** Captured length in bytes. */
  length: number;
  /** Length on the wire; more than `length` when the capture's snapshot length cut the packet. */
  wireLength?: number;
  /** On cooked captures (any, SLL/SLL2): whether the packet was sent by the host or received. */
  direction?: 'in' | 'out';
  /** 802.1Q and 802.1ad (QinQ) VLAN IDs of an Ethernet frame, outermost first. */
  vlan?: number[];
  ipVersion?: 4 | 6;
  /** The IP packet's length as its header gives it (IPv4 total length, IPv6 40 + payload length): its size on a link. */
  ipLength?: number;
  /** ICMP and ICMPv6: type and code; `mtu` for "fragmentation needed" (3/4) and "packet too big" (ICMPv6 2/0). */
  /** ICMP: type and code; the MTU of a frag-needed/packet-too-big; an echo's identifier and sequence number. */
  icmp?: { type: number; code: number; mtu?: number; echoId?: number; echoSeq?: number };
  src?: string;
  dst?: string;
  /**
   * IP protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 50 ESP. On IPv6, the header after the extension headers
   * (on a later fragment, the one the Fragment header names).
   */
  protocol?: number;
  /** IPv6 extension headers before `protocol`, by number: 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 destination options. */
  extensionHeaders?: number[];
  /**
   * Set on every piece of a fragmented IP packet (IPv4, or IPv6 with a Fragment header), the first included.
   * Only the first (offset 0) holds the transport header: later ones have no ports, flags or payloadLength.
   */
  fragment?: { id: number; offset: number; more: boolean };
  srcPort?: number;
  dstPort?: number;
  /** TCP flags as tcpdump prints them: S, F, R, P, . (ACK) and so on. */
  tcpFlags?: string;
  /**
   * Bytes of transport payload (TCP/UDP data) in this packet, from the IP and transport headers' lengths (never
   * Ethernet padding, and still right when the snapshot length cut the capture). For the first fragment of a
   * UDP datagram: the datagram's bytes in this fragment.
   */
  payloadLength?: number;
}

export interface Capture {
  linkType: number;
  snapLength: number;
  packets: Packet[];
}

export const linkTypes = {
  null: 0,
  ethernet: 1,
  raw: 101,
  loop: 108,
  linuxSll: 113,
  linuxSll2: 276,
  ipv4: 228,
  ipv6: 229,
} as const;

type Decoded = Omit<Packet, 'time' | 'seconds' | 'nanos' | 'length' | 'wireLength'>;

const formats: Record<number, { little: boolean; perSecond: number }> = {
  0xa1b2c3d4: { little: false, perSecond: 1e6 },
  0xd4c3b2a1: { little: true, perSecond: 1e6 },
  0xa1b23c4d: { little: false, perSecond: 1e9 },
  0x4d3cb2a1: { little: true, perSecond: 1e9 },
};

/** libpcap refuses records larger than this (and than the file's snapshot length) as damage. */
const maxRecord = 262144;

/**
 * Reads a classic pcap file (as `tcpdump -w` writes it): either byte order, micro- or nanosecond timestamps.
 * A last record cut short (a capture stopped while writing) is left out.
 */
export function readPcap(data: Uint8Array, file = 'capture'): Capture {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 24)
    throw new WglabError(`${file} is too short for a pcap file (${data.byteLength} bytes)`, {
      hint: 'was the capture stopped before tcpdump wrote its header?',
    });
  const magic = view.getUint32(0, false);
  if (magic === 0x0a0d0d0a)
    throw new WglabError(`${file} is pcapng, not pcap`, {
      hint: 'capture with tcpdump -w (pcap), or convert with editcap -F pcap',
    });
  const format = formats[magic];
  if (!format)
    throw new WglabError(`${file} is not a pcap file (magic 0x${magic.toString(16)})`, {
      hint: 'give a file written by tcpdump -w',
    });
  const { little, perSecond } = format;
  const major = view.getUint16(4, little);
  const minor = view.getUint16(6, little);
  if (major !== 2)
    throw new WglabError(`${file} is pcap version ${major}.${minor}, not 2.4`, {
      hint: 'give a file written by tcpdump -w',
    });
  const snapLength = view.getUint32(16, little);
  const linkType = view.getUint32(20, little) & 0xffff;
  if (!(Object.values(linkTypes) as number[]).includes(linkType)) {
    throw new WglabError(`${file} has link type ${linkType}, which wglab does not decode`, {
      hint: 'capture on an Ethernet, WireGuard (raw IP), loopback or `any` interface',
    });
  }
  const packets: Packet[] = [];
  let offset = 24;
  while (offset + 16 <= data.byteLength) {
    const seconds = view.getUint32(offset, little);
    const fraction = view.getUint32(offset + 4, little);
    const captured = view.getUint32(offset + 8, little);
    const wireLength = view.getUint32(offset + 12, little);
    if (captured > maxRecord && captured > snapLength) {
      throw new WglabError(
        `${file} is damaged: the record at byte ${offset} claims ${captured} captured bytes (snapshot length ${snapLength})`,
        { hint: 'capture again; a pcap file cannot be cut or joined byte-wise' },
      );
    }
    const start = offset + 16;
    if (start + captured > data.byteLength) break;
    const frame = data.subarray(start, start + captured);
    const nanos = fraction * (1e9 / perSecond);
    packets.push({
      time: seconds + fraction / perSecond,
      seconds,
      nanos,
      length: captured,
      wireLength,
      ...decodeFrame(frame, linkType),
    });
    offset = start + captured;
  }
  return { linkType, snapLength, packets };
}

/**
 * The records of a growing pcap file (tcpdump -U -w, still running) that begin at or after byte `mark` (and, with
 * `since`, were stamped at or after that time, in seconds), as a pcap file of their own. `header` is the file's
 * first 24 bytes; `bytes` the file from byte `base`, a record boundary. `next` is the boundary after the last
 * whole record: a record still being written is left for the next read.
 */
export function pcapSince(
  header: Uint8Array,
  bytes: Uint8Array,
  base: number,
  mark: number,
  since?: number,
): { pcap: Uint8Array; next: number } {
  const format = formats[new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(0, false)];
  const little = format?.little ?? true;
  const perSecond = format?.perSecond ?? 1e6;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [header];
  let offset = 0;
  while (offset + 16 <= bytes.byteLength) {
    const end = offset + 16 + view.getUint32(offset + 8, little);
    if (end > bytes.byteLength) break;
    const stamped = view.getUint32(offset, little) + view.getUint32(offset + 4, little) / perSecond;
    if (base + offset >= mark && (since === undefined || stamped >= since)) kept.push(bytes.subarray(offset, end));
    offset = end;
  }
  return { pcap: new Uint8Array(Buffer.concat(kept)), next: base + offset };
}

/**
 * The packets of one interface in a `tcpdump -i any` capture (LINUX_SLL2 names each packet's interface by its
 * index) as a capture of that interface alone: raw IP records (link type 101), what `tcpdump -i wg0` writes on a
 * WireGuard interface. `indices` are the interface's indices while the capture ran: one deleted and created again
 * (wg-quick down and up) has another. Records of other protocols than IP are left out.
 */
export function interfaceRecords(pcap: Uint8Array, indices: readonly number[]): Uint8Array {
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const little = formats[view.getUint32(0, false)]?.little ?? true;
  if ((view.getUint32(20, little) & 0xffff) !== linkTypes.linuxSll2)
    throw new Error('interfaceRecords reads LINUX_SLL2 captures (tcpdump -i any -y LINUX_SLL2) only');
  const header = new Uint8Array(pcap.subarray(0, 24));
  new DataView(header.buffer).setUint32(20, linkTypes.raw, little);
  const kept: Uint8Array[] = [header];
  for (let offset = 24; offset + 16 <= pcap.byteLength;) {
    const captured = view.getUint32(offset + 8, little);
    const frame = offset + 16;
    const end = frame + captured;
    if (end > pcap.byteLength) break;
    const protocol = captured >= 20 ? view.getUint16(frame) : 0;
    if ((protocol === 0x0800 || protocol === 0x86dd) && indices.includes(view.getUint32(frame + 4))) {
      const record = new Uint8Array(16 + captured - 20);
      const recordView = new DataView(record.buffer);
      record.set(pcap.subarray(offset, offset + 8)); // the timestamp
      recordView.setUint32(8, captured - 20, little);
      recordView.setUint32(12, view.getUint32(offset + 12, little) - 20, little);
      record.set(pcap.subarray(frame + 20, end), 16);
      kept.push(record);
    }
    offset = end;
  }
  return new Uint8Array(Buffer.concat(kept));
}

function decodeFrame(frame: Uint8Array, linkType: number): Decoded {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  switch (linkType) {
    case linkTypes.ethernet:
      return frame.length < 14 ? {} : decodeByEtherType(frame.subarray(14), view.getUint16(12));
    case linkTypes.linuxSll:
      if (frame.length < 16) return {};
      return {
        direction: view.getUint16(0) === 4 ? 'out' : 'in',
        ...decodeByEtherType(frame.subarray(16), view.getUint16(14)),
      };
    case linkTypes.linuxSll2:
      if (frame.length < 20) return {};
      return { direction: frame[10] === 4 ? 'out' : 'in', ...decodeByEtherType(frame.subarray(20), view.getUint16(0)) };
    case linkTypes.raw:
      return frame[0]! >> 4 === 6 ? decodeIpv6(frame) : decodeIpv4(frame);
    case linkTypes.ipv4:
      return decodeIpv4(frame);
    case linkTypes.ipv6:
      return decodeIpv6(frame);
    case linkTypes.null: {
      // The address family in the byte order of the machine that wrote it, which need not be the file's (as tcpdump reads it).
      if (frame.length < 4) return {};
      const family = view.getUint32(0, true);
      return decodeByFamily(frame.subarray(4), (family & 0xffff0000) !== 0 ? view.getUint32(0, false) : family);
    }
    default: // loop: the family always in network byte order
      return frame.length < 4 ? {} : decodeByFamily(frame.subarray(4), view.getUint32(0, false));
  }
}

/** BSD address families: 2 is IPv4; IPv6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS). */
function decodeByFamily(payload: Uint8Array, family: number): Decoded {
  if (family === 2) return decodeIpv4(payload);
  return family === 24 || family === 28 || family === 30 ? decodeIpv6(payload) : {};
}

function decodeByEtherType(payload: Uint8Array, etherType: number): Decoded {
  const vlan: number[] = [];
  let type = etherType;
  let offset = 0;
  while ((type === 0x8100 || type === 0x88a8) && payload.length >= offset + 4) {
    vlan.push(((payload[offset]! << 8) | payload[offset + 1]!) & 0x0fff);
    type = (payload[offset + 2]! << 8) | payload[offset + 3]!;
    offset += 4;
  }
  const rest = payload.subarray(offset);
  const ip = type === 0x0800 ? decodeIpv4(rest) : type === 0x86dd ? decodeIpv6(rest) : {};
  return vlan.length > 0 ? { vlan, ...ip } : ip;
}

/** IPv4: the header's own length (IHL, options included) and total length (so Ethernet padding is no payload). */
function decodeIpv4(data: Uint8Array): Decoded {
  if (data.length < 20 || data[0]! >> 4 !== 4) return {};
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = (data[0]! & 0x0f) * 4;
  const totalLength = view.getUint16(2);
  if (headerLength < 20 || totalLength < headerLength) return {}; // tcpdump: bad-hlen, bad-len
  const flags = view.getUint16(6);
  const offset = (flags & 0x1fff) * 8;
  const more = (flags & 0x2000) !== 0;
  const protocol = data[9]!;
  const packet: Decoded = {
    ipVersion: 4,
    ipLength: totalLength,
    src: data.subarray(12, 16).join('.'),
    dst: data.subarray(16, 20).join('.'),
    protocol,
  };
  if (offset > 0 || more) packet.fragment = { id: view.getUint16(4), offset, more };
  if (offset > 0) return packet;
  return {
    ...packet,
    ...decodeTransport(data.subarray(headerLength, totalLength), protocol, totalLength - headerLength),
  };
}

/** IPv6: walks the extension headers to TCP or UDP; the payload length bounds the packet (Ethernet padding is none of it). */
function decodeIpv6(data: Uint8Array): Decoded {
  if (data.length < 40 || data[0]! >> 4 !== 6) return {};
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const end = 40 + view.getUint16(4);
  const packet: Decoded = { ipVersion: 6, ipLength: end, src: ipv6(data, 8), dst: ipv6(data, 24) };
  const extensionHeaders: number[] = [];
  let next = data[6]!;
  let offset = 40;
  const limit = Math.min(end, data.length);
  while ([0, 43, 44, 51, 60].includes(next)) {
    // Cut by the snapshot length, or a header longer than the packet: `next` stays an extension header, so no transport.
    if (offset + 8 > limit) break;
    const size = next === 44 ? 8 : next === 51 ? (data[offset + 1]! + 2) * 4 : (data[offset + 1]! + 1) * 8;
    if (offset + size > limit) break;
    extensionHeaders.push(next);
    if (next === 44) {
      const field = view.getUint16(offset + 2);
      packet.fragment = { id: view.getUint32(offset + 4), offset: field & 0xfff8, more: (field & 1) === 1 };
    }
    next = data[offset]!;
    offset += size;
    if (packet.fragment && packet.fragment.offset > 0) break; // what follows is the middle of the fragmented data
  }
  packet.protocol = next;
  if (extensionHeaders.length > 0) packet.extensionHeaders = extensionHeaders;
  if (packet.fragment && packet.fragment.offset > 0) return packet;
  return { ...packet, ...decodeTransport(data.subarray(offset, end), next, end - offset) };
}

/** `data` is what was captured of the transport segment; `length` its length on the wire, per the IP header. */
function decodeTransport(data: Uint8Array, protocol: number, length: number): Decoded {
  if (protocol === 1 || protocol === 58) return decodeIcmp(data, protocol);
  if ((protocol !== 6 && protocol !== 17) || data.length < 4) return {};
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ports = { srcPort: view.getUint16(0), dstPort: view.getUint16(2) };
  if (protocol === 17) {
    if (data.length < 6 || length < 8) return ports; // tcpdump: truncated-udp
    const udpLength = view.getUint16(4);
    return udpLength < 8 ? ports : { ...ports, payloadLength: Math.min(udpLength, length) - 8 };
  }
  if (data.length < 14) return ports;
  const headerLength = (data[12]! >> 4) * 4;
  if (headerLength < 20 || headerLength > length) return ports; // tcpdump: bad hdr length
  return { ...ports, tcpFlags: tcpFlags(data[13]!), payloadLength: length - headerLength };
}

/** ICMP's type and code, and the MTU a "fragmentation needed" (ICMP 3/4) or "packet too big" (ICMPv6 2) names. */
function decodeIcmp(data: Uint8Array, protocol: 1 | 58): Decoded {
  if (data.length < 2) return {};
  const [type, code] = [data[0]!, data[1]!];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (protocol === 1 && type === 3 && code === 4 && data.length >= 8)
    return { icmp: { type, code, mtu: view.getUint16(6) } };
  if (protocol === 58 && type === 2 && data.length >= 8) return { icmp: { type, code, mtu: view.getUint32(4) } };
  if (isEcho(type, protocol) && data.length >= 8)
    return { icmp: { type, code, echoId: view.getUint16(4), echoSeq: view.getUint16(6) } };
  return { icmp: { type, code } };
}

/** Echo request or reply: ICMP 8/0, ICMPv6 128/129. */
function isEcho(type: number, protocol: 1 | 58): boolean {
  return protocol === 1 ? type === 8 || type === 0 : type === 128 || type === 129;
}

function tcpFlags(bits: number): string {
  const names: [number, string][] = [
    [0x02, 'S'],
    [0x01, 'F'],
    [0x04, 'R'],
    [0x08, 'P'],
    [0x20, 'U'],
    [0x40, 'E'],
    [0x80, 'W'],
  ];
  const flags = names
    .filter(([bit]) => bits & bit)
    .map(([, name]) => name)
    .join('');
  return bits & 0x10 ? `${flags}.` : flags || 'none';
}

/** The IPv6 address at `at`, as tcpdump prints it (RFC 5952: the longest run of zero groups as ::). */
function ipv6(bytes: Uint8Array, at: number): string {
  const groups: string[] = [];
  for (let index = at; index < at + 16; index += 2)
    groups.push(((bytes[index]! << 8) | bytes[index + 1]!).toString(16));
  const text = groups.join(':');
  const zeros = text.match(/(^|:)0(:0)+(:|$)/g);
  if (!zeros) return text;
  const longest = zeros.reduce((a, b) => (b.length > a.length ? b : a));
  return text.replace(longest, '::');
}
