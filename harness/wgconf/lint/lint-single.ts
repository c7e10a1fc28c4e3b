import { anyContains, formatCidr, sameAddress, type Cidr } from '../../net/ip.ts';
import { sameIpRule, sameIptablesRule, type IpRuleCommand } from '../hook-commands.ts';
import { endpointAddress, type PeerSettings } from '../wg-settings.ts';
import { lines, type Finding } from './finding.ts';
import {
  allowedIps, describeRule, mainRoutesToTunnel, rulePriority, rulesSending, ruleTable, ruleTo, tableRoutes, type LintTarget,
} from './lint-context.ts';

/** Where the peer is reached: its Endpoint, or (for a listening end) what the other file tells. */
export interface PeerEndpoint {
  address: string;
  port?: number;
  line?: number;
  /** Where the address came from, for messages. */
  source: string;
}

/** What the other end's file tells about the peer, when both ends are linted together. */
export interface PeerFacts {
  listenPort?: number;
  wgAddresses: Cidr[];
}

/** The rules that need only one file; `peer` fills in what a listening end's file cannot know. */
export function lintSingle(target: LintTarget, peer?: PeerFacts): Finding[] {
  return [
    ...endpointLoop(target),
    ...endpointBypass(target, peer),
    ...rulesWithoutRoute(target),
    ...unreachableAllowedIps(target),
    ...undoMissing(target),
  ];
}

function finding(target: LintTarget, line: number | undefined, rule: string, message: string, hint: string, severity: Finding['severity'] = 'error'): Finding {
  return { file: target.file, line, rule, severity, message, hint };
}

/** Endpoint inside AllowedIPs while routes go to main (or nowhere): WireGuard's own packets would go into wg0. */
function endpointLoop(target: LintTarget): Finding[] {
  const table = target.settings.interface.table;
  if (target.table !== undefined) return [];
  return target.settings.peers.flatMap((peer) => {
    const address = endpointAddress(peer);
    const covering = address && peer.allowedIps.find((located) => anyContains([located.value], address));
    if (!address || !covering) return [];
    const fullTunnel = peer.allowedIps.some((located) => located.value.prefix === 0);
    if (table.value.kind === 'auto' && fullTunnel) return [];
    const tableText = table.line === undefined ? 'no Table line' : `Table = ${table.value.kind} (line ${table.line})`;
    const routes = table.value.kind === 'off'
      ? 'no routes at all are added, so traffic for it goes nowhere near the tunnel'
      : 'its route goes to the main table through wg0, so the tunnel would route its own encrypted packets into itself';
    return [finding(target, covering.line, 'endpoint-in-allowedips',
      `Endpoint ${address}:${peer.endpoint!.value.port} (line ${peer.endpoint!.line}) is inside AllowedIPs ${formatCidr(covering.value)} (line ${covering.line}); with ${tableText} ${routes}`,
      'set Table = <an unused table number, e.g. 123> and add the two policy rules: `ip rule add to <endpoint ip> dport <port> table main priority 455`, then `ip rule add to <endpoint ip> table <table> priority 456`')];
  });
}

function peerEndpointsOf(target: LintTarget, peer?: PeerFacts): PeerEndpoint[] {
  const own = target.settings.peers.flatMap((settings: PeerSettings) => {
    const address = endpointAddress(settings);
    return address ? [{ address, port: settings.endpoint!.value.port, line: settings.endpoint!.line, source: `Endpoint, line ${settings.endpoint!.line}` }] : [];
  });
  if (own.length > 0 || target.settings.peers.some((settings) => settings.endpoint)) return own;
  return peer ? guessedEndpoints(target, peer) : announcedEndpoints(target);
}

