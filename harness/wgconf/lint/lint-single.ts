import ipaddr from 'ipaddr.js';
import { anyContains, cidrContains, formatCidr, isIpAddress, parseCidr, sameAddress, type Cidr } from '../../net/ip.ts';
import { sameIpRule, sameIptablesRule, type IpRuleCommand, type IptablesCommand } from '../hook-commands.ts';
import { entersInterface, nodeWithFile, tableHolds } from '../../routing/single-node.ts';
import { ipv6MinimumMtu } from '../../routing/wg-quick.ts';
import type { PeerSettings } from '../wg-settings.ts';
import { lines, type Finding } from './finding.ts';
import {
  allowedIps,
  describeRule,
  hasFrom,
  hookRoutesInMain,
  isHost,
  isOwnInterface,
  mainRoutesToTunnel,
  nearOwnAddress,
  peerEndpoint,
  rulePriority,
  ruleSelectsOwn,
  rulesSending,
  ruleTable,
  ruleTo,
  tableRoutes,
  type LintTarget,
} from './lint-context.ts';

/** Where the peer is reached: its Endpoint, or (for a listening end) what the other file tells. */
export interface PeerEndpoint {
  address: string;
  port?: number;
  line?: number;
  /** Where the address came from, for messages. */
  source: string;
}

/** What another linted file that pairs with this one tells about its end. */
export interface PeerFacts {
  listenPort?: number;
  wgAddresses: Cidr[];
}

/** The rules that need only one file; `peers` (the files it pairs with) fill in what a listening end's file cannot know. */
export function lintSingle(target: LintTarget, peers: PeerFacts[] = []): Finding[] {
  return [
    ...invalidValues(target),
    ...endpointLoop(target),
    ...endpointBypass(target, peers),
    ...rulesWithoutRoute(target),
    ...rulesIntoEmptyTables(target),
    ...unreachableAllowedIps(target, peers),
    ...undoMissing(target),
    ...addedOnDown(target),
    ...priorityMissing(target),
    ...hostBits(target),
    ...duplicateAllowedIps(target),
    ...endpointHostnames(target),
    ...saveConfig(target),
    ...hookCutByComment(target),
    ...mtuBelowIpv6(target),
  ];
}

const hookKeys = new Set(['PreUp', 'PostUp', 'PreDown', 'PostDown']);

/** Whether a shell text ends inside a quoted string: '…' takes everything literally, "…" honours backslash escapes. */
function openQuote(text: string): boolean {
  let quote: string | undefined;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (char === '\\' && quote !== "'") at += 1;
    else if (quote === undefined && (char === "'" || char === '"')) quote = char;
    else if (char === quote) quote = undefined;
  }
  return quote !== undefined;
}

/**
 * wg-quick drops everything from the first `#` of a line, inside a hook too (quotes and `${#var}` are not spared):
 * a `#` that cuts off more commands (`; ip6tables ...`), or that sits inside quotes or shell syntax, leaves a hook
 * that does less than it says. A plain trailing comment (`PostUp = ... # why`) is left alone.
 */
function hookCutByComment(target: LintTarget): Finding[] {
  return target.config.lines.flatMap((line) => {
    if (line.type !== 'entry' || !hookKeys.has(line.key)) return [];
    const raw = line.raw ?? '';
    const text = raw.slice(raw.indexOf('=') + 1);
    const at = text.indexOf('#');
    if (at < 0) return [];
    const kept = text.slice(0, at);
    const dropped = text.slice(at + 1).trim();
    const why = /^[;&|]/.test(dropped)
      ? 'more commands'
      : openQuote(kept)
        ? 'the rest of a quoted string'
        : /[$]\{?$/.test(kept)
          ? 'a shell expansion'
          : undefined;
    if (!why) return [];
    return [
      finding(
        target,
        line.line,
        'hook-comment-cut',
        `the \`#\` in ${line.key} (line ${line.line}) starts a comment for wg-quick, so it cuts off ${why} (\`#${dropped}\`): ${kept.trim() ? `the hook runs only \`${kept.trim()}\`` : 'the hook runs nothing'}`,
        why === 'more commands'
          ? `remove the \`#\` to run the rest (\`${[kept.trim(), dropped].filter(Boolean).join(dropped.startsWith(';') ? '' : ' ')}\`), or put what it cut off on a ${line.key} line of its own`
          : `keep \`#\` out of hooks: put the command in a script and call it (PostUp = /etc/wireguard/%i-up.sh)`,
        'warning',
      ),
    ];
  });
}

