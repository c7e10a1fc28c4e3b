import ipaddr from 'ipaddr.js';
import { cidrContains, hostPrefix, parseCidr, sameAddress, type Cidr } from '../net/ip.ts';
import type { WgPeer } from './cryptokey.ts';
import { familyOf, type Family } from './flow.ts';
import { readIptables, sameNetfilterRule, type NetfilterRule } from './netfilter.ts';
import { defaultPriority, readIpRule, tableName, type PolicyRule } from './policy-rule.ts';
import { readIpRoute, sameRoute, type Route } from './route-table.ts';
import type { Invocation } from './shell-hooks.ts';

/** What a device connects to: the internet router, an endpoint's LAN, or nothing but WireGuard. */
export type Link = { kind: 'internet' } | { kind: 'lan'; endpoint: string } | { kind: 'wireguard' };

export interface Device {
  name: string;
  addresses: Cidr[];
  link: Link;
  /** The largest packet the device sends whole, IP header included. */
  mtu: number;
}

/** A WireGuard interface that is up. */
export interface WgInterface {
  iface: string;
  listenPort?: number;
  fwmark: number;
  publicKey?: string;
  peers: WgPeer[];
  dns: string[];
}

/** One node's network state: devices, rules, tables, netfilter, sysctls, WireGuard; what it cannot read, said. */
export interface NodeState {
  name: string;
  devices: Device[];
  rules: PolicyRule[];
  routes: Route[];
  netfilter: NetfilterRule[];
  policies: Map<string, 'ACCEPT' | 'DROP'>;
  sysctls: Map<string, string>;
  wireguard: WgInterface[];
  /** Hook commands whose effect on routing is not known: a check routed on this node is then unknown. */
  unknown: string[];
  /** Whether IPv6 is on (the lab turns it on only when some address is IPv6). */
  ipv6: boolean;
}

export function addressesOf(node: NodeState): Cidr[] {
  return node.devices.flatMap((device) => device.addresses);
}

export function isLocal(node: NodeState, address: string): boolean {
  return addressesOf(node).some((cidr) => sameAddress(cidr.address, address));
}

/** Adds an address to a device with its local route and, unless it is a host prefix, its connected route. */
export function addAddress(node: NodeState, dev: string, cidr: Cidr, origin: string): void {
  const device = node.devices.find((candidate) => candidate.name === dev);
  if (!device) return;
  device.addresses.push(cidr);
  const family = familyOf(cidr.address);
  node.routes.push({
    family,
    table: 'local',
    destination: { address: cidr.address, prefix: hostPrefix(cidr.address) },
    type: 'local',
    dev,
    metric: 0,
    origin,
  });
  if (cidr.prefix < hostPrefix(cidr.address))
    node.routes.push({
      family,
      table: 'main',
      destination: networkOf(cidr),
      type: 'unicast',
      dev,
      src: cidr.address,
      metric: family === 4 ? 0 : 256,
      origin,
    });
}

/** The network of an address with its prefix (10.0.0.1/30 → 10.0.0.0/30). */
export function networkOf(cidr: Cidr): Cidr {
  const network = cidr.address.includes(':')
    ? ipaddr.IPv6.networkAddressFromCIDR(`${cidr.address}/${cidr.prefix}`)
    : ipaddr.IPv4.networkAddressFromCIDR(`${cidr.address}/${cidr.prefix}`);
  return { address: network.toString(), prefix: cidr.prefix };
}

export function removeDevice(node: NodeState, dev: string): void {
  node.devices = node.devices.filter((device) => device.name !== dev);
  node.routes = node.routes.filter((route) => route.dev !== dev);
}

export function hasDevice(node: NodeState, dev: string): boolean {
  return node.devices.some((device) => device.name === dev);
}

