import { cidrContains, hostPrefix, isIpAddress, type Cidr } from '../net/ip.ts';
import { publicKeyOf } from '../wgconf/keys.ts';
import { splitList } from '../wgconf/parse-wg-config.ts';
import { sectionsOf, type WgConfig } from '../wgconf/wg-config.ts';
import { isWgKey, readWgSettings, type Hook, type WgSettings } from '../wgconf/wg-settings.ts';
import type { WgPeer } from './cryptokey.ts';
import { familyOf, type Family } from './flow.ts';
import { addAddress, applyInvocation, removeDevice, type NodeState, type WgInterface } from './node-state.ts';
import { defaultPriority, tableName } from './policy-rule.ts';
import { decideRoute } from './route-decision.ts';
import type { Route } from './route-table.ts';
import { expandHook } from './shell-hooks.ts';

/** What wg-quick reads from a file, beside wg-settings: keepalive per peer and DNS. */
export interface WgQuickFile {
  iface: string;
  settings: WgSettings;
  /** PersistentKeepalive per peer, in seconds (0: off). */
  keepalive: number[];
  dns: string[];
  /** `MTU =`, when the file sets one. */
  mtu?: number;
  /** Why wg-quick would refuse the file (an invalid key or value), when it would. */
  refused?: string;
}

export function readWgQuickFile(iface: string, config: WgConfig): WgQuickFile {
  const problems: { message: string }[] = [];
  const settings = readWgSettings(config, { problems: problems as never });
  const sections = sectionsOf(config);
  const keepalive = sections
    .filter((section) => section.name === 'Peer')
    .map((section) => {
      const value = section.entries.find((entry) => entry.key === 'PersistentKeepalive')?.value ?? '';
      return /^[1-9]\d*$/.test(value) ? Number(value) : 0;
    });
  const dns = sections
    .filter((section) => section.name === 'Interface')
    .flatMap((section) => section.entries.filter((entry) => entry.key === 'DNS'))
    .flatMap((entry) => splitList(entry.value))
    .filter(isIpAddress);
  const mtu = settings.interface.mtu?.value;
  const privateKey = settings.interface.privateKey?.value;
  const refused =
    problems[0]?.message ??
    (privateKey === undefined || !isWgKey(privateKey) ? 'it has no valid PrivateKey' : undefined);
  return { iface, settings, keepalive, dns, ...(mtu === undefined ? {} : { mtu }), ...(refused ? { refused } : {}) };
}

/** IPv6's minimum MTU (RFC 8200): Linux turns IPv6 off on an interface whose MTU is set below it. */
export const ipv6MinimumMtu = 1280;

const publicKeys = new Map<string, string>();

/** publicKeyOf, once per key: the model rebuilds every node for every check. */
function publicKeyFor(privateKey: string): string {
  let key = publicKeys.get(privateKey);
  if (key === undefined) publicKeys.set(privateKey, (key = publicKeyOf(privateKey)));
  return key;
}

export interface HookRunContext {
  files: Readonly<Record<string, string | undefined>>;
}

/**
 * `wg-quick up`: PreUp, the interface with its keys and addresses, DNS, a route per AllowedIPs (none with
 * `Table = off`; table N; main; or for a /0 under `auto` the fwmark table with `not fwmark` and
 * `suppress_prefixlength 0` rules), then PostUp. A file wg-quick refuses leaves nothing behind but its PreUp.
 */