/**
 * `MTU =` below 1280 with IPv6 in the file: wg-quick adds the addresses, then sets the MTU, and Linux turns IPv6 off
 * on the interface (its addresses go). A route wg-quick then adds for an IPv6 AllowedIPs fails (RTNETLINK: No
 * such device) and wg-quick up deletes the interface: an error. With IPv6 in Address alone, the tunnel comes up
 * without it: a warning.
 */
function mtuBelowIpv6(target: LintTarget): Finding[] {
  const entry = target.settings.interface.mtu;
  if (entry === undefined || entry.value >= ipv6MinimumMtu) return [];
  const mtu = entry.value;
  const v6 = (cidr: Cidr) => cidr.address.includes(':');
  const addresses = target.settings.interface.addresses.filter((located) => v6(located.value));
  const routed =
    target.settings.interface.table.value.kind === 'off'
      ? []
      : allowedIps(target).filter((located) => v6(located.value));
  if (addresses.length === 0 && routed.length === 0) return [];
  const where = `MTU = ${mtu} (line ${entry.line}) is below IPv6's minimum of ${ipv6MinimumMtu}, so Linux turns IPv6 off on ${target.interfaceName} once wg-quick sets it`;
  const [first] = routed;
  return [
    first
      ? finding(
          target,
          entry.line,
          'mtu-below-ipv6',
          `${where}: wg-quick up then fails adding the route for AllowedIPs ${formatCidr(first.value)} (line ${first.line}) ("RTNETLINK answers: No such device") and deletes the interface`,
          `set MTU to ${ipv6MinimumMtu} or more (or leave it out: wg-quick takes the route's MTU less 80), or take the IPv6 prefixes out of Address and AllowedIPs`,
        )
      : finding(
          target,
          entry.line,
          'mtu-below-ipv6',
          `${where}: its IPv6 Address ${formatCidr(addresses[0]!.value)} (line ${addresses[0]!.line}) is gone, and the tunnel carries no IPv6`,
          `set MTU to ${ipv6MinimumMtu} or more (or leave it out: wg-quick takes the route's MTU less 80), or take the IPv6 address out of Address`,
          'warning',
        ),
  ];
}

function finding(
  target: LintTarget,
  line: number | undefined,
  rule: string,
  message: string,
  hint: string,
  severity: Finding['severity'] = 'error',
): Finding {
  return { file: target.file, line, rule, severity, message, hint };
}

/** Values wg-quick refuses: a key that is a placeholder or the wrong length, a bad port or address. The other rules still run without them. */
function invalidValues(target: LintTarget): Finding[] {
  return target.problems.map((problem) =>
    finding(
      target,
      problem.line,
      /Key$/.test(problem.key) ? 'invalid-key' : 'invalid-value',
      `${problem.message}: wg-quick refuses the file`,
      /Key$/.test(problem.key) ? `${problem.hint}; put the real key here` : problem.hint,
    ),
  );
}

