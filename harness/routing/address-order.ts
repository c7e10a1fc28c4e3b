import ipaddr from 'ipaddr.js';

/** A name's address, with the source address the node would send to it from (none: no route, unusable). */
export interface Destination {
  address: string;
  source?: string;
}

/**
 * The order in which glibc's getaddrinfo hands a name's addresses to curl and the other clients (RFC 3484 with
 * glibc's default tables, Debian's and Ubuntu's gai.conf unchanged), by the rules that tell one address from
 * another here: usable first (a source exists), then a source of the same scope, then a source of the same label,
 * then the higher precedence, then the smaller scope; otherwise as listed. So a node whose only IPv6 source is a
 * ULA (fc00::/7, as full-tunnel VPNs hand out) reaches a global IPv6 and IPv4 name over IPv4, and one with a global
 * IPv6 source over IPv6.
 */
export function getaddrinfoOrder(destinations: readonly Destination[]): string[] {
  // Array.prototype.sort is stable: destinations of equal rank stay as listed.
  return destinations
    .map((destination) => ({ address: destination.address, rank: rankOf(destination) }))
    .sort((a, b) => compareRanks(a.rank, b.rank))
    .map((destination) => destination.address);
}

/** The rules in order, each a number where smaller goes first. */
function rankOf({ address, source }: Destination): number[] {
  // Rule 1: avoid unusable destinations.
  if (source === undefined) return [1];
  return [
    0,
    // Rule 2: prefer matching scope.
    scopeOf(address) === scopeOf(source) ? 0 : 1,
    // Rule 5: prefer matching label.
    labelOf(address) === labelOf(source) ? 0 : 1,
    // Rule 6: prefer higher precedence.
    -precedenceOf(address),
    // Rule 8: prefer smaller scope.
    scopeOf(address),
  ];
}

function compareRanks(a: number[], b: number[]): number {
  for (const [index, value] of a.entries()) if (value !== b[index]) return value - b[index]!;
  return 0;
}

/** An address as IPv6 (IPv4 as ::ffff:a.b.c.d, as glibc compares them). */
function asIpv6(address: string): ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv4' ? (parsed as ipaddr.IPv4).toIPv4MappedAddress() : (parsed as ipaddr.IPv6);
}

/** glibc's default_labels, most specific first. */
const labels: [string, number, number][] = [
  ['::1', 128, 0],
  ['::ffff:0:0', 96, 4],
  ['::', 96, 3],
  ['2001::', 32, 7],
  ['2002::', 16, 2],
  ['fec0::', 10, 5],
  ['fc00::', 7, 6],
];

/** glibc's default_precedence, most specific first. */
const precedences: [string, number, number][] = [
  ['::1', 128, 50],
  ['::ffff:0:0', 96, 10],
  ['::', 96, 20],
  ['2002::', 16, 30],
];

function lookup(table: [string, number, number][], address: string, otherwise: number): number {
  const ipv6 = asIpv6(address);
  return table.find(([prefix, bits]) => ipv6.match(ipaddr.IPv6.parse(prefix), bits))?.[2] ?? otherwise;
}

export function labelOf(address: string): number {
  return lookup(labels, address, 1);
}

export function precedenceOf(address: string): number {
  return lookup(precedences, address, 40);
}

/** glibc's scope: link-local 2 (fe80::/10, ::1, 169.254/16, 127/8), site-local 5 (fec0::/10), global 14. */
export function scopeOf(address: string): number {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') {
    const range = (parsed as ipaddr.IPv4).range();
    return range === 'linkLocal' || range === 'loopback' ? 2 : 14;
  }
  const ipv6 = parsed as ipaddr.IPv6;
  if (ipv6.range() === 'linkLocal' || ipv6.range() === 'loopback') return 2;
  if (ipv6.match(ipaddr.IPv6.parse('fec0::'), 10)) return 5;
  return 14;
}
