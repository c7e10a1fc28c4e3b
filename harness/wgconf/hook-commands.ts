import { tableName } from '../routing/policy-rule.ts';
import { shellCommands } from '../routing/shell-words.ts';
import type { Hook } from './wg-settings.ts';

/**
 * How hooks split into commands and words, and how a table is named, live with the routing model, which runs them;
 * lint reads the same way.
 */
export { shellCommands, tableName };

/** An `ip rule add|del …` found in a hook, with its selectors and action in canonical words. */
export interface IpRuleCommand {
  kind: 'ip-rule';
  op: 'add' | 'del';
  /** Selector and action words, aliases folded: lookup→table, pref/prio/preference/order→priority, table 254→main. */
  args: Map<string, string>;
  not: boolean;
  /** The words after `add`/`del`, as written. */
  words: string[];
  /** 6 for `ip -6 rule`, 4 otherwise (`to` may still tell). */
  family: 4 | 6;
  hook: Hook;
}

export interface IpRouteCommand {
  kind: 'ip-route';
  op: 'add' | 'del' | 'replace' | 'append';
  /** As written, `default` spelled 0.0.0.0/0 or ::/0. */
  destination: string;
  /** unicast unless written: blackhole, unreachable, prohibit, throw, local… */
  type: string;
  dev?: string;
  via?: string;
  table?: string;
  hook: Hook;
}

export interface IptablesCommand {
  kind: 'iptables';
  program: string;
  op: 'add' | 'del';
  table: string;
  chain: string;
  /** The rule's match and target words, without the table, the operation and an -I position. */
  rule: string[];
  source?: string;
  destination?: string;
  jump?: string;
  toSource?: string;
  hook: Hook;
}

export type HookCommand = IpRuleCommand | IpRouteCommand | IptablesCommand;

/** What `$(wg show %i fwmark)` stands for in a rule: the mark of the interface's own packets. */
export const ownFwmark = 'wg-fwmark';

const ruleAliases: Record<string, string> = {
  lookup: 'table',
  pref: 'priority',
  preference: 'priority',
  prio: 'priority',
  order: 'priority',
};
const ruleFlags = new Set(['not', '!']);
const iptablesPrograms = new Set([
  'iptables',
  'ip6tables',
  'iptables-legacy',
  'iptables-nft',
  'ip6tables-legacy',
  'ip6tables-nft',
]);
const routeKeywords = new Set([
  'dev',
  'oif',
  'via',
  'src',
  'table',
  'metric',
  'preference',
  'proto',
  'scope',
  'mtu',
  'advmss',
  'realm',
  'tos',
  'dsfield',
  'initcwnd',
  'initrwnd',
  'window',
  'rtt',
  'rttvar',
  'nexthop',
  'weight',
  'expires',
  'nhid',
  'encap',
  'from',
  'protocol',
]);
const routeFlags = new Set(['onlink', 'pervasive']);
const routeTypes = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'throw',
  'unreachable',
  'prohibit',
  'blackhole',
  'nat',
]);

/** Finds the routing and firewall commands in a hook; `%i` stands for the interface name, as wg-quick replaces it. */
export function readHookCommands(hook: Hook, interfaceName = 'wg0'): HookCommand[] {
  return shellCommands(hook.command.replaceAll('%i', interfaceName)).flatMap((words) => {
    const command = readCommand(withoutPrefix(words), hook);
    return command ? [command] : [];
  });
}

/** Drops `sudo`, `command`, `exec` and VAR=value assignments in front of the program. */
function withoutPrefix(words: string[]): string[] {
  let start = 0;
  while (
    start < words.length &&
    (/^(sudo|command|exec)$/.test(words[start]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[start]!))
  )
    start++;
  return words.slice(start);
}

function readCommand(words: string[], hook: Hook): HookCommand | undefined {
  const program = words[0]?.split('/').at(-1);
  if (program === 'ip') return readIp(words.slice(1), hook);
  if (program !== undefined && iptablesPrograms.has(program)) return readIptables(program, words.slice(1), hook);
  return undefined;
}

function readIp(words: string[], hook: Hook): HookCommand | undefined {
  let family: 4 | 6 = 4;
  const rest: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '-6') family = 6;
    else if (word === '-4') family = 4;
    else if (/^-(f|family)$/.test(word)) {
      if (/^(inet6|ipv6)$/.test(words[index + 1] ?? '')) family = 6;
      index++;
    } else if (/^-(b|batch)$/.test(word)) return undefined;
    else if (!word.startsWith('-')) rest.push(word);
  }
  const [object, verb, ...args] = rest;
  if (object === undefined || verb === undefined) return undefined;
  const op = verb === 'delete' ? 'del' : verb;
  if ('rule'.startsWith(object) && object.length >= 2 && (op === 'add' || op === 'del'))
    return readIpRule(op, args, family, hook);
  if ('route'.startsWith(object) && object.length >= 2 && ['add', 'del', 'replace', 'append'].includes(op)) {
    return readIpRoute(op as IpRouteCommand['op'], args, family, hook);
  }
  return undefined;
}

function readIpRule(op: 'add' | 'del', args: string[], family: 4 | 6, hook: Hook): IpRuleCommand {
  const map = new Map<string, string>();
  let not = false;
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!;
    if (ruleFlags.has(word)) {
      not = true;
      continue;
    }
    const key = ruleAliases[word] ?? word;
    const value = args[index + 1];
    if (value === undefined) break;
    map.set(key, ruleValue(key, value));
    index++;
  }
  return { kind: 'ip-rule', op, args: map, not, words: args, family, hook };
}