/** Endpoint inside AllowedIPs while those routes go to main: WireGuard's own packets would go into the interface. */
function endpointLoop(target: LintTarget): Finding[] {
  if (target.table !== undefined) return [];
  const table = target.settings.interface.table;
  const tableText = table.line === undefined ? 'no Table line' : `Table = ${table.value.kind} (line ${table.line})`;
  return target.settings.peers.flatMap((peer) => {
    const address = peerEndpoint(target, peer);
    if (address === undefined) return [];
    const defaultRoutes = peer.allowedIps.some(
      (located) => located.value.prefix === 0 && cidrContains(located.value, address),
    );
    const fromAllowedIps =
      table.value.kind === 'off'
        ? []
        : peer.allowedIps
            .filter((located) => anyContains([located.value], address))
            .filter((located) => table.value.kind === 'main' || located.value.prefix > 0)
            .map((located) => ({
              cidr: located.value,
              line: located.line,
              hook: false,
              what: `AllowedIPs ${formatCidr(located.value)} (line ${located.line})`,
            }));
    const fromHooks = hookRoutesInMain(target)
      .map((route) => ({ route, cidr: parseCidr(route.destination)! }))
      .filter(
        ({ cidr }) =>
          cidrContains(cidr, address) && !(cidr.prefix === 0 && defaultRoutes && table.value.kind === 'auto'),
      )
      .map(({ route, cidr }) => ({
        cidr,
        line: route.hook.line,
        hook: true,
        what: `the route ${formatCidr(cidr)} of ${describeRule(route)}`,
      }));
    const intoTunnel = [...fromAllowedIps, ...fromHooks].sort((a, b) => b.cidr.prefix - a.cidr.prefix)[0];
    if (intoTunnel === undefined || escapesThroughHookRoute(target, address, intoTunnel.cidr)) return [];
    const how = !intoTunnel.hook
      ? `with ${tableText} its route goes to the main table through the interface`
      : `that route is in the main table through the interface`;
    return [
      finding(
        target,
        intoTunnel.line,
        'endpoint-in-allowedips',
        `Endpoint ${address}:${peer.endpoint!.value.port} (line ${peer.endpoint!.line}) is inside ${intoTunnel.what}; ${how}, so the tunnel would route its own encrypted packets into itself`,
        'set Table = <an unused table number, e.g. 123> and add the two policy rules: `ip rule add to <endpoint ip> dport <port> table main priority 455`, then `ip rule add to <endpoint ip> table <table> priority 456`; or take the Endpoint out of AllowedIPs',
      ),
    ];
  });
}

/** A hook route in main for the endpoint, more specific than the tunnel's and not through it, keeps the tunnel's packets outside. */
function escapesThroughHookRoute(target: LintTarget, address: string, tunnel: Cidr): boolean {
  return target.routesAdded.some((route) => {
    const destination = parseCidr(route.destination);
    return (
      destination !== undefined &&
      (route.table === undefined || route.table === 'main') &&
      route.type === 'unicast' &&
      !isOwnInterface(target, route.dev) &&
      (route.via !== undefined || route.dev !== undefined) &&
      destination.prefix > tunnel.prefix &&
      cidrContains(destination, address)
    );
  });
}

function peerEndpointsOf(target: LintTarget, peers: PeerFacts[]): PeerEndpoint[] {
  const own = target.settings.peers.flatMap((settings: PeerSettings) => {
    const address = peerEndpoint(target, settings);
    return address
      ? [
          {
            address,
            port: settings.endpoint!.value.port,
            line: settings.endpoint!.line,
            source: `Endpoint, line ${settings.endpoint!.line}`,
          },
        ]
      : [];
  });
  if (own.length > 0 || target.settings.peers.some((settings) => settings.endpoint)) return own;
  return peers.length > 0 ? guessedEndpoints(target, peers) : announcedEndpoints(target);
}

const byPriority = (rules: IpRuleCommand[]) =>
  rules.reduce((first, rule) => ((rulePriority(rule) ?? Infinity) < (rulePriority(first) ?? Infinity) ? rule : first));

