import type { Hook } from './wg-settings.ts';

/** An `ip rule add|del …` found in a hook, with its selectors and action in canonical words. */
export interface IpRuleCommand {
  kind: 'ip-rule';
  op: 'add' | 'del';
  /** Selector and action words, aliases folded: lookup→table, pref/prio/preference→priority. */
  args: Map<string, string>;
  not: boolean;
  hook: Hook;
}

export interface IpRouteCommand {
  kind: 'ip-route';
  op: 'add' | 'del' | 'replace' | 'append';
  destination: string;
  dev?: string;
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

const ruleAliases: Record<string, string> = {
  lookup: 'table', pref: 'priority', preference: 'priority', prio: 'priority', order: 'priority',
};
const ruleFlags = new Set(['not']);

/** Finds the routing and firewall commands in a hook (commands joined by `;` or `&&` are each read). */
export function readHookCommands(hook: Hook, interfaceName = 'wg0'): HookCommand[] {
  return hook.command
    .split(/;|&&|\|\|/)
    .map((part) => part.trim().replaceAll('%i', interfaceName).split(/\s+/).filter(Boolean))
    .flatMap((words) => {
      const command = readCommand(words, hook);
      return command ? [command] : [];
    });
}

function readCommand(words: string[], hook: Hook): HookCommand | undefined {
  const [program] = words;
  if (program === 'ip') return readIp(words.slice(1), hook);
  if (program === 'iptables' || program === 'ip6tables' || program === 'iptables-legacy' || program === 'iptables-nft') {
    return readIptables(program, words.slice(1), hook);
  }
  return undefined;
}

function readIp(words: string[], hook: Hook): HookCommand | undefined {
  const rest = words.filter((word) => !/^-(4|6|family|f)$/.test(word));
  const [object, verb, ...args] = rest;
  if (object === undefined || verb === undefined) return undefined;
  const op = verb === 'delete' ? 'del' : verb;
  if ('rule'.startsWith(object) && object.length >= 2 && (op === 'add' || op === 'del')) {
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
      map.set(key, value);
      index++;
    }
    return { kind: 'ip-rule', op, args: map, not, hook };
  }
  if ('route'.startsWith(object) && object.length >= 2 && ['add', 'del', 'replace', 'append'].includes(op)) {
    const [destination, ...tail] = args;
    if (!destination) return undefined;
    const route: IpRouteCommand = { kind: 'ip-route', op: op as IpRouteCommand['op'], destination, hook };
    for (let index = 0; index < tail.length; index++) {
      if (tail[index] === 'dev') route.dev = tail[index + 1];
      if (tail[index] === 'table') route.table = tail[index + 1];
    }
    return route;
  }
  return undefined;
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
    } else if (word === '-A' || word === '--append' || word === '-I' || word === '--insert' || word === '-D' || word === '--delete') {
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

/** The same ip rule, whatever its spelling (add vs del aside). */
export function sameIpRule(a: IpRuleCommand, b: IpRuleCommand): boolean {
  if (a.not !== b.not || a.args.size !== b.args.size) return false;
  for (const [key, value] of a.args) if (b.args.get(key) !== value) return false;
  return true;
}

/** The same iptables rule (add vs del aside). */
export function sameIptablesRule(a: IptablesCommand, b: IptablesCommand): boolean {
  return a.program === b.program && a.table === b.table && a.chain === b.chain && a.rule.join(' ') === b.rule.join(' ');
}
