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
  /** On cooked captures (any, SLL/SLL2): whether the packet was sent by the host or received. */
  direction?: 'in' | 'out';
  ipVersion?: 4 | 6;
  src?: string;
  dst?: string;
  /** IP protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6. */
  protocol?: number;
  srcPort?: number;
  dstPort?: number;
  /** TCP flags as tcpdump prints them: S, F, R, P, . (ACK) and so on. */
  tcpFlags?: string;
  /** Bytes of transport payload (TCP/UDP data). */
  payloadLength?: number;
}

export interface Capture {
  linkType: number;
  snapLength: number;
  packets: Packet[];
}

export const linkTypes = { null: 0, ethernet: 1, raw: 101, linuxSll: 113, linuxSll2: 276, ipv4: 228, ipv6: 229 } as const;

/** Reads a classic pcap file (as `tcpdump -w` writes it): either byte order, micro- or nanosecond timestamps. */
export function readPcap(data: Uint8Array, file = 'capture'): Capture {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 24) throw new WglabError(`${file} is too short for a pcap file (${data.byteLength} bytes)`, { hint: 'was the capture stopped before tcpdump wrote its header?' });
  const magic = view.getUint32(0, false);
  if (magic === 0x0a0d0d0a) throw new WglabError(`${file} is pcapng, not pcap`, { hint: 'capture with tcpdump -w (pcap), or convert with editcap -F pcap' });
  const formats: Record<number, [boolean, number]> = {
    0xa1b2c3d4: [false, 1e6], 0xd4c3b2a1: [true, 1e6], 0xa1b23c4d: [false, 1e9], 0x4d3cb2a1: [true, 1e9],
  };
  const format = formats[magic];
  if (!format) throw new WglabError(`${file} is not a pcap file (magic 0x${magic.toString(16)})`, { hint: 'give a file written by tcpdump -w' });
  const [little, fraction] = format;
  const toNanos = 1e9 / fraction;
  const snapLength = view.getUint32(16, little);
  const linkType = view.getUint32(20, little) & 0xffff;
  const packets: Packet[] = [];
  let offset = 24;
  while (offset + 16 <= data.byteLength) {
    const seconds = view.getUint32(offset, little);
    const fractionPart = view.getUint32(offset + 4, little);
    const captured = view.getUint32(offset + 8, little);
    const start = offset + 16;
    if (start + captured > data.byteLength) break; // a record cut short by a stopped capture
    const frame = data.subarray(start, start + captured);
    packets.push({ time: seconds + fractionPart / fraction, seconds, nanos: fractionPart * toNanos, length: captured, ...decodeFrame(frame, linkType) });
    offset = start + captured;
  }
  return { linkType, snapLength, packets };
}

function decodeFrame(frame: Uint8Array, linkType: number): Omit<Packet, 'time' | 'seconds' | 'nanos' | 'length'> {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  switch (linkType) {
    case linkTypes.ethernet: {
      if (frame.length < 14) return {};
      let etherType = view.getUint16(12);
      let offset = 14;
      while ((etherType === 0x8100 || etherType === 0x88a8) && frame.length >= offset + 4) {
        etherType = view.getUint16(offset + 2);
        offset += 4;
      }
      return decodeByEtherType(frame.subarray(offset), etherType);
    }
    case linkTypes.linuxSll: {
      if (frame.length < 16) return {};
      return { direction: view.getUint16(0) === 4 ? 'out' : 'in', ...decodeByEtherType(frame.subarray(16), view.getUint16(14)) };
    }
    case linkTypes.linuxSll2: {
      if (frame.length < 20) return {};
      return { direction: frame[10] === 4 ? 'out' : 'in', ...decodeByEtherType(frame.subarray(20), view.getUint16(0)) };
    }
    case linkTypes.raw:
    case linkTypes.ipv4:
    case linkTypes.ipv6:
      return decodeIp(frame);
    case linkTypes.null:
      return frame.length > 4 ? decodeIp(frame.subarray(4)) : {};
    default:
      return {};
  }
}

function decodeByEtherType(payload: Uint8Array, etherType: number): Omit<Packet, 'time' | 'seconds' | 'nanos' | 'length'> {
  return etherType === 0x0800 || etherType === 0x86dd ? decodeIp(payload) : {};
}

function decodeIp(data: Uint8Array): Omit<Packet, 'time' | 'seconds' | 'nanos' | 'length'> {
  if (data.length < 1) return {};
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = data[0]! >> 4;
  if (version === 4 && data.length >= 20) {
    const headerLength = (data[0]! & 0x0f) * 4;
    const totalLength = Math.min(view.getUint16(2), data.length);
    const fragmentOffset = view.getUint16(6) & 0x1fff;
    const protocol = data[9]!;
    const packet = { ipVersion: 4 as const, src: data.subarray(12, 16).join('.'), dst: data.subarray(16, 20).join('.'), protocol };
    return fragmentOffset === 0 ? { ...packet, ...decodeTransport(data.subarray(headerLength, totalLength), protocol) } : packet;
  }
  if (version === 6 && data.length >= 40) {
    const protocol = data[6]!;
    const payloadLength = view.getUint16(4);
    const packet = { ipVersion: 6 as const, src: ipv6(data.subarray(8, 24)), dst: ipv6(data.subarray(24, 40)), protocol };
    return { ...packet, ...decodeTransport(data.subarray(40, 40 + payloadLength), protocol) };
  }
  return {};
}

function decodeTransport(data: Uint8Array, protocol: number): Omit<Packet, 'time' | 'seconds' | 'nanos' | 'length'> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (protocol === 6 && data.length >= 20) {
    const headerLength = (data[12]! >> 4) * 4;
    return { srcPort: view.getUint16(0), dstPort: view.getUint16(2), tcpFlags: tcpFlags(data[13]!), payloadLength: Math.max(0, data.length - headerLength) };
  }
  if (protocol === 17 && data.length >= 8) {
    return { srcPort: view.getUint16(0), dstPort: view.getUint16(2), payloadLength: Math.max(0, Math.min(view.getUint16(4), data.length) - 8) };
  }
  return {};
}

function tcpFlags(bits: number): string {
  const names: [number, string][] = [[0x02, 'S'], [0x01, 'F'], [0x04, 'R'], [0x08, 'P'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W']];
  const flags = names.filter(([bit]) => bits & bit).map(([, name]) => name).join('');
  return bits & 0x10 ? `${flags}.` : flags || 'none';
}

function ipv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2) groups.push(((bytes[index]! << 8) | bytes[index + 1]!).toString(16));
  const text = groups.join(':');
  const zeros = text.match(/(^|:)0(:0)+(:|$)/g);
  if (!zeros) return text;
  const longest = zeros.reduce((a, b) => (b.length > a.length ? b : a));
  return text.replace(longest, '::');
}