/** WireGuard's own packets to the peer must leave through main before a rule sends the peer's IP into the tunnel table. */
function endpointBypass(target: LintTarget, peers: PeerFacts[]): Finding[] {
  const table = target.table;
  if (table === undefined) return [];
  const findings: Finding[] = [];
  for (const endpoint of peerEndpointsOf(target, peers)) {
    if (!tableRoutes(target, endpoint.address)) continue;
    const intoTunnel = target.rulesAdded.filter(
      (rule) =>
        ruleTable(rule) === table &&
        ruleSelectsOwn(target, rule, endpoint) &&
        (ruleTo(rule) !== undefined || (!hasFrom(rule) && !rule.args.has('iif') && !rule.args.has('dport'))),
    );
    if (intoTunnel.length === 0) continue;
    const tunnelRule = byPriority(intoTunnel);
    const bypassing = target.rulesAdded.filter(
      (rule) =>
        ruleTable(rule) === 'main' &&
        !rule.args.has('suppress_prefixlength') &&
        !rule.args.has('suppress_ifgroup') &&
        ruleSelectsOwn(target, rule, endpoint),
    );
    const guessed = endpoint.port === undefined;
    if (bypassing.length === 0) {
      const near = target.rulesAdded.filter(
        (rule) => ruleTable(rule) === 'main' && rule.args.has('dport') && ruleTo(rule) !== undefined,
      );
      if (near.length > 0 && !guessed) {
        findings.push(
          finding(
            target,
            near[0]!.hook.line,
            'endpoint-bypass-mismatch',
            `${describeRule(near[0]!)} is meant to send WireGuard's own packets through main, but the peer is at ${endpoint.address}:${endpoint.port} (${endpoint.source}): the rule's address or dport does not match`,
            `write it as \`ip rule add to ${endpoint.address} dport ${endpoint.port} table main priority <lower than ${rulePriority(tunnelRule) ?? 'the table rule'}>\``,
          ),
        );
      } else {
        findings.push(
          finding(
            target,
            tunnelRule.hook.line,
            'endpoint-bypass-missing',
            `${describeRule(tunnelRule)} sends ${endpoint.address} into table ${table}, and no earlier rule sends WireGuard's own packets to ${endpoint.address}${endpoint.port ? ` port ${endpoint.port}` : ''} (${endpoint.source}) through main: the tunnel would carry its own packets`,
            `add PreUp = ip rule add to ${endpoint.address} dport ${endpoint.port ?? '<peer listen port>'} table main priority ${Math.max(1, (rulePriority(tunnelRule) ?? 456) - 1)} (and its PostDown ip rule del)`,
            guessed ? 'warning' : 'error',
          ),
        );
      }
      continue;
    }
    const bypass = byPriority(bypassing);
    const bypassPriority = rulePriority(bypass);
    const tunnelPriority = rulePriority(tunnelRule);
    if (bypassPriority !== undefined && tunnelPriority !== undefined && bypassPriority >= tunnelPriority) {
      findings.push(
        finding(
          target,
          bypass.hook.line,
          'endpoint-bypass-order',
          `the dport rule ${describeRule(bypass)} has priority ${bypassPriority}, not smaller than ${tunnelPriority} of ${describeRule(tunnelRule)}: the table rule is evaluated first and WireGuard's own packets go into the tunnel`,
          `give the dport rule the smaller number, e.g. priority ${tunnelPriority - 1}, or swap the two priorities`,
        ),
      );
    }
  }
  return findings;
}

/**
 * A listening end's file names no Endpoint; the files it pairs with tell their listen port and WireGuard
 * addresses, so every other host the table rules send into the tunnel may be where a peer dials from.
 */
function guessedEndpoints(target: LintTarget, peers: PeerFacts[]): PeerEndpoint[] {
  const ports = new Set(peers.map((peer) => peer.listenPort));
  const port = ports.size === 1 ? [...ports][0] : undefined;
  const wgAddresses = peers.flatMap((peer) => peer.wgAddresses);
  return tableRuleHosts(target)
    .filter((rule) => !anyContains(wgAddresses, ruleTo(rule)!))
    .map((rule) => ({
      address: ruleTo(rule)!.address,
      port,
      source: `the peer's public IP as ${describeRule(rule)} names it, and its ListenPort ${port ?? 'unknown'}`,
    }));
}

/** Alone, a listening end's file only shows which hosts its dport rules treat as the peer's endpoint. */
function announcedEndpoints(target: LintTarget): PeerEndpoint[] {
  const bypassed = target.rulesAdded.filter(
    (rule) => ruleTable(rule) === 'main' && rule.args.has('dport') && ruleTo(rule),
  );
  return tableRuleHosts(target)
    .filter((rule) => bypassed.some((main) => sameAddress(ruleTo(main)!.address, ruleTo(rule)!.address)))
    .map((rule) => ({ address: ruleTo(rule)!.address, source: `the host of ${describeRule(rule)}` }));
}

function tableRuleHosts(target: LintTarget): IpRuleCommand[] {
  return target.rulesAdded
    .filter(
      (rule) => !rule.not && ruleTable(rule) === target.table && ruleTo(rule) !== undefined && isHost(ruleTo(rule)!),
    )
    .filter(
      (rule) => !target.settings.interface.addresses.some((address) => anyContains([address.value], ruleTo(rule)!)),
    );
}