/** WireGuard's own packets to the peer must leave through main before the rule that sends the peer's IP into the tunnel. */
function endpointBypass(target: LintTarget, peer?: PeerFacts): Finding[] {
  const table = target.table;
  if (table === undefined) return [];
  const findings: Finding[] = [];
  for (const endpoint of peerEndpointsOf(target, peer)) {
    if (!tableRoutes(target, endpoint.address)) continue;
    const intoTunnel = rulesSending(target, endpoint.address, table).filter((rule) => ruleTo(rule) !== undefined);
    if (intoTunnel.length === 0) continue;
    const tunnelRule = intoTunnel.reduce((first, rule) => ((rulePriority(rule) ?? Infinity) < (rulePriority(first) ?? Infinity) ? rule : first));
    const mainRules = target.rulesAdded.filter((rule) => ruleTable(rule) === 'main' && rule.args.has('dport'));
    const matching = mainRules.filter((rule) => {
      const to = ruleTo(rule);
      return to !== undefined && anyContains([to], endpoint.address) && (endpoint.port === undefined || rule.args.get('dport') === String(endpoint.port));
    });
    const guessed = endpoint.port === undefined;
    if (matching.length === 0) {
      const near = mainRules.filter((rule) => ruleTo(rule) !== undefined);
      if (near.length > 0 && !guessed) {
        findings.push(finding(target, near[0]!.hook.line, 'endpoint-bypass-mismatch',
          `${describeRule(near[0]!)} is meant to send WireGuard's own packets through main, but the peer is at ${endpoint.address}:${endpoint.port} (${endpoint.source}): the rule's address or dport does not match`,
          `write it as \`ip rule add to ${endpoint.address} dport ${endpoint.port} table main priority <lower than ${rulePriority(tunnelRule) ?? 'the table rule'}>\``));
      } else {
        findings.push(finding(target, tunnelRule.hook.line, 'endpoint-bypass-missing',
          `${describeRule(tunnelRule)} sends ${endpoint.address} into table ${table}, and no earlier rule sends WireGuard's own packets to ${endpoint.address}${endpoint.port ? ` port ${endpoint.port}` : ''} (${endpoint.source}) through main: the tunnel would carry its own packets`,
          `add PreUp = ip rule add to ${endpoint.address} dport ${endpoint.port ?? '<peer listen port>'} table main priority ${Math.max(1, (rulePriority(tunnelRule) ?? 456) - 1)} (and its PostDown ip rule del)`,
          guessed ? 'warning' : 'error'));
      }
      continue;
    }
    const bypass = matching.reduce((first, rule) => ((rulePriority(rule) ?? Infinity) < (rulePriority(first) ?? Infinity) ? rule : first));
    const bypassPriority = rulePriority(bypass);
    const tunnelPriority = rulePriority(tunnelRule);
    if (bypassPriority === undefined || tunnelPriority === undefined) {
      findings.push(finding(target, (bypassPriority === undefined ? bypass : tunnelRule).hook.line, 'rule-priority-missing',
        `${describeRule(bypassPriority === undefined ? bypass : tunnelRule)} has no priority, so the kernel picks one and the order of the two rules is left to chance`,
        'give both rules an explicit priority, the dport rule the smaller number (e.g. 455 and 456)', 'warning'));
    } else if (bypassPriority >= tunnelPriority) {
      findings.push(finding(target, bypass.hook.line, 'endpoint-bypass-order',
        `the dport rule ${describeRule(bypass)} has priority ${bypassPriority}, not smaller than ${tunnelPriority} of ${describeRule(tunnelRule)}: the table rule is evaluated first and WireGuard's own packets go into the tunnel`,
        `give the dport rule the smaller number, e.g. priority ${tunnelPriority - 1}, or swap the two priorities`));
    }
  }
  return findings;
}

/**
 * A listening end's file names no Endpoint; the other end's file tells its listen port and WireGuard
 * addresses, so every other host the table rules send into the tunnel may be where the peer dials from.
 */
function guessedEndpoints(target: LintTarget, peer: PeerFacts): PeerEndpoint[] {
  return tableRuleHosts(target)
    .filter((rule) => !anyContains(peer.wgAddresses, ruleTo(rule)!))
    .map((rule) => ({ address: ruleTo(rule)!.address, port: peer.listenPort, source: `the peer's public IP as ${describeRule(rule)} names it, and its ListenPort ${peer.listenPort ?? 'unknown'}` }));
}

