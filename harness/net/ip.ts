import ipaddr from 'ipaddr.js';

/** An IPv4 or IPv6 prefix such as 10.0.0.1/30, kept with the address as written. */
export interface Cidr {
  address: string;
  prefix: number;
}

export function isIpAddress(text: string): boolean {
  return ipaddr.isValid(text) && (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text));
}

export function isIpv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** Parses `10.0.0.1/30` or a bare address (taken as a host prefix); undefined when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const trimmed = text.trim();
  const [address, prefixText, extra] = trimmed.split('/');
  if (address === undefined || extra !== undefined || !isIpAddress(address)) return undefined;
  const bits = ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: bits };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= bits ? { address, prefix } : undefined;
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** True when `address` (or every address of a prefix) lies inside `range`. */
export function cidrContains(range: Cidr, inner: Cidr | string): boolean {
  const target = typeof inner === 'string' ? parseCidr(inner) : inner;
  if (!target) return false;
  const rangeAddress = ipaddr.parse(range.address);
  const targetAddress = ipaddr.parse(target.address);
  if (rangeAddress.kind() !== targetAddress.kind() || target.prefix < range.prefix) return false;
  return targetAddress.match(rangeAddress, range.prefix);
}

export function anyContains(ranges: readonly Cidr[], inner: Cidr | string): boolean {
  return ranges.some((range) => cidrContains(range, inner));
}

/** The longest prefix length whose network holds both addresses of one family (10.0.0.1 and 10.0.0.2 give 30, fd00::1 and fd00::2 give 126). */
export function commonPrefixLength(a: string, b: string): number {
  const left = ipaddr.parse(a).toByteArray();
  const right = ipaddr.parse(b).toByteArray();
  if (left.length !== right.length) throw new Error(`${a} and ${b} are not of one family`);
  let length = 0;
  for (let index = 0; index < left.length; index++) {
    const diff = (left[index] ?? 0) ^ (right[index] ?? 0);
    if (diff === 0) {
      length += 8;
      continue;
    }
    length += Math.clz32(diff) - 24;
    break;
  }
  return length;
}

export function isIpv6(text: string): boolean {
  return isIpAddress(text) && !isIpv4(text);
}

/** `/32` for IPv4, `/128` for IPv6: the host prefix of an address. */
export function hostPrefix(address: string): number {
  return isIpv4(address) ? 32 : 128;
}

/** An address as a URL or Endpoint writes it: IPv6 in brackets. */
export function bracketed(address: string): string {
  return isIpv6(address) ? `[${address}]` : address;
}

/** Same address, whatever the spelling (e.g. IPv6 compression). */
export function sameAddress(a: string, b: string): boolean {
  if (!isIpAddress(a) || !isIpAddress(b)) return false;
  return ipaddr.parse(a).toNormalizedString() === ipaddr.parse(b).toNormalizedString();
}

/** An address in its shortest spelling (IPv6 compressed, an IPv4-mapped IPv6 address as IPv4); other text as is. */
export function canonicalAddress(text: string): string {
  const bare = text.replace(/^\[|\]$/g, '');
  if (!isIpAddress(bare)) return text;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  return parsed.toString();
}

/** The first address after an IPv4 prefix's network address (at most /31): 192.168.1.1 for 192.168.1.2/24. */
export function firstHostAddress(cidr: string): string {
  const bytes = (cidr.includes(':') ? ipaddr.IPv6 : ipaddr.IPv4).networkAddressFromCIDR(cidr).toByteArray();
  // A network address of /31 (/127) or shorter ends in an even byte: no carry.
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! + 1;
  return ipaddr.fromByteArray(bytes).toString();
}