export function wgQuickUp(node: NodeState, file: WgQuickFile, context: HookRunContext): void {
  const { iface, settings } = file;
  runHooks(node, file, ['PreUp'], context);
  if (file.refused) {
    node.unknown.push(`wg-quick refuses ${iface}: ${file.refused}`);
    return;
  }
  const peers: WgPeer[] = settings.peers.map((peer, index) => ({
    ...(peer.publicKey ? { publicKey: peer.publicKey.value } : {}),
    ...(peer.endpoint ? { endpoint: peer.endpoint.value } : {}),
    allowedIps: peer.allowedIps.map((located) => located.value),
    keepalive: file.keepalive[index] ?? 0,
  }));
  const face: WgInterface = {
    iface,
    ...(settings.interface.listenPort ? { listenPort: settings.interface.listenPort.value } : {}),
    fwmark: settings.interface.fwMark?.value ?? 0,
    publicKey: publicKeyFor(settings.interface.privateKey!.value),
    peers,
    dns: file.dns,
  };
  const device = { name: iface, addresses: [], link: { kind: 'wireguard' as const }, mtu: 1420 };
  node.devices.push(device);
  node.wireguard.push(face);
  for (const address of settings.interface.addresses) addAddress(node, iface, address.value, `Address of ${iface}`);
  device.mtu = file.mtu ?? automaticMtu(node, peers);
  const table = settings.interface.table.value;
  const allowed = peers.flatMap((peer) => peer.allowedIps).sort((a, b) => b.prefix - a.prefix);
  if (device.mtu < ipv6MinimumMtu) {
    // Linux turns IPv6 off on an interface whose MTU is set below 1280: its IPv6 addresses (and their routes) go.
    const made = node.devices.find((candidate) => candidate.name === iface)!;
    made.addresses = made.addresses.filter((cidr) => familyOf(cidr.address) === 4);
    node.routes = node.routes.filter((route) => route.dev !== iface || route.family === 4);
    const routed = table.kind === 'off' ? undefined : allowed.find((cidr) => familyOf(cidr.address) === 6);
    if (routed) {
      node.unknown.push(
        `wg-quick up ${iface} fails: its MTU ${device.mtu} is below IPv6's minimum of ${ipv6MinimumMtu}, so Linux turns IPv6 off on ${iface} and the route for AllowedIPs ${routed.address}/${routed.prefix} cannot be added (RTNETLINK answers: No such device); wg-quick deletes ${iface}`,
      );
      removeDevice(node, iface);
      node.wireguard = node.wireguard.filter((candidate) => candidate !== face);
      return;
    }
  }
  for (const cidr of allowed) {
    const family = familyOf(cidr.address);
    const route = (tableText: string, origin: string) =>
      node.routes.push({
        family,
        table: tableText,
        destination: cidr,
        type: 'unicast',
        dev: iface,
        metric: family === 4 ? 0 : 1024,
        origin,
      });
    if (table.kind === 'off') continue;
    if (table.kind === 'number' || table.kind === 'name') {
      route(tableName(String(table.table)), `AllowedIPs of ${iface} (Table = ${table.table})`);
    } else if (table.kind === 'main') {
      route('main', `AllowedIPs of ${iface} (Table = main)`);
    } else if (cidr.prefix === 0) {
      addDefault(node, face, family, cidr);
    } else if (
      !node.routes.some(
        (existing) => existing.table === 'main' && existing.dev === iface && cidrContains(existing.destination, cidr),
      )
    ) {
      route('main', `AllowedIPs of ${iface}`);
    }
  }
  runHooks(node, file, ['PostUp'], context);
}

/**
 * wg-quick's MTU for a file without `MTU =`: the largest MTU of the routes to its peers' endpoints (`ip route get`),
 * else the default route's, else 1500; less 80 bytes (WireGuard over IPv6).
 */
export function automaticMtu(node: NodeState, peers: WgPeer[]): number {
  let largest = 0;
  for (const peer of peers) {
    if (!peer.endpoint || !isIpAddress(peer.endpoint.host)) continue;
    const decision = decideRoute(node.rules, node.routes, {
      family: familyOf(peer.endpoint.host),
      dst: peer.endpoint.host,
      protocol: 'udp',
      mark: 0,
      iif: 'lo',
    });
    if (decision.kind === 'route') largest = Math.max(largest, mtuOf(node, decision.route));
  }
  if (largest === 0) {
    // `ip route show default`: the main table's IPv4 default route, first added.
    const fallback = node.routes.find(
      (route) => route.table === 'main' && route.family === 4 && route.destination.prefix === 0,
    );
    if (fallback) largest = mtuOf(node, fallback);
  }
  return (largest || 1500) - 80;
}