/** A rule sends an address to the tunnel table, but no route there covers it: it falls through to main, not transparent. */
function rulesWithoutRoute(target: LintTarget): Finding[] {
  if (target.table === undefined) return [];
  return target.rulesAdded
    .filter((rule) => !rule.not && ruleTable(rule) === target.table && ruleTo(rule) !== undefined)
    .filter((rule) => !tableRoutes(target, ruleTo(rule)!))
    .map((rule) =>
      finding(
        target,
        rule.hook.line,
        'rule-without-route',
        `${describeRule(rule)} sends ${formatCidr(ruleTo(rule)!)} to table ${target.table}, but no AllowedIPs (${lines(...allowedIps(target).map((located) => located.line))}) covers it, so the lookup silently falls through to main and the traffic never enters the tunnel`,
        `add ${formatCidr(ruleTo(rule)!)} to the peer's AllowedIPs, or drop the rule`,
      ),
    );
}

/**
 * `Table = off` (wg-quick adds no route) with a hook rule that sends an address to a custom table nothing fills:
 * the routing model brings the file up and finds no route there, and the address's traffic does not enter the
 * interface by any other way, so nothing ever goes through the tunnel. Hooks it cannot read: no finding.
 */
function rulesIntoEmptyTables(target: LintTarget): Finding[] {
  if (target.settings.interface.table.value.kind !== 'off') return [];
  const candidates = target.rulesAdded.filter((rule) => {
    const table = ruleTable(rule);
    return (
      !rule.not && ruleTo(rule) !== undefined && table !== undefined && !['main', 'local', 'default'].includes(table)
    );
  });
  if (candidates.length === 0) return [];
  const node = nodeWithFile(target.config, target.interfaceName);
  if (node.unknown.length > 0 || node.wireguard.length === 0) return [];
  const tableText = `Table = off on line ${target.settings.interface.table.line}`;
  return candidates
    .filter(
      (rule) =>
        !tableHolds(node, ruleTable(rule)!, ruleTo(rule)!) &&
        !entersInterface(node, target.interfaceName, ruleTo(rule)!),
    )
    .map((rule) =>
      finding(
        target,
        rule.hook.line,
        'rule-without-route',
        `${describeRule(rule)} sends ${formatCidr(ruleTo(rule)!)} to table ${ruleTable(rule)}, but nothing fills table ${ruleTable(rule)} (${tableText}: wg-quick puts no AllowedIPs there, and no hook adds a route to it), so the lookup falls through to main and the traffic never enters the tunnel`,
        `add \`PostUp = ip route add ${formatCidr(ruleTo(rule)!)} dev %i table ${ruleTable(rule)}\` (and its PreDown del), or set Table = ${ruleTable(rule)} so wg-quick fills it from AllowedIPs`,
      ),
    );
}

/**
 * With Table = N, an AllowedIPs address is only in table N: something must send traffic there or route it in main.
 * Only a peer's own WireGuard address must be reachable (a host entry that a paired file has as Address, or one
 * near this file's Address); routed prefixes and endpoints' public addresses are the hooks' business.
 */
