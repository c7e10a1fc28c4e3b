import { commonPrefixLength } from '../net/ip.ts';
import type { Endpoint, Scenario, Tunnel } from '../scenario/scenario.ts';
import { generateKeyPair, type WgKeyPair } from './keys.ts';
import type { WgConfig, WgKey, WgLine } from './wg-config.ts';

/** Supplies the key pair of an endpoint; fresh X25519 pairs unless a test pins them. */
export type KeySource = (endpoint: string) => WgKeyPair;

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
  const pairs = new Map([[dialer.name, keys(dialer.name)], [listener.name, keys(listener.name)]]);
  configs.set(dialer.name, endpointConfig(dialer, listener, tunnel, pairs));
  configs.set(listener.name, endpointConfig(listener, dialer, tunnel, pairs));
  return configs;
}

function endpointConfig(self: Endpoint, peer: Endpoint, tunnel: Tunnel, pairs: Map<string, WgKeyPair>): WgConfig {
  const transparent = tunnel.transparent.includes(self.name);
  const selfWgIp = self.wgIp!;
  const peerWgIp = peer.wgIp!;
  const prefix = transparent && tunnel.reachPeerWgIp === 'prefix' ? commonPrefixLength(selfWgIp, peerWgIp) : 32;
  const lines: WgLine[] = [];
  const comment = (text: string) => lines.push({ type: 'comment', text });
  const entry = (key: WgKey, value: string | number) => lines.push({ type: 'entry', key, value: String(value) });
  const pair = (add: string, del: string) => {
    entry('PreUp', add);
    entry('PostDown', del);
  };

  comment('/etc/wireguard/wg0.conf');
  comment(`local settings for Endpoint ${self.name}`);
  lines.push({ type: 'section', name: 'Interface' });
  entry('PrivateKey', pairs.get(self.name)!.privateKey);
  entry('Address', `${selfWgIp}/${prefix}`);
  entry('ListenPort', self.listenPort!);
  if (transparent) {
    const { table, priority } = tunnel;
    entry('Table', table);
    const rule = (selector: string, ruleTable: string | number, rulePriority: number) =>
      pair(`ip rule add ${selector} table ${ruleTable} priority ${rulePriority}`, `ip rule del ${selector} table ${ruleTable} priority ${rulePriority}`);
    rule(`to ${peer.publicIp} dport ${peer.listenPort}`, 'main', priority);
    rule(`to ${peer.publicIp}`, table, priority + 1);
    if (tunnel.reachPeerWgIp === 'rule') rule(`to ${peerWgIp}`, table, priority + 2);
  }
  if (tunnel.snat === self.name) {
    const snat = snatRule(self, peer);
    pair(`iptables -A ${snat}`, `iptables -D ${snat}`);
  }
  if (transparent && tunnel.reachPeerWgIp === 'route') entry('PostUp', `ip route add ${peerWgIp} dev wg0`);

  lines.push({ type: 'blank' });
  comment(`remote settings for Endpoint ${peer.name}`);
  lines.push({ type: 'section', name: 'Peer' });
  entry('PublicKey', pairs.get(peer.name)!.publicKey);
  if (self.name === tunnel.dialer) entry('Endpoint', `${peer.publicIp}:${peer.listenPort}`);
  entry('AllowedIPs', transparent ? `${peerWgIp}/32, ${peer.publicIp}/32` : `${peerWgIp}/32`);
  return { lines, finalNewline: true };
}

/**
 * The article's SNAT rule, which makes the client's tunnelled requests arrive from its public IP.
 * On the client it sits in nat POSTROUTING; on the server (the end that serves) in nat INPUT.
 */
function snatRule(self: Endpoint, peer: Endpoint): string {
  const selfIsServer = self.serves !== undefined && peer.serves === undefined;
  const [client, server] = selfIsServer ? [peer, self] : [self, peer];
  const chain = selfIsServer ? 'INPUT' : 'POSTROUTING';
  return `${chain} -t nat -s ${client.wgIp} -d ${server.publicIp} -j SNAT --to-source ${client.publicIp}`;
}
