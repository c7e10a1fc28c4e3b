import { anyContains, parseCidr, type Cidr } from '../../net/ip.ts';
import { readAllHookCommands, type IpRouteCommand, type IpRuleCommand, type IptablesCommand } from '../hook-commands.ts';
import type { WgConfig } from '../wg-config.ts';
import { customTable, readWgSettings, type Located, type WgSettings } from '../wg-settings.ts';

/** A parsed file with what the lint rules ask of it, worked out once. */
export interface LintTarget {
  file: string;
  config: WgConfig;
  settings: WgSettings;
  /** The custom routing table AllowedIPs routes go to, when Table names one. */
  table?: string;
  rulesAdded: IpRuleCommand[];
  rulesDeleted: IpRuleCommand[];
  routesAdded: IpRouteCommand[];
  iptablesAdded: IptablesCommand[];
  iptablesDeleted: IptablesCommand[];
}

export function lintTarget(file: string, config: WgConfig): LintTarget {
  const settings = readWgSettings(config);
  const up = readAllHookCommands(settings.interface.hooks.filter((hook) => hook.key === 'PreUp' || hook.key === 'PostUp'));
  const down = readAllHookCommands(settings.interface.hooks.filter((hook) => hook.key === 'PreDown' || hook.key === 'PostDown'));
  return {
    file,
    config,
    settings,
    table: customTable(settings.interface.table.value),
    rulesAdded: up.filter((command): command is IpRuleCommand => command.kind === 'ip-rule' && command.op === 'add'),
    rulesDeleted: down.filter((command): command is IpRuleCommand => command.kind === 'ip-rule' && command.op === 'del'),
    routesAdded: up.filter((command): command is IpRouteCommand => command.kind === 'ip-route' && command.op !== 'del'),
    iptablesAdded: up.filter((command): command is IptablesCommand => command.kind === 'iptables' && command.op === 'add'),
    iptablesDeleted: down.filter((command): command is IptablesCommand => command.kind === 'iptables' && command.op === 'del'),
  };
}

export function allowedIps(target: LintTarget): Located<Cidr>[] {
  return target.settings.peers.flatMap((peer) => peer.allowedIps);
}

/** The `to` of a rule as a prefix; undefined for a rule without `to` (it matches every destination). */
export function ruleTo(rule: IpRuleCommand): Cidr | undefined {
  const to = rule.args.get('to');
  return to === undefined || to === 'all' ? undefined : parseCidr(to);
}

export function ruleTable(rule: IpRuleCommand): string | undefined {
  const table = rule.args.get('table');
  return table === '254' ? 'main' : table;
}

export function rulePriority(rule: IpRuleCommand): number | undefined {
  const priority = rule.args.get('priority');
  return priority === undefined || !/^\d+$/.test(priority) ? undefined : Number(priority);
}

/** Rules that send traffic for `address` to `table` (a rule without `to` counts: it selects everything). */
export function rulesSending(target: LintTarget, address: Cidr | string, table: string): IpRuleCommand[] {
  return target.rulesAdded.filter((rule) => {
    if (ruleTable(rule) !== table || rule.not) return false;
    const to = ruleTo(rule);
    return to === undefined ? !rule.args.has('to') : anyContains([to], address);
  });
}

/** True when the main table reaches `address` through wg0: the Address prefix's own route, or a PostUp route. */
export function mainRoutesToTunnel(target: LintTarget, address: Cidr): boolean {
  const onLink = target.settings.interface.addresses.some((located) => located.value.prefix < 32 && anyContains([located.value], address));
  const routed = target.routesAdded.some((route) => {
    const destination = parseCidr(route.destination);
    return destination && (route.table === undefined || route.table === 'main') && (route.dev === undefined || route.dev === 'wg0')
      && anyContains([destination], address);
  });
  return onLink || routed;
}

/** Routes wg-quick or a hook put into the custom table for `address`. */
export function tableRoutes(target: LintTarget, address: Cidr | string): boolean {
  if (anyContains(allowedIps(target).map((located) => located.value), address)) return true;
  return target.routesAdded.some((route) => {
    const destination = parseCidr(route.destination);
    return destination && route.table === target.table && anyContains([destination], address);
  });
}

export function describeRule(rule: IpRuleCommand): string {
  return `\`${rule.hook.command.trim()}\` (${rule.hook.key}, line ${rule.hook.line ?? '?'})`;
}