/** Runs what hooks run, as far as it changes a path: ip rule/route/address, iptables, sysctl, wg set, nft. */
export function applyInvocation(node: NodeState, invocation: Invocation): void {
  const origin = invocation.origin;
  const say = (reason: string): void => void node.unknown.push(`${reason} (${origin})`);
  if (invocation.unreadable) return say(invocation.unreadable);
  let words = invocation.words;
  while (words[0] === 'sudo' || words[0] === 'exec' || words[0] === 'command' || /^\w+=/.test(words[0] ?? ''))
    words = words.slice(1);
  const program = (words[0] ?? '').split('/').at(-1)!;
  const args = words.slice(1);
  if (program === 'ip') return applyIp(node, args, origin, say);
  if (/^ip6?tables(-legacy|-nft)?$/.test(program)) {
    const command = readIptables(args, program.startsWith('ip6') ? 6 : 4, origin);
    if ('unreadable' in command) return say(command.unreadable);
    if (command.op === 'policy')
      node.policies.set(`${command.family} ${command.table} ${command.chain}`, command.policy);
    else if (command.op === 'add') {
      if (command.insert) node.netfilter.unshift(command.rule);
      else node.netfilter.push(command.rule);
    } else if (command.op === 'del') {
      const at = node.netfilter.findIndex((rule) => sameNetfilterRule(rule, command.rule));
      if (at >= 0) node.netfilter.splice(at, 1);
    }
    return;
  }
  if (program === 'sysctl') {
    for (const arg of args) {
      const match = /^([\w./-]+)=(.*)$/.exec(arg);
      if (match) node.sysctls.set(match[1]!.replaceAll('/', '.'), match[2]!);
    }
    return;
  }
  if (program === 'wg') {
    if (args[0] === 'set') {
      const at = args.indexOf('fwmark');
      const face = node.wireguard.find((candidate) => candidate.iface === args[1]);
      if (at >= 0 && face) face.fwmark = args[at + 1] === 'off' ? 0 : Number(args[at + 1]) || 0;
      if (args.includes('peer')) say(`\`wg ${args.join(' ')}\` changes peers, which is not modelled`);
    }
    return;
  }
  if (program === 'nft') return applyNft(args, say);
  if (harmless.has(program)) return;
  say(`\`${words.join(' ')}\` is a command whose effect is not modelled`);
}

const harmless = new Set([
  'echo',
  'printf',
  'logger',
  'true',
  'false',
  ':',
  'sleep',
  'touch',
  'mkdir',
  'chmod',
  'chown',
  'cat',
  'tee',
  'rm',
  'cp',
  'mv',
  'ln',
  'test',
  '[',
  'resolvconf',
  'resolvectl',
  'modprobe',
  'date',
  'set',
  'export',
  'exit',
  'wait',
  'iptables-save',
  'ip6tables-save',
]);

function applyIp(node: NodeState, words: string[], origin: string, say: (reason: string) => void): void {
  let family: Family | undefined;
  const rest: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '-6') family = 6;
    else if (word === '-4') family = 4;
    else if (word === '-f' || word === '-family') {
      family = /^(inet6|ipv6)$/.test(words[index + 1] ?? '') ? 6 : 4;
      index++;
    } else if (word.startsWith('-') && rest.length === 0) {
      if (/^-(b|batch|n|netns)$/.test(word)) return say(`\`ip ${words.join(' ')}\` is not read`);
    } else rest.push(word);
  }
  const [object = '', verbWord = 'show', ...args] = rest;
  const verb = verbWord === 'delete' ? 'del' : verbWord;
  const is = (full: string, shortest: number) => object.length >= shortest && full.startsWith(object);
  if (is('rule', 2)) {
    if (verb !== 'add' && verb !== 'del')
      return verb === 'show' || verb === 'list' ? undefined : say(`\`ip rule ${verb}\` is not modelled`);
    const guess = family ?? guessFamily(args);
    const rule = readIpRule(args, guess, node.rules, origin);
    if ('unreadable' in rule) return say(rule.unreadable);
    if (verb === 'add') node.rules.push(rule);
    else {
      const at = node.rules.findIndex((candidate) => ruleDeletes(args, rule, candidate));
      if (at >= 0) node.rules.splice(at, 1);
    }
    return;
  }
  if (is('route', 1)) {
    if (['show', 'list', 'get'].includes(verb)) return;
    if (!['add', 'del', 'replace', 'append', 'change'].includes(verb))
      return say(`\`ip route ${verb}\` is not modelled`);
    const route = readIpRoute(args, family ?? guessFamily(args), origin);
    if ('unreadable' in route) return say(route.unreadable);
    if (verb === 'del') {
      const at = node.routes.findIndex((candidate) => sameRoute(candidate, route));
      if (at >= 0) node.routes.splice(at, 1);
      return;
    }
    if (route.dev !== undefined && !hasDevice(node, route.dev)) return; // "Cannot find device": the command fails
    if (route.dev === undefined && route.via !== undefined) {
      const dev = deviceFor(node, route.via);
      if (dev === undefined) return;
      route.dev = dev;
    }
    if (verb === 'replace' || verb === 'change')
      node.routes = node.routes.filter(
        (candidate) => !sameRoute(candidate, { ...route, dev: undefined, via: undefined }),
      );
    node.routes.push(route);
    return;
  }
  if (is('address', 1)) {
    if (verb !== 'add' && verb !== 'del') return;
    const cidr = parseCidr(args[0] ?? '');
    const dev = args[args.indexOf('dev') + 1];
    if (!cidr || args.indexOf('dev') < 0 || dev === undefined)
      return say(`\`ip address ${args.join(' ')}\` is not read`);
    if (verb === 'add') addAddress(node, dev, cidr, origin);
    else {
      const device = node.devices.find((candidate) => candidate.name === dev);
      if (device) device.addresses = device.addresses.filter((own) => !sameAddress(own.address, cidr.address));
    }
    return;
  }
  if (is('link', 1)) {
    if (args.includes('down') || args.includes('del') || verb === 'del' || verb === 'add')
      return say(`\`ip link ${[verb, ...args].join(' ')}\` is not modelled`);
    const at = args.indexOf('mtu');
    if (verb === 'set' && at >= 0) {
      const mtu = Number(args[at + 1]);
      const dev = args.includes('dev') ? args[args.indexOf('dev') + 1] : args[0];
      const device = node.devices.find((candidate) => candidate.name === dev);
      if (!Number.isInteger(mtu) || mtu < 68) return say(`\`ip link ${[verb, ...args].join(' ')}\`: mtu is no number`);
      if (device) device.mtu = mtu;
    }
    return;
  }
  if (is('neighbour', 1) || is('monitor', 1)) return;
  say(`\`ip ${rest.join(' ')}\` is not modelled`);
}

