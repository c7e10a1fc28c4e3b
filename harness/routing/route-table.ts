import { cidrContains, parseCidr, sameAddress, type Cidr } from '../net/ip.ts';
import type { Family } from './flow.ts';
import { shortCidr, tableName, type Unreadable } from './policy-rule.ts';

export type RouteType = 'unicast' | 'local' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

/** One route in one table. */
export interface Route {
  family: Family;
  table: string;
  destination: Cidr;
  type: RouteType;
  dev?: string;
  via?: string;
  src?: string;
  metric: number;
  /** `mtu N` (or `mtu lock N`): packets by this route are at most N bytes. */
  mtu?: number;
  /** `advmss N`: the MSS a TCP connection by this route announces. */
  advmss?: number;
  origin: string;
}

/** The kernel's default metric: 0 for IPv4, 1024 for IPv6. */
export function defaultMetric(family: Family): number {
  return family === 4 ? 0 : 1024;
}

/** The route a table gives `dst`: the longest prefix holding it, then the lowest metric; first added wins a tie. */
export function lookupTable(routes: readonly Route[], table: string, dst: string): Route | undefined {
  let best: Route | undefined;
  for (const route of routes) {
    if (route.table !== table || !cidrContains(route.destination, dst)) continue;
    if (
      best === undefined ||
      route.destination.prefix > best.destination.prefix ||
      (route.destination.prefix === best.destination.prefix && route.metric < best.metric)
    )
      best = route;
  }
  return best;
}

const routeTypes = new Set(['unicast', 'local', 'blackhole', 'unreachable', 'prohibit', 'throw']);
const ignoredKeywords = new Set([
  'proto',
  'protocol',
  'scope',
  'realm',
  'realms',
  'initcwnd',
  'initrwnd',
  'window',
  'rtt',
  'rttvar',
  'expires',
  'pref',
  'tos',
  'dsfield',
]);

/** Reads the words after `ip route add|del|replace|append` (variables already expanded). */
export function readIpRoute(words: readonly string[], family: Family, origin: string): Route | Unreadable {
  let type: RouteType = 'unicast';
  let destination: Cidr | undefined;
  const route: Partial<Route> = {};
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === 'onlink' || word === 'pervasive') continue;
    if (destination === undefined && routeTypes.has(word)) {
      type = word as RouteType;
      continue;
    }
    const value = words[index + 1];
    if (['dev', 'oif', 'via', 'src', 'table', 'metric', 'preference', 'priority'].includes(word)) {
      if (value === undefined) return { unreadable: `\`ip route\` ends after ${word}` };
      index++;
      if (word === 'dev' || word === 'oif') route.dev = value;
      else if (word === 'via' && (value === 'inet' || value === 'inet6')) {
        // `via [FAMILY] ADDRESS`: the family is a word of its own.
        const address = words[++index];
        if (address === undefined) return { unreadable: `\`ip route\` ends after via ${value}` };
        route.via = address;
      } else if (word === 'via') route.via = value;
      else if (word === 'src') route.src = value;
      else if (word === 'table') route.table = tableName(value);
      else if (/^\d+$/.test(value)) route.metric = Number(value);
      else return { unreadable: `metric ${value} is no number` };
      continue;
    }
    if (word === 'advmss') {
      index++;
      if (value === undefined || !/^\d+$/.test(value)) return { unreadable: `advmss ${value ?? ''} is no number` };
      route.advmss = Number(value);
      continue;
    }
    if (word === 'mtu') {
      const mtu = value === 'lock' ? words[++index + 1] : value;
      index++;
      if (mtu === undefined || !/^\d+$/.test(mtu)) return { unreadable: `mtu ${mtu ?? ''} is no number` };
      route.mtu = Number(mtu);
      continue;
    }
    if (ignoredKeywords.has(word)) {
      index++;
      continue;
    }
    if (['nexthop', 'encap', 'nhid', 'from'].includes(word))
      return { unreadable: `the route option ${word} is not modelled` };
    if (destination !== undefined) return { unreadable: `\`${word}\` is not an ip route word` };
    if (word === 'to') continue;
    if (word === 'default' || word === 'all') destination = { address: family === 6 ? '::' : '0.0.0.0', prefix: 0 };
    else {
      destination = parseCidr(word);
      if (!destination) return { unreadable: `\`${word}\` is no destination` };
    }
  }
  if (!destination) return { unreadable: '`ip route` without a destination' };
  return {
    family: destination.address.includes(':') ? 6 : 4,
    table: route.table ?? 'main',
    destination,
    type,
    ...(route.dev === undefined ? {} : { dev: route.dev }),
    ...(route.via === undefined ? {} : { via: route.via }),
    ...(route.src === undefined ? {} : { src: route.src }),
    metric: route.metric ?? defaultMetric(destination.address.includes(':') ? 6 : 4),
    ...(route.mtu === undefined ? {} : { mtu: route.mtu }),
    ...(route.advmss === undefined ? {} : { advmss: route.advmss }),
    origin,
  };
}

/** Whether `del` names this route: same table and destination, and whatever else it names. */
export function sameRoute(route: Route, del: Route): boolean {
  return (
    route.table === del.table &&
    route.destination.prefix === del.destination.prefix &&
    sameAddress(route.destination.address, del.destination.address) &&
    (del.dev === undefined || del.dev === route.dev) &&
    (del.via === undefined || (route.via !== undefined && sameAddress(del.via, route.via)))
  );
}

/** As `ip route` shows it, e.g. `203.0.113.2/32 dev wg0` or `default via 169.254.0.1 dev eth0`. */
export function describeRoute(route: Route): string {
  const destination =
    route.destination.prefix === 0
      ? 'default'
      : route.destination.prefix === (route.family === 4 ? 32 : 128)
        ? `${shortCidr(route.destination)}/${route.destination.prefix}`
        : shortCidr(route.destination);
  const parts = [route.type === 'unicast' ? destination : `${route.type} ${destination}`];
  if (route.via !== undefined) parts.push(`via ${route.via}`);
  if (route.dev !== undefined) parts.push(`dev ${route.dev}`);
  if (route.table !== 'main' && route.table !== 'local') parts.push(`table ${route.table}`);
  if (route.metric !== defaultMetric(route.family)) parts.push(`metric ${route.metric}`);
  if (route.mtu !== undefined) parts.push(`mtu ${route.mtu}`);
  return parts.join(' ');
}
