import { cidrContains, formatCidr, parseCidr, type Cidr } from '../net/ip.ts';
import type { Family, Flow } from './flow.ts';

export type RuleAction =
  | { kind: 'lookup'; table: string }
  | { kind: 'goto'; priority: number }
  | { kind: 'blackhole' | 'unreachable' | 'prohibit' | 'nop' };

export interface PortRange {
  from: number;
  to: number;
}

/** One `ip rule`: its selectors, its action, and where it came from. */
export interface PolicyRule {
  family: Family;
  priority: number;
  not: boolean;
  from?: Cidr;
  to?: Cidr;
  iif?: string;
  oif?: string;
  fwmark?: { mark: number; mask: number };
  dport?: PortRange;
  sport?: PortRange;
  ipproto?: 'tcp' | 'udp' | 'icmp' | string;
  suppressPrefixlength?: number;
  action: RuleAction;
  /** `kernel`, `wg-quick`, or the hook that added it. */
  origin: string;
}

/** The rules every namespace starts with: local at 0, main at 32766, default at 32767 (IPv4). */
export function kernelRules(family: Family): PolicyRule[] {
  const rule = (priority: number, table: string): PolicyRule => ({
    family,
    priority,
    not: false,
    action: { kind: 'lookup', table },
    origin: 'kernel',
  });
  return [rule(0, 'local'), rule(32766, 'main'), ...(family === 4 ? [rule(32767, 'default')] : [])];
}

/** Whether the rule's selectors pick the flow (`not` inverts the whole match, as the kernel does). */
export function ruleMatches(rule: PolicyRule, flow: Flow): boolean {
  if (rule.family !== flow.family) return false;
  return rule.not ? !selectorsMatch(rule, flow) : selectorsMatch(rule, flow);
}

function selectorsMatch(rule: PolicyRule, flow: Flow): boolean {
  if (rule.from && (flow.src === undefined ? rule.from.prefix > 0 : !cidrContains(rule.from, flow.src))) return false;
  if (rule.to && !cidrContains(rule.to, flow.dst)) return false;
  if (rule.iif !== undefined && rule.iif !== flow.iif) return false;
  // Ordinary sockets are bound to no device, so an oif rule never picks them.
  if (rule.oif !== undefined) return false;
  if (rule.fwmark && ((flow.mark ^ rule.fwmark.mark) & rule.fwmark.mask) !== 0) return false;
  if (rule.ipproto !== undefined && rule.ipproto !== flow.protocol) return false;
  if (rule.dport && !inRange(rule.dport, flow.dport)) return false;
  if (rule.sport && !inRange(rule.sport, flow.sport)) return false;
  return true;
}

function inRange(range: PortRange, port: number | undefined): boolean {
  return port !== undefined && port >= range.from && port <= range.to;
}

export type Unreadable = { unreadable: string };

const aliases: Record<string, string> = {
  lookup: 'table',
  pref: 'priority',
  preference: 'priority',
  prio: 'priority',
  order: 'priority',
};

/**
 * Reads the words after `ip rule add|del` (variables already expanded). `existing` gives the priority the kernel
 * picks for a rule without one: one below the first rule after priority 0.
 */