function guessFamily(args: readonly string[]): Family {
  return args.some((word) => parseCidr(word)?.address.includes(':')) ? 6 : 4;
}

/** `ip rule del` removes the first rule that has every selector it names (fewer words still match). */
function ruleDeletes(words: readonly string[], named: PolicyRule, candidate: PolicyRule): boolean {
  if (candidate.family !== named.family) return false;
  const says = (word: string) => words.includes(word);
  const sameCidr = (a?: Cidr, b?: Cidr) =>
    a === undefined ? b === undefined : b !== undefined && a.prefix === b.prefix && sameAddress(a.address, b.address);
  if (
    words.some((word) => ['priority', 'pref', 'preference', 'prio', 'order'].includes(word)) &&
    candidate.priority !== named.priority
  )
    return false;
  if ((says('from') && !sameCidr(named.from, candidate.from)) || (says('to') && !sameCidr(named.to, candidate.to)))
    return false;
  if (
    says('fwmark') &&
    (named.fwmark?.mark !== candidate.fwmark?.mark || named.fwmark?.mask !== candidate.fwmark?.mask)
  )
    return false;
  if ((says('dport') && named.dport?.from !== candidate.dport?.from) || (says('iif') && named.iif !== candidate.iif))
    return false;
  if ((says('table') || says('lookup')) && JSON.stringify(named.action) !== JSON.stringify(candidate.action))
    return false;
  if (named.not && !candidate.not) return false;
  if (says('suppress_prefixlength') && named.suppressPrefixlength !== candidate.suppressPrefixlength) return false;
  return true;
}

/** The device a gateway is reached on: the one whose connected route holds it. */
export function deviceFor(node: NodeState, gateway: string): string | undefined {
  return node.routes.find(
    (route) =>
      route.table === 'main' &&
      route.dev !== undefined &&
      route.via === undefined &&
      cidrContains(route.destination, gateway),
  )?.dev;
}

const nftEffects =
  /\b(drop|reject|snat|dnat|masquerade|redirect|mark set|meta mark|ct mark|jump|goto|queue|policy drop)\b/;

function applyNft(args: string[], say: (reason: string) => void): void {
  const text = args.join(' ');
  if (args[0] === '-f' || args.includes('-f')) return say(`\`nft ${text}\` reads a file that is not modelled`);
  if (nftEffects.test(text)) return say(`\`nft ${text}\` can change a path and nft rules are not modelled`);
}

export { tableName, defaultPriority };