function mtuOf(node: NodeState, route: Route): number {
  return route.mtu ?? node.devices.find((device) => device.name === route.dev)?.mtu ?? 0;
}

/** wg-quick's own rules for a /0 under `Table = auto`: the fwmark table, `not fwmark`, `suppress_prefixlength 0`. */
function addDefault(node: NodeState, face: WgInterface, family: Family, cidr: Cidr): void {
  const table = face.fwmark || 51820;
  if (!face.fwmark) face.fwmark = table;
  const origin = `wg-quick ${face.iface}`;
  node.routes.push({
    family,
    table: String(table),
    destination: cidr,
    type: 'unicast',
    dev: face.iface,
    metric: family === 4 ? 0 : 1024,
    origin,
  });
  const sameFamily = () => node.rules.filter((rule) => rule.family === family);
  node.rules.push({
    family,
    priority: defaultPriority(sameFamily()),
    not: true,
    fwmark: { mark: table, mask: 0xffffffff },
    action: { kind: 'lookup', table: String(table) },
    origin,
  });
  node.rules.push({
    family,
    priority: defaultPriority(sameFamily()),
    not: false,
    suppressPrefixlength: 0,
    action: { kind: 'lookup', table: 'main' },
    origin,
  });
  // wg-quick's raw rule: a packet for the interface's address that arrives elsewhere, not from this host, is dropped.
  const device = node.devices.find((candidate) => candidate.name === face.iface);
  for (const address of device?.addresses ?? [])
    if (familyOf(address.address) === family)
      node.netfilter.push({
        family,
        table: 'raw',
        chain: 'PREROUTING',
        matches: [
          { kind: 'in', iface: face.iface, negate: true },
          { kind: 'dst', cidr: { address: address.address, prefix: hostPrefix(address.address) }, negate: false },
          { kind: 'src-local', negate: true },
        ],
        target: { kind: 'DROP' },
        text: `! -i ${face.iface} -d ${address.address} -m addrtype ! --src-type LOCAL -j DROP`,
        origin,
      });
}

/** `wg-quick down`: PreDown, wg-quick's own rules and the interface (its routes and addresses) gone, then PostDown. */
export function wgQuickDown(node: NodeState, file: WgQuickFile, context: HookRunContext): void {
  if (!node.wireguard.some((face) => face.iface === file.iface)) return;
  runHooks(node, file, ['PreDown'], context);
  const origin = `wg-quick ${file.iface}`;
  node.rules = node.rules.filter((rule) => rule.origin !== origin);
  node.netfilter = node.netfilter.filter((rule) => rule.origin !== origin);
  node.wireguard = node.wireguard.filter((face) => face.iface !== file.iface);
  node.routes = node.routes.filter((route) => route.origin !== `Address of ${file.iface}` || route.dev !== file.iface);
  removeDevice(node, file.iface);
  runHooks(node, file, ['PostDown'], context);
}

/**
 * The interface deleted without wg-quick (a crash, `ip link del`): no hook runs, so wg-quick's rules and the hooks'
 * netfilter rules (a kill switch) stay; the device goes, and every route through it with it.
 */
export function wireguardKilled(node: NodeState, file: WgQuickFile): void {
  if (!node.wireguard.some((face) => face.iface === file.iface)) return;
  node.wireguard = node.wireguard.filter((face) => face.iface !== file.iface);
  removeDevice(node, file.iface);
}

function runHooks(node: NodeState, file: WgQuickFile, keys: Hook['key'][], context: HookRunContext): void {
  for (const hook of file.settings.interface.hooks.filter((candidate) => keys.includes(candidate.key))) {
    const invocations = expandHook(hook.command, {
      iface: file.iface,
      fwmarkOf: (iface) => {
        const mark = node.wireguard.find((face) => face.iface === iface)?.fwmark;
        return mark ? `0x${mark.toString(16)}` : 'off';
      },
      files: context.files,
      origin: `${hook.key}${hook.line === undefined ? '' : `, line ${hook.line}`}${file.settings.file ? ` of ${file.settings.file}` : ''}`,
    });
    for (const invocation of invocations) applyInvocation(node, invocation);
  }
}