function unreachableAllowedIps(target: LintTarget, peers: PeerFacts[]): Finding[] {
  const table = target.table;
  if (table === undefined) return [];
  const endpoints = target.settings.peers
    .map((peer) => peerEndpoint(target, peer))
    .filter((address) => address !== undefined);
  const peerAddresses = peers.flatMap((peer) => peer.wgAddresses);
  const findings: Finding[] = [];
  for (const located of allowedIps(target)) {
    const cidr: Cidr = located.value;
    if (!isHost(cidr) || endpoints.some((address) => sameAddress(address, cidr.address))) continue;
    if (!nearOwnAddress(target, cidr) && !peerAddresses.some((address) => sameAddress(address.address, cidr.address)))
      continue;
    if (rulesSending(target, cidr, table).length > 0 || mainRoutesToTunnel(target, cidr)) continue;
    const addressLines = lines(...target.settings.interface.addresses.map((address) => address.line));
    // A script in a hook may add the route or rule lint cannot see: then it is a warning, not an error.
    const opaque = target.opaqueUp[0];
    findings.push(
      finding(
        target,
        located.line,
        'peer-wgip-unreachable',
        `AllowedIPs ${formatCidr(cidr)} (line ${located.line}), the peer's WireGuard address, is routed only in table ${table} (Table, line ${target.settings.interface.table.line}), and nothing leads there: Address (${addressLines}) does not cover it, no PostUp route adds it to main, no ip rule sends it to table ${table}${opaque ? `, unless \`${opaque.command}\` (line ${opaque.line}), which lint cannot read, does` : ''}`,
        `use one of the three fixes: widen Address to a prefix holding ${cidr.address} (e.g. /30), or PostUp = ip route add ${cidr.address} dev %i, or PreUp = ip rule add to ${cidr.address} table ${table} priority <n> with its PostDown`,
        opaque ? 'warning' : 'error',
      ),
    );
  }
  return findings;
}

/** ip rules and iptables rules outlive the interface: each one added needs its removal. */
function undoMissing(target: LintTarget): Finding[] {
  const findings: Finding[] = [];
  const readdedOnDown = (rule: IpRuleCommand | IptablesCommand) =>
    target.addedOnDown.some((added) => sameAdd(added, rule));
  for (const rule of target.rulesAdded) {
    if (target.rulesDeleted.some((deleted) => sameIpRule(rule, deleted)) || readdedOnDown(rule)) continue;
    findings.push(
      finding(
        target,
        rule.hook.line,
        'undo-missing',
        `${describeRule(rule)} adds a policy rule that no PostDown or PreDown removes; it outlives the interface, and the next wg-quick up fails on the duplicate`,
        `add PostDown = ${undoIpRule(rule)}`,
      ),
    );
  }
  for (const rule of target.iptablesAdded) {
    if (target.iptablesDeleted.some((deleted) => sameIptablesRule(rule, deleted)) || readdedOnDown(rule)) continue;
    findings.push(
      finding(
        target,
        rule.hook.line,
        'undo-missing',
        `${describeRule(rule)} adds an iptables rule that no PostDown or PreDown removes; it outlives the interface and is added again at every wg-quick up`,
        `add PostDown = ${undoIptables(rule)}`,
      ),
    );
  }
  return findings;
}

function sameAdd(a: IpRuleCommand | IptablesCommand, b: IpRuleCommand | IptablesCommand): boolean {
  if (a.kind === 'ip-rule' && b.kind === 'ip-rule') return sameIpRule(a, b) && sameIpRule(b, a);
  if (a.kind === 'iptables' && b.kind === 'iptables') return sameIptablesRule(a, b);
  return false;
}

/** A PreDown or PostDown that adds a rule (`iptables -A`, `ip rule add`) where it should delete it. */
function addedOnDown(target: LintTarget): Finding[] {
  return target.addedOnDown.map((rule) => {
    const upAdds = [...target.rulesAdded, ...target.iptablesAdded].some((added) => sameAdd(added, rule));
    const undo = rule.kind === 'ip-rule' ? undoIpRule(rule) : undoIptables(rule);
    return finding(
      target,
      rule.hook.line,
      'down-adds',
      upAdds
        ? `${describeRule(rule)} adds again the rule that the up hooks add, instead of deleting it: every down leaves one more copy`
        : `${describeRule(rule)} adds a rule when the interface goes down; a down hook normally deletes what the up hooks added`,
      `write ${rule.hook.key} = ${undo}`,
      upAdds ? 'error' : 'warning',
    );
  });
}

/** An ip rule without priority gets the kernel's next free number, so its order against the other rules is left to chance. */
function priorityMissing(target: LintTarget): Finding[] {
  return target.rulesAdded
    .filter((rule) => rulePriority(rule) === undefined)
    .map((rule) =>
      finding(
        target,
        rule.hook.line,
        'rule-priority-missing',
        `${describeRule(rule)} has no priority, so the kernel picks one (just below the lowest existing rule) and its order against the other rules is left to chance`,
        `give it (and its PostDown) an explicit priority, e.g. \`${undoIpRule(rule, 'add')} priority 456\``,
        'warning',
      ),
    );
}

/** AllowedIPs 10.6.0.2/24: wg takes the network 10.6.0.0/24 for this peer. */
function hostBits(target: LintTarget): Finding[] {
  return allowedIps(target).flatMap((located) => {
    const network = networkOf(located.value);
    if (network === undefined || sameAddress(network, located.value.address)) return [];
    return [
      finding(
        target,
        located.line,
        'allowedips-host-bits',
        `AllowedIPs ${formatCidr(located.value)} (line ${located.line}) has host bits set: wg takes the whole ${network}/${located.value.prefix} for this peer${located.value.prefix < 32 ? `, not just ${located.value.address}` : ''}`,
        `write ${located.value.address}/${located.value.address.includes(':') ? 128 : 32} for the one address, or ${network}/${located.value.prefix} for the whole network`,
        'warning',
      ),
    ];
  });
}

