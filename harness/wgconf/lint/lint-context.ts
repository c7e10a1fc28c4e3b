import { anyContains, cidrContains, parseCidr, type Cidr } from '../../net/ip.ts';
import {
  markValue,
  ownFwmark,
  readAllHookCommands,
  shellCommands,
  type HookCommand,
  type IpRouteCommand,
  type IpRuleCommand,
  type IptablesCommand,
} from '../hook-commands.ts';
import { publicKeyOf } from '../keys.ts';
import type { WgConfig } from '../wg-config.ts';
import {
  customTable,
  endpointAddress,
  isWgKey,
  readWgSettings,
  type Located,
  type PeerSettings,
  type SettingsProblem,
  type WgSettings,
} from '../wg-settings.ts';

/** A parsed file with what the lint rules ask of it, worked out once. */
export interface LintTarget {
  file: string;
  config: WgConfig;
  settings: WgSettings;
  /** Values wg-quick would refuse (placeholder keys, bad ports…), left out of `settings`. */
  problems: SettingsProblem[];
  /** The interface wg-quick makes from this file: its name without .conf, as `%i` stands for (wg0 when the name is no interface name). */
  interfaceName: string;
  /** Endpoint host names the user told the address of (`--resolve`). */
  resolve: Readonly<Record<string, string>>;
  /** The public key of this file's PrivateKey, when that is a valid key. */
  publicKey?: string;
  /** The custom routing table AllowedIPs routes go to, when Table names one. */
  table?: string;
  /** The mark the interface's own packets carry (FwMark, or `wg set %i fwmark N` in a hook). */
  fwMark?: string;
  rulesAdded: IpRuleCommand[];
  rulesDeleted: IpRuleCommand[];
  routesAdded: IpRouteCommand[];
  iptablesAdded: IptablesCommand[];
  iptablesDeleted: IptablesCommand[];
  /** Rules a PreDown or PostDown adds, where it most likely meant to delete. */
  addedOnDown: (IpRuleCommand | IptablesCommand)[];
  /** PreUp/PostUp commands lint cannot read (a script, nft): they may add routes and rules lint does not see. */
  opaqueUp: { line: number | undefined; command: string }[];
}

export function lintTarget(file: string, config: WgConfig, resolve: Readonly<Record<string, string>> = {}): LintTarget {
  const problems: SettingsProblem[] = [];
  const settings = readWgSettings(config, { problems });
  const interfaceName = /(?:^|[\\/])([a-zA-Z0-9_=+.-]{1,15})\.conf$/.exec(file)?.[1] ?? 'wg0';
  const isUp = (key: string) => key === 'PreUp' || key === 'PostUp';
  const up = readAllHookCommands(
    settings.interface.hooks.filter((hook) => isUp(hook.key)),
    interfaceName,
  );
  const down = readAllHookCommands(
    settings.interface.hooks.filter((hook) => !isUp(hook.key)),
    interfaceName,
  );
  const opaqueUp = settings.interface.hooks
    .filter((hook) => isUp(hook.key))
    .flatMap((hook) =>
      shellCommands(hook.command)
        .filter(isOpaqueCommand)
        .map((words) => ({ line: hook.line, command: words.join(' ') })),
    );
  const privateKey = settings.interface.privateKey?.value;
  const markFromHook = settings.interface.hooks
    .map(
      (hook) => new RegExp(`\\bwg\\s+set\\s+(?:%i|${interfaceName})\\b.*\\bfwmark\\s+(\\S+)`).exec(hook.command)?.[1],
    )
    .find((mark) => mark !== undefined);
  const fwMark = settings.interface.fwMark
    ? String(settings.interface.fwMark.value)
    : markFromHook && markValue(markFromHook);
  return {
    file,
    config,
    settings,
    problems,
    interfaceName,
    resolve,
    ...(privateKey !== undefined && isWgKey(privateKey) ? { publicKey: publicKeyOf(privateKey) } : {}),
    ...(customTable(settings.interface.table.value) === undefined
      ? {}
      : { table: customTable(settings.interface.table.value) }),
    ...(fwMark === undefined ? {} : { fwMark }),
    rulesAdded: up.filter(isRule).filter((command) => command.op === 'add'),
    rulesDeleted: down.filter(isRule).filter((command) => command.op === 'del'),
    routesAdded: up.filter((command): command is IpRouteCommand => command.kind === 'ip-route' && command.op !== 'del'),
    iptablesAdded: up.filter(isIptables).filter((command) => command.op === 'add'),
    iptablesDeleted: down.filter(isIptables).filter((command) => command.op === 'del'),
    addedOnDown: down.filter(
      (command): command is IpRuleCommand | IptablesCommand => command.kind !== 'ip-route' && command.op === 'add',
    ),
    opaqueUp,
  };
}

