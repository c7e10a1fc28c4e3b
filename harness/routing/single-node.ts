import type { Cidr } from '../net/ip.ts';
import type { WgConfig } from '../wgconf/wg-config.ts';
import { addAddress, type NodeState } from './node-state.ts';
import { kernelRules } from './policy-rule.ts';
import { decideRoute } from './route-decision.ts';
import { lookupTable } from './route-table.ts';
import { readWgQuickFile, wgQuickUp } from './wg-quick.ts';

/**
 * One wg-quick file brought up on a host like a lab endpoint (a public address on eth0, a default route through
 * it), hooks and all: what lint asks the model about a file on its own.
 */
export function nodeWithFile(config: WgConfig, iface: string): NodeState {
  const node: NodeState = {
    name: iface,
    devices: [{ name: 'eth0', addresses: [], link: { kind: 'internet' }, mtu: 1500 }],
    rules: [...kernelRules(4), ...kernelRules(6)],
    routes: [
      {
        family: 4,
        table: 'main',
        destination: { address: '0.0.0.0', prefix: 0 },
        type: 'unicast',
        dev: 'eth0',
        metric: 0,
        origin: 'host',
      },
      {
        family: 6,
        table: 'main',
        destination: { address: '::', prefix: 0 },
        type: 'unicast',
        dev: 'eth0',
        metric: 1024,
        origin: 'host',
      },
    ],
    netfilter: [],
    policies: new Map(),
    sysctls: new Map(),
    wireguard: [],
    unknown: [],
    ipv6: true,
  };
  addAddress(node, 'eth0', { address: '192.0.2.254', prefix: 32 }, 'host');
  wgQuickUp(node, readWgQuickFile(iface, config), { files: {} });
  return node;
}

/** Whether a table holds a route for the address (any route: a blackhole is a decision too). */
export function tableHolds(node: NodeState, table: string, address: Cidr): boolean {
  return lookupTable(node.routes, table, address.address) !== undefined;
}

/** Whether ordinary traffic the host sends to the address goes into the interface, as rules and tables decide. */
export function entersInterface(node: NodeState, iface: string, address: Cidr): boolean {
  const decision = decideRoute(node.rules, node.routes, {
    family: address.address.includes(':') ? 6 : 4,
    dst: address.address,
    protocol: 'tcp',
    sport: 20000,
    dport: 443,
    mark: 0,
    iif: 'lo',
  });
  return decision.kind === 'route' && decision.route.dev === iface;
}
