import type { Fault } from '../scenario/scenario.ts';
import type { Lab } from './lab.ts';
import { endpointOfNode, nodeForHost, routerNode, type LabPlan } from './lab-plan.ts';

/** A fault in effect, and how to take it back. */
export interface AppliedFault {
  fault: Fault;
  description: string;
  /**
   * Takes the fault back and restarts WireGuard on every end. With `deferRestart`, the restart is left to
   * the lab's next check (Lab.settleWireguard) or reconfigure: after a scenario's last check it never runs.
   */
  undo(options?: { deferRestart?: boolean }): Promise<void>;
}

/** The other end of the tunnel from `node` (in a two-end tunnel). */
export function peerOf(lab: Lab, node: string): string | undefined {
  return lab.plan.wireguardOrder.find((name) => name !== node);
}

/**
 * The endpoint each fault acts on: `tunnel-down` on `from`, or on the endpoint the LAN host `from` sits behind;
 * `peer-down` on the endpoint that holds the URL's address (or that the URL's LAN host sits behind), else the
 * other end of a two-end tunnel.
 */
export function faultTarget(plan: LabPlan, fault: Fault, from: string, url: string): string | undefined {
  if (fault === 'tunnel-down') return endpointOfNode(plan, from);
  if (fault === 'peer-down') {
    const server = nodeForHost(plan, new URL(url).hostname);
    const holder = server === undefined ? undefined : endpointOfNode(plan, server);
    if (holder !== undefined && holder !== endpointOfNode(plan, from) && plan.wireguardOrder.includes(holder))
      return holder;
    return plan.wireguardOrder.find((name) => name !== endpointOfNode(plan, from));
  }
  return undefined;
}

/**
 * Applies a fault before a request: `tunnel-down` runs wg-quick down on every interface of `from` (or of the
 * endpoint its LAN sits behind), `peer-down` on the endpoint that holds the URL's address, `wireguard-blocked`
 * makes the router drop every UDP flow between WireGuard listen ports. Undoing brings WireGuard back with fresh
 * sessions on every end (listeners first), so the next check does not wait for WireGuard's retry timers.
 */
export async function applyFault(lab: Lab, fault: Fault, from: string, url = ''): Promise<AppliedFault> {
  const restore = async (options: { deferRestart?: boolean } = {}) => {
    if (options.deferRestart) lab.deferWireguardRestart();
    else await lab.restartWireguard();
  };
  switch (fault) {
    case 'tunnel-down':
    case 'peer-down': {
      const node = (
        url ? faultTarget(lab.plan, fault, from, url) : fault === 'tunnel-down' ? from : peerOf(lab, from)
      )!;
      await lab.wgDown(node);
      return { fault, description: `wg-quick down ${lab.interfacesOf(node).join(', ')} on ${node}`, undo: restore };
    }
    case 'wireguard-blocked': {
      const ports = lab.plan.wireguardPorts.join(',');
      const rules = ['iptables', ...(lab.plan.ipv6 ? ['ip6tables'] : [])].flatMap((command) => [
        [command, 'FORWARD', '-p', 'udp', '-m', 'multiport', '--sports', ports, '-j', 'DROP'],
        [command, 'FORWARD', '-p', 'udp', '-m', 'multiport', '--dports', ports, '-j', 'DROP'],
      ]);
      for (const [command, ...rule] of rules) await lab.exec(routerNode, [command!, '-I', ...rule]);
      return {
        fault,
        description: `the internet drops UDP from and to ports ${ports}`,
        undo: async (options) => {
          for (const [command, ...rule] of rules) await lab.exec(routerNode, [command!, '-D', ...rule]);
          await restore(options);
        },
      };
    }
  }
}

export function wireguardIsUp(lab: Lab, node: string, iface = 'wg0'): Promise<boolean> {
  return lab.isWireguardUp(node, iface);
}