export function readIpRule(
  words: readonly string[],
  family: Family,
  existing: readonly PolicyRule[],
  origin: string,
): PolicyRule | Unreadable {
  const rule: Partial<PolicyRule> & { family: Family; not: boolean; origin: string } = { family, not: false, origin };
  let priority: number | undefined;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === 'not' || word === '!') {
      rule.not = true;
      continue;
    }
    if (['blackhole', 'unreachable', 'prohibit', 'nop'].includes(word)) {
      rule.action = { kind: word as 'blackhole' };
      continue;
    }
    const key = aliases[word] ?? word;
    const value = words[index + 1];
    if (value === undefined) return { unreadable: `\`ip rule\` ends after ${word}` };
    index++;
    switch (key) {
      case 'from':
      case 'to': {
        if (value === 'all') break;
        const cidr = parseCidr(value);
        if (!cidr) return { unreadable: `\`${key} ${value}\` is no address` };
        rule[key] = cidr;
        break;
      }
      case 'iif':
      case 'oif':
        rule[key] = value;
        break;
      case 'fwmark': {
        const mark = readMark(value);
        if (!mark) return { unreadable: `fwmark ${value} is no number` };
        rule.fwmark = mark;
        break;
      }
      case 'dport':
      case 'sport': {
        const range = readPortRange(value);
        if (!range) return { unreadable: `${key} ${value} is no port` };
        rule[key] = range;
        break;
      }
      case 'ipproto':
        rule.ipproto = ({ '6': 'tcp', '17': 'udp', '1': 'icmp' } as Record<string, string>)[value] ?? value;
        break;
      case 'suppress_prefixlength':
        if (!/^\d+$/.test(value)) return { unreadable: `suppress_prefixlength ${value} is no number` };
        rule.suppressPrefixlength = Number(value);
        break;
      case 'table':
        rule.action = { kind: 'lookup', table: tableName(value) };
        break;
      case 'goto':
        if (!/^\d+$/.test(value)) return { unreadable: `goto ${value} is no priority` };
        rule.action = { kind: 'goto', priority: Number(value) };
        break;
      case 'priority':
        if (!/^(0x[0-9a-f]+|\d+)$/i.test(value)) return { unreadable: `priority ${value} is no number` };
        priority = Number(value);
        break;
      case 'protocol':
        break; // who added the rule: no selector
      case 'tos':
      case 'dsfield':
      case 'uidrange':
      case 'l3mdev':
      case 'realms':
      case 'suppress_ifgroup':
        return { unreadable: `the rule selector ${key} is not modelled` };
      default:
        return { unreadable: `\`${word}\` is not an ip rule word` };
    }
  }
  return {
    ...rule,
    action: rule.action ?? { kind: 'lookup', table: 'main' },
    priority: priority ?? defaultPriority(existing.filter((other) => other.family === family)),
  } as PolicyRule;
}

/** The kernel's pick for a rule added without a priority: one less than the first rule after priority 0. */
export function defaultPriority(rules: readonly PolicyRule[]): number {
  const next = rules
    .map((rule) => rule.priority)
    .filter((priority) => priority > 0)
    .sort((a, b) => a - b)[0];
  return next === undefined ? 0 : next - 1;
}

/** `0x1234`, `51820` or `0x1/0xff` as mark and mask. */
export function readMark(value: string): { mark: number; mask: number } | undefined {
  const [mark, mask, extra] = value.split('/');
  const number = (text: string | undefined) =>
    text !== undefined && /^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(text) ? Number(text) : undefined;
  const markNumber = number(mark);
  const maskNumber = mask === undefined ? 0xffffffff : number(mask);
  if (markNumber === undefined || maskNumber === undefined || extra !== undefined) return undefined;
  return { mark: markNumber, mask: maskNumber };
}

function readPortRange(value: string): PortRange | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  return from <= to && to <= 65535 ? { from, to } : undefined;
}

/** One name per table: 254 is main, 255 local, 253 default. */
export function tableName(value: string): string {
  return ({ '254': 'main', '255': 'local', '253': 'default' } as Record<string, string>)[value] ?? value;
}

/** As `ip rule` shows it, e.g. `rule 456 to 203.0.113.2 lookup 123`. */
export function describeRule(rule: PolicyRule): string {
  const parts = [`rule ${rule.priority}`];
  if (rule.not) parts.push('not');
  if (rule.from) parts.push(`from ${shortCidr(rule.from)}`);
  if (rule.to) parts.push(`to ${shortCidr(rule.to)}`);
  if (rule.iif !== undefined) parts.push(`iif ${rule.iif}`);
  if (rule.oif !== undefined) parts.push(`oif ${rule.oif}`);
  if (rule.fwmark)
    parts.push(
      `fwmark 0x${rule.fwmark.mark.toString(16)}${rule.fwmark.mask === 0xffffffff ? '' : `/0x${rule.fwmark.mask.toString(16)}`}`,
    );
  if (rule.ipproto !== undefined) parts.push(`ipproto ${rule.ipproto}`);
  if (rule.sport) parts.push(`sport ${portText(rule.sport)}`);
  if (rule.dport) parts.push(`dport ${portText(rule.dport)}`);
  const action = rule.action;
  if (action.kind === 'lookup') parts.push(`lookup ${action.table}`);
  else if (action.kind === 'goto') parts.push(`goto ${action.priority}`);
  else parts.push(action.kind);
  if (rule.suppressPrefixlength !== undefined) parts.push(`suppress_prefixlength ${rule.suppressPrefixlength}`);
  return parts.join(' ');
}

function portText(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

/** A host prefix without its length, as ip prints it. */
export function shortCidr(cidr: Cidr): string {
  return cidr.prefix === (cidr.address.includes(':') ? 128 : 32) ? cidr.address : formatCidr(cidr);
}
