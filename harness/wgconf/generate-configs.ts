import { bracketed, commonPrefixLength, hostPrefix, isIpv4 } from '../net/ip.ts';
import type { Endpoint, Scenario, Tunnel } from '../scenario/scenario.ts';
import { generateKeyPair, type WgKeyPair } from './keys.ts';
import type { WgConfig, WgKey, WgLine } from './wg-config.ts';

/** Supplies the key pair of an endpoint; fresh X25519 pairs unless a test pins them. */
export type KeySource = (endpoint: string) => WgKeyPair;

/**
 * One fresh key pair per endpoint name, kept for every scenario planned with it: the scenarios of one run give an
 * endpoint the same keys, as a user changing configs keeps them, and a lab reconfigured for the next scenario
 * leaves an end whose files did not change as it is.
 */
export function keysPerEndpoint(): KeySource {
  const pairs = new Map<string, WgKeyPair>();
  return (endpoint) => {
    const pair = pairs.get(endpoint) ?? generateKeyPair();
    pairs.set(endpoint, pair);
    return pair;
  };
}

/**
 * The wg-quick files for the two ends of a scenario's tunnel, by endpoint name,
 * written the way the article writes them. Endpoints outside the tunnel get none.
 */
export function generateConfigs(scenario: Scenario, keys: KeySource = () => generateKeyPair()): Map<string, WgConfig> {
  const tunnel = scenario.tunnel;
  const configs = new Map<string, WgConfig>();
  if (!tunnel) return configs;
  const dialer = scenario.endpoints[tunnel.dialer]!;
  const listener = scenario.endpoints[tunnel.listener]!;
  const pairs = new Map([
    [dialer.name, keys(dialer.name)],
    [listener.name, keys(listener.name)],
  ]);
  configs.set(dialer.name, endpointConfig(dialer, listener, tunnel, pairs));
  configs.set(listener.name, endpointConfig(listener, dialer, tunnel, pairs));
  return configs;
}

function endpointConfig(self: Endpoint, peer: Endpoint, tunnel: Tunnel, pairs: Map<string, WgKeyPair>): WgConfig {
  const transparent = tunnel.transparent.includes(self.name);
  const lines: WgLine[] = [];
  const comment = (text: string) => lines.push({ type: 'comment', text });
  const entry = (key: WgKey, value: string | number) => lines.push({ type: 'entry', key, value: String(value) });
  const pair = (add: string, del: string) => {
    entry('PreUp', add);
    entry('PostDown', del);
  };
  // Each WireGuard address with its prefix: the host prefix, or under the prefix fix the smallest one holding the peer's address of its family.
  const addresses = self.wgIps.map((selfWgIp) => {
    const peerWgIp = peer.wgIps.find((address) => isIpv4(address) === isIpv4(selfWgIp));
    const prefix =
      transparent && tunnel.reachPeerWgIp === 'prefix' && peerWgIp
        ? commonPrefixLength(selfWgIp, peerWgIp)
        : hostPrefix(selfWgIp);
    return `${selfWgIp}/${prefix}`;
  });
  const ip = (address: string) => (isIpv4(address) ? 'ip' : 'ip -6');

  comment('/etc/wireguard/wg0.conf');
  comment(`local settings for Endpoint ${self.name}`);
  lines.push({ type: 'section', name: 'Interface' });
  entry('PrivateKey', pairs.get(self.name)!.privateKey);
  entry('Address', addresses.join(', '));
  entry('ListenPort', self.listenPort!);
  if (transparent) {
    const { table, priority } = tunnel;
    entry('Table', table);
    const rule = (address: string, selector: string, ruleTable: string | number, rulePriority: number) =>
      pair(
        `${ip(address)} rule add ${selector} table ${ruleTable} priority ${rulePriority}`,
        `${ip(address)} rule del ${selector} table ${ruleTable} priority ${rulePriority}`,
      );
    for (const publicIp of peer.publicIps) rule(publicIp, `to ${publicIp} dport ${peer.listenPort}`, 'main', priority);
    for (const publicIp of peer.publicIps) rule(publicIp, `to ${publicIp}`, table, priority + 1);
    if (tunnel.reachPeerWgIp === 'rule')
      for (const peerWgIp of peer.wgIps) rule(peerWgIp, `to ${peerWgIp}`, table, priority + 2);
  }
  if (tunnel.snat === self.name) {
    for (const snat of snatRules(self, peer))
      pair(`${snat.command} -A ${snat.rule}`, `${snat.command} -D ${snat.rule}`);
  }
  if (transparent && tunnel.reachPeerWgIp === 'route')
    for (const peerWgIp of peer.wgIps) entry('PostUp', `${ip(peerWgIp)} route add ${peerWgIp} dev wg0`);

  lines.push({ type: 'blank' });
  comment(`remote settings for Endpoint ${peer.name}`);
  lines.push({ type: 'section', name: 'Peer' });
  entry('PublicKey', pairs.get(peer.name)!.publicKey);
  if (self.name === tunnel.dialer) entry('Endpoint', `${bracketed(dialAddress(self, peer))}:${peer.listenPort}`);
  const hosts = (list: string[]) => list.map((address) => `${address}/${hostPrefix(address)}`);
  entry('AllowedIPs', (transparent ? [...hosts(peer.wgIps), ...hosts(peer.publicIps)] : hosts(peer.wgIps)).join(', '));
  return { lines, finalNewline: true };
}

/** The peer's public address the dialer sends to: of a family the dialer has too, IPv4 first. */
function dialAddress(self: Endpoint, peer: Endpoint): string {
  return (
    peer.publicIps.find((address) => self.publicIps.some((own) => isIpv4(own) === isIpv4(address))) ?? peer.publicIp
  );
}

/**
 * The article's SNAT rule, per address family the client and server share (iptables for IPv4, ip6tables
 * for IPv6), which makes the client's tunnelled requests arrive from its public IP.
 * On the client it sits in nat POSTROUTING; on the server (the end that serves) in nat INPUT.
 */
function snatRules(self: Endpoint, peer: Endpoint): { command: string; rule: string }[] {
  const selfIsServer = self.serves !== undefined && peer.serves === undefined;
  const [client, server] = selfIsServer ? [peer, self] : [self, peer];
  const chain = selfIsServer ? 'INPUT' : 'POSTROUTING';
  return client.wgIps.flatMap((wgIp) => {
    const v4 = isIpv4(wgIp);
    const serverIp = server.publicIps.find((address) => isIpv4(address) === v4);
    const clientIp = client.publicIps.find((address) => isIpv4(address) === v4);
    if (!serverIp || !clientIp) return [];
    return [
      {
        command: v4 ? 'iptables' : 'ip6tables',
        rule: `${chain} -t nat -s ${wgIp} -d ${serverIp} -j SNAT --to-source ${clientIp}`,
      },
    ];
  });
}