/** One spelling per value: table 254 is main, marks as decimal numbers, `$(wg show %i fwmark)` the own mark. */
function ruleValue(key: string, value: string): string {
  if (key === 'table') return tableName(value);
  if (key === 'fwmark') {
    if (/^\$\(\s*wg\s+show\s+\S+\s+fwmark\s*\)$/.test(value)) return ownFwmark;
    return markValue(value);
  }
  return value;
}

/** A mark as a decimal number (0xca6c and 51820 are the same); a mark/mask keeps its mask. */
export function markValue(value: string): string {
  const [mark, mask] = value.split('/');
  const number = /^(0x[0-9a-f]+|\d+)$/i.test(mark ?? '') ? String(Number(mark)) : value;
  return mask === undefined || number === value ? number : `${number}/${Number(mask)}`;
}

function readIpRoute(op: IpRouteCommand['op'], args: string[], family: 4 | 6, hook: Hook): IpRouteCommand | undefined {
  let type = 'unicast';
  let destination: string | undefined;
  const values = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!;
    if (routeFlags.has(word)) continue;
    if (word === 'via' && (args[index + 1] === 'inet' || args[index + 1] === 'inet6')) {
      // `via [FAMILY] ADDRESS`, as the routing model reads it: the family is a word of its own.
      values.set('via', args[index + 2] ?? '');
      index += 2;
    } else if (routeKeywords.has(word)) {
      values.set(word === 'oif' ? 'dev' : word, args[index + 1] ?? '');
      index++;
    } else if (destination === undefined && routeTypes.has(word)) {
      type = word;
    } else if (destination === undefined) {
      destination = word === 'to' ? undefined : word;
    }
  }
  if (!destination) return undefined;
  if (destination === 'default' || destination === 'all') destination = family === 6 ? '::/0' : '0.0.0.0/0';
  const table = values.get('table');
  return {
    kind: 'ip-route',
    op,
    destination,
    type,
    hook,
    ...(values.has('dev') ? { dev: values.get('dev') } : {}),
    ...(values.has('via') ? { via: values.get('via') } : {}),
    ...(table === undefined ? {} : { table: tableName(table) }),
  };
}

function readIptables(program: string, words: string[], hook: Hook): IptablesCommand | undefined {
  let table = 'filter';
  let op: 'add' | 'del' | undefined;
  let chain: string | undefined;
  const rule: string[] = [];
  const command: Partial<IptablesCommand> = {};
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const next = words[index + 1];
    if (word === '-t' || word === '--table') {
      table = next ?? table;
      index++;
    } else if (['-A', '--append', '-I', '--insert', '-D', '--delete'].includes(word)) {
      op = word === '-D' || word === '--delete' ? 'del' : 'add';
      chain = next;
      index++;
      if ((word === '-I' || word === '--insert') && /^\d+$/.test(words[index + 1] ?? '')) index++;
    } else if (word === '-w' || word === '--wait') {
      if (/^\d+$/.test(next ?? '')) index++;
    } else {
      rule.push(word);
      if ((word === '-s' || word === '--source') && next) command.source = next;
      if ((word === '-d' || word === '--destination') && next) command.destination = next;
      if ((word === '-j' || word === '--jump') && next) command.jump = next;
      if (word === '--to-source' && next) command.toSource = next;
    }
  }
  if (!op || !chain) return undefined;
  return { kind: 'iptables', program, op, table, chain, rule, hook, ...command };
}

/** Reads every hook of a file. */
export function readAllHookCommands(hooks: readonly Hook[], interfaceName = 'wg0'): HookCommand[] {
  return hooks.flatMap((hook) => readHookCommands(hook, interfaceName));
}

/**
 * Whether `del` removes the rule `added`: `ip rule del` removes the first rule that has every selector
 * and action it names, so a del naming fewer words still matches (aliases and 254/main are one word);
 * a del without `not` may remove a `not` rule, as the kernel does not compare it.
 */
export function sameIpRule(added: IpRuleCommand, del: IpRuleCommand): boolean {
  if ((del.not && !added.not) || del.args.size === 0) return false;
  for (const [key, value] of del.args) if (added.args.get(key) !== value) return false;
  return true;
}

/** The same iptables rule (add vs del aside); options may come in any order, as iptables reads them. */
export function sameIptablesRule(a: IptablesCommand, b: IptablesCommand): boolean {
  return (
    a.program.replace(/-(legacy|nft)$/, '') === b.program.replace(/-(legacy|nft)$/, '') &&
    a.table === b.table &&
    a.chain === b.chain &&
    optionGroups(a.rule).join('\n') === optionGroups(b.rule).join('\n')
  );
}

/** The rule's words grouped per option (`! -s 10.0.0.1`, `-j SNAT`), sorted. */
function optionGroups(words: readonly string[]): string[] {
  const groups: string[][] = [];
  let negate = false;
  for (const word of words) {
    if (word === '!') {
      negate = true;
    } else if (word.startsWith('-') || groups.length === 0) {
      groups.push(negate ? ['!', word] : [word]);
      negate = false;
    } else {
      groups.at(-1)!.push(word);
    }
  }
  return groups.map((group) => group.join(' ')).sort();
}