/** Alone, a listening end's file only shows which hosts its dport rules treat as the peer's endpoint. */
function announcedEndpoints(target: LintTarget): PeerEndpoint[] {
  const bypassed = target.rulesAdded.filter((rule) => ruleTable(rule) === 'main' && rule.args.has('dport') && ruleTo(rule));
  return tableRuleHosts(target)
    .filter((rule) => bypassed.some((main) => sameAddress(ruleTo(main)!.address, ruleTo(rule)!.address)))
    .map((rule) => ({ address: ruleTo(rule)!.address, source: `the host of ${describeRule(rule)}` }));
}

function tableRuleHosts(target: LintTarget): IpRuleCommand[] {
  return target.rulesAdded
    .filter((rule) => ruleTable(rule) === target.table && ruleTo(rule)?.prefix === 32)
    .filter((rule) => !target.settings.interface.addresses.some((address) => anyContains([address.value], ruleTo(rule)!)));
}

/** A rule sends an address to the tunnel table, but no route there covers it: it falls through to main, not transparent. */
function rulesWithoutRoute(target: LintTarget): Finding[] {
  if (target.table === undefined) return [];
  return target.rulesAdded
    .filter((rule) => ruleTable(rule) === target.table && ruleTo(rule) !== undefined)
    .filter((rule) => !tableRoutes(target, ruleTo(rule)!))
    .map((rule) => finding(target, rule.hook.line, 'rule-without-route',
      `${describeRule(rule)} sends ${formatCidr(ruleTo(rule)!)} to table ${target.table}, but no AllowedIPs (${lines(...allowedIps(target).map((located) => located.line))}) covers it, so the lookup silently falls through to main and the traffic never enters the tunnel`,
      `add ${formatCidr(ruleTo(rule)!)} to the peer's AllowedIPs, or drop the rule`));
}

/** With Table = N, an AllowedIPs address is only in table N: something must send traffic there or route it in main. */
function unreachableAllowedIps(target: LintTarget): Finding[] {
  const table = target.table;
  if (table === undefined) return [];
  const findings: Finding[] = [];
  for (const located of allowedIps(target)) {
    const cidr: Cidr = located.value;
    if (cidr.prefix === 0) continue;
    if (rulesSending(target, cidr, table).length > 0 || mainRoutesToTunnel(target, cidr)) continue;
    const addressLines = lines(...target.settings.interface.addresses.map((address) => address.line));
    findings.push(finding(target, located.line, 'peer-wgip-unreachable',
      `AllowedIPs ${formatCidr(cidr)} (line ${located.line}) is routed only in table ${table} (Table, line ${target.settings.interface.table.line}), and nothing leads there: Address (${addressLines}) does not cover it, no PostUp route adds it to main, no ip rule sends it to table ${table}`,
      `use one of the three fixes: widen Address to a prefix holding ${cidr.address} (e.g. /30), or PostUp = ip route add ${cidr.address} dev wg0, or PreUp = ip rule add to ${cidr.address} table ${table} priority <n> with its PostDown`));
  }
  return findings;
}

/** ip rules and iptables rules outlive the interface: each one added needs its removal. */
function undoMissing(target: LintTarget): Finding[] {
  const findings: Finding[] = [];
  for (const rule of target.rulesAdded) {
    if (target.rulesDeleted.some((deleted) => sameIpRule(rule, deleted))) continue;
    findings.push(finding(target, rule.hook.line, 'undo-missing',
      `${describeRule(rule)} adds a policy rule that no PostDown or PreDown removes; it outlives wg0, and the next wg-quick up fails on the duplicate`,
      `add PostDown = ${undoIpRule(rule)}`));
  }
  for (const rule of target.iptablesAdded) {
    if (target.iptablesDeleted.some((deleted) => sameIptablesRule(rule, deleted))) continue;
    findings.push(finding(target, rule.hook.line, 'undo-missing',
      `\`${rule.hook.command.trim()}\` (${rule.hook.key}, line ${rule.hook.line}) adds an iptables rule that no PostDown or PreDown removes; it outlives wg0 and is added again at every wg-quick up`,
      `add PostDown = ${rule.program} -D ${rule.chain}${rule.table === 'filter' ? '' : ` -t ${rule.table}`} ${rule.rule.join(' ')}`));
  }
  return findings;
}

function undoIpRule(rule: IpRuleCommand): string {
  return rule.hook.command.trim().replace(/\brule\s+add\b/, 'rule del');
}