function networkOf(cidr: Cidr): string | undefined {
  if (!isIpAddress(cidr.address)) return undefined;
  return ipaddr.IPv4.isValidFourPartDecimal(cidr.address)
    ? ipaddr.IPv4.networkAddressFromCIDR(formatCidr(cidr)).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(formatCidr(cidr)).toString();
}

/** The same prefix in two [Peer] sections: wg gives it to the last one only, so the first peer loses it. */
function duplicateAllowedIps(target: LintTarget): Finding[] {
  const seen = new Map<string, { peer: PeerSettings; line?: number }>();
  const findings: Finding[] = [];
  for (const peer of target.settings.peers) {
    for (const located of peer.allowedIps) {
      const key = `${networkOf(located.value)}/${located.value.prefix}`;
      const earlier = seen.get(key);
      if (earlier && earlier.peer !== peer) {
        findings.push(
          finding(
            target,
            located.line,
            'allowedips-duplicate',
            `AllowedIPs ${formatCidr(located.value)} (line ${located.line}) is also in the [Peer] of line ${earlier.peer.line} (line ${earlier.line}): wg gives a prefix to one peer only, the last, so the earlier peer's traffic for it goes here`,
            'give each peer its own addresses (e.g. 10.0.0.2/32 for one, 10.0.0.3/32 for the next)',
          ),
        );
      }
      seen.set(key, { peer, line: located.line });
    }
  }
  return findings;
}

/** An Endpoint given as a name: lint cannot tell whether its address is inside AllowedIPs. */
function endpointHostnames(target: LintTarget): Finding[] {
  return target.settings.peers.flatMap((peer) => {
    if (!peer.endpoint || peerEndpoint(target, peer) !== undefined || isIpAddress(peer.endpoint.value.host)) return [];
    const host = peer.endpoint.value.host;
    const what = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*\.?$/i.test(host)
      ? 'is a name, resolved once at wg-quick up'
      : 'is no address and no host name wg can resolve (a placeholder?)';
    return [
      finding(
        target,
        peer.endpoint.line,
        'endpoint-hostname',
        `Endpoint ${host}:${peer.endpoint.value.port} (line ${peer.endpoint.line}) ${what}; lint does not resolve names, so whether its address falls inside AllowedIPs (a routing loop) is unchecked`,
        `run lint with --resolve ${host}=<its address> to check it`,
        'warning',
      ),
    ];
  });
}

/** SaveConfig = true: wg-quick down writes the file anew from the live interface. */
function saveConfig(target: LintTarget): Finding[] {
  const setting = target.settings.interface.saveConfig;
  if (!setting?.value) return [];
  const comments = target.config.lines.filter(
    (line) => line.type === 'comment' || (line.type !== 'blank' && /#/.test(line.raw ?? '')),
  );
  const named = target.settings.peers.filter((peer) => peer.endpoint && !isIpAddress(peer.endpoint.value.host));
  const hooks = target.settings.interface.hooks;
  const lost = [
    ...(comments.length > 0 ? [`its comments (${lines(...comments.map((line) => line.line))}) are lost`] : []),
    ...named.map(
      (peer) =>
        `Endpoint ${peer.endpoint!.value.host} (line ${peer.endpoint!.line}) becomes the address it resolved to`,
    ),
    ...(hooks.length > 0
      ? [
          `its hooks (${lines(...hooks.map((hook) => hook.line))}) are written back as text, but beside them Address and the peers become whatever the interface has then, including anything a hook added with \`ip address\` or \`wg set\``,
        ]
      : []),
  ];
  if (lost.length === 0) return [];
  return [
    finding(
      target,
      setting.line,
      'saveconfig-rewrites',
      `SaveConfig = true (line ${setting.line}): wg-quick down rewrites this file from the live interface: ${lost.join('; ')}`,
      'drop SaveConfig (or set it to false) to keep the file as written; run `wg-quick save` when you do want the live state saved',
      'warning',
    ),
  ];
}

function undoIpRule(rule: IpRuleCommand, op = 'del'): string {
  return `ip${rule.family === 6 ? ' -6' : ''} rule ${op} ${rule.words.join(' ')}`;
}

function undoIptables(rule: IptablesCommand): string {
  return `${rule.program}${rule.table === 'filter' ? '' : ` -t ${rule.table}`} -D ${rule.chain} ${rule.rule.join(' ')}`;
}