function isRule(command: HookCommand): command is IpRuleCommand {
  return command.kind === 'ip-rule';
}

function isIptables(command: HookCommand): command is IptablesCommand {
  return command.kind === 'iptables';
}

export function allowedIps(target: LintTarget): Located<Cidr>[] {
  return target.settings.peers.flatMap((peer) => peer.allowedIps);
}

export function peerEndpoint(target: LintTarget, peer: PeerSettings): string | undefined {
  return endpointAddress(peer, target.resolve);
}

/** The `to` of a rule as a prefix; undefined for a rule without `to` or with `to all` (it matches every destination). */
export function ruleTo(rule: IpRuleCommand): Cidr | undefined {
  const to = rule.args.get('to');
  return to === undefined ? undefined : parseCidr(to);
}

/** The table a rule looks up: its `table`, or main, where `ip rule add` without one sends (254 is already main). */
export function ruleTable(rule: IpRuleCommand): string | undefined {
  return rule.args.get('table') ?? (rule.args.has('goto') ? undefined : 'main');
}

/** The rule's priority, as ip reads it (decimal or 0x hex); undefined when not given or not a number. */
export function rulePriority(rule: IpRuleCommand): number | undefined {
  const priority = Number(rule.args.get('priority') || Number.NaN);
  return Number.isInteger(priority) && priority >= 0 ? priority : undefined;
}

/** A `to` that is neither `all` nor an address (a shell variable, say): what it selects is unknown. */
function unreadableTo(rule: IpRuleCommand): boolean {
  const to = rule.args.get('to');
  return to !== undefined && to !== 'all' && parseCidr(to) === undefined;
}

export function hasFrom(rule: IpRuleCommand): boolean {
  const from = rule.args.get('from');
  return from !== undefined && from !== 'all';
}

/** Whether the rule's selectors pick ordinary traffic to `address` (no mark; ports and sources taken as matching). */
export function ruleSelects(rule: IpRuleCommand, address: Cidr | string): boolean {
  const to = ruleTo(rule);
  const selects = (to === undefined ? !unreadableTo(rule) : anyContains([to], address)) && !rule.args.has('fwmark');
  return rule.not ? !selects : selects;
}

/** Rules that send traffic for `address` to `table` (a rule without `to` counts: it selects everything). */
export function rulesSending(target: LintTarget, address: Cidr | string, table: string): IpRuleCommand[] {
  return target.rulesAdded.filter((rule) => ruleTable(rule) === table && ruleSelects(rule, address));
}

/** Where WireGuard's own packets to the peer go: to its endpoint address and port, carrying the interface's mark. */
export interface OwnPackets {
  address: string;
  port?: number;
}

/**
 * Whether the rule picks the interface's own packets (locally made UDP from ListenPort to the endpoint, with the
 * interface's mark). A rule naming a source is taken as not picking them: their source is not known here.
 */
export function ruleSelectsOwn(target: LintTarget, rule: IpRuleCommand, packets: OwnPackets): boolean {
  const to = ruleTo(rule);
  const mark = rule.args.get('fwmark');
  const dport = rule.args.get('dport');
  const sport = rule.args.get('sport');
  const iif = rule.args.get('iif');
  const protocol = rule.args.get('ipproto');
  const selects =
    (to === undefined ? !unreadableTo(rule) : anyContains([to], packets.address)) &&
    (mark === undefined || (target.fwMark !== undefined && (mark === ownFwmark || mark === target.fwMark))) &&
    (dport === undefined || packets.port === undefined || dport === String(packets.port)) &&
    (sport === undefined || sport === String(target.settings.interface.listenPort?.value)) &&
    (iif === undefined || iif === 'lo') &&
    (protocol === undefined || protocol === 'udp' || protocol === '17') &&
    !hasFrom(rule);
  return rule.not ? !selects && !hasFrom(rule) : selects;
}

/** A route in main through this interface for `address`, as wg-quick (Address prefix) or a hook put it. */
export function mainRoutesToTunnel(target: LintTarget, address: Cidr): boolean {
  const onLink = target.settings.interface.addresses.some(
    (located) => !isHost(located.value) && anyContains([located.value], address),
  );
  return onLink || hookRoutesInMain(target).some((route) => anyContains([parseCidr(route.destination)!], address));
}

/** Unicast routes a hook adds to main through this interface. */
export function hookRoutesInMain(target: LintTarget): IpRouteCommand[] {
  return target.routesAdded.filter(
    (route) =>
      parseCidr(route.destination) !== undefined &&
      route.type === 'unicast' &&
      (route.table === undefined || route.table === 'main') &&
      isOwnInterface(target, route.dev),
  );
}

/** The interface itself: its name as `%i` gives it, or wg0, the name a file linted under another name is most often installed as. */
export function isOwnInterface(target: LintTarget, dev: string | undefined): boolean {
  return dev === target.interfaceName || dev === 'wg0';
}

/** Routes wg-quick or a hook put into the custom table for `address`. */
export function tableRoutes(target: LintTarget, address: Cidr | string): boolean {
  if (
    anyContains(
      allowedIps(target).map((located) => located.value),
      address,
    )
  )
    return true;
  return target.routesAdded.some((route) => {
    const destination = parseCidr(route.destination);
    return destination !== undefined && route.table === target.table && anyContains([destination], address);
  });
}

export function isHost(cidr: Cidr): boolean {
  return cidr.prefix === (cidr.address.includes(':') ? 128 : 32);
}

/** An address near one of the file's own Addresses (same /16, or /48 for IPv6): plausibly another WireGuard address. */
export function nearOwnAddress(target: LintTarget, cidr: Cidr): boolean {
  return target.settings.interface.addresses.some((own) =>
    cidrContains({ address: own.value.address, prefix: own.value.address.includes(':') ? 48 : 16 }, cidr),
  );
}

export function describeRule(rule: { hook: { command: string; key: string; line?: number } }): string {
  return `\`${rule.hook.command.trim()}\` (${rule.hook.key}, line ${rule.hook.line ?? '?'})`;
}

/** Commands whose effect on routes and rules lint cannot read: a script, a shell, nft. */
export function isOpaqueCommand(words: readonly string[]): boolean {
  const rest = words[0] === 'sudo' || words[0] === 'env' || words[0] === 'exec' ? words.slice(1) : [...words];
  const command = rest[0] ?? '';
  const name = command.split('/').at(-1)!;
  if (['sh', 'bash', 'dash', 'zsh', 'source', '.', 'nft', 'python', 'python3', 'perl'].includes(name)) return true;
  return (
    /\.(sh|py|pl)$/.test(command) ||
    (command.includes('/') &&
      !/^(ip|ip6?tables(-legacy|-nft)?|sysctl|wg|echo|printf|logger|resolvectl|resolvconf|true|false|iptables-save|ip6tables-save)$/.test(
        name,
      ))
  );
}
