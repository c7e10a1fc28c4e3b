import type { Fault } from '../scenario/scenario.ts';
import type { Lab } from './lab.ts';
import { routerNode } from './lab-plan.ts';

/** A fault in effect, and how to take it back. */
export interface AppliedFault {
  fault: Fault;
  description: string;
  undo(): Promise<void>;
}

/** The other end of the tunnel from `node`. */
export function peerOf(lab: Lab, node: string): string | undefined {
  return lab.plan.wireguardOrder.find((name) => name !== node);
}

/**
 * Applies a fault before a request: `tunnel-down` runs wg-quick down on `from`, `peer-down` on the other
 * tunnel end, `wireguard-blocked` makes the router drop UDP between the tunnel's listen ports.
 * Undoing brings the tunnel back with fresh sessions on both ends (listener first), so the next check
 * does not wait for WireGuard's retry timers.
 */
export async function applyFault(lab: Lab, fault: Fault, from: string): Promise<AppliedFault> {
  const restore = () => restartWireguard(lab);
  switch (fault) {
    case 'tunnel-down':
      await lab.wgDown(from);
      return { fault, description: `wg-quick down wg0 on ${from}`, undo: restore };
    case 'peer-down': {
      const peer = peerOf(lab, from)!;
      await lab.wgDown(peer);
      return { fault, description: `wg-quick down wg0 on ${peer}`, undo: restore };
    }
    case 'wireguard-blocked': {
      const ports = [...new Set(Object.values(lab.plan.listenPorts))].join(',');
      const rule = ['FORWARD', '-p', 'udp', '-m', 'multiport', '--sports', ports, '-m', 'multiport', '--dports', ports, '-j', 'DROP'];
      await lab.exec(routerNode, ['iptables', '-I', ...rule]);
      return {
        fault,
        description: `the internet drops UDP between ports ${ports}`,
        undo: async () => {
          await lab.exec(routerNode, ['iptables', '-D', ...rule]);
          await restore();
        },
      };
    }
  }
}

/** wg-quick down (where up) and up again on every WireGuard endpoint, listening ends first. */
export async function restartWireguard(lab: Lab): Promise<void> {
  await Promise.all(lab.plan.wireguardOrder.map(async (node) => {
    if (await wireguardIsUp(lab, node)) await lab.wgDown(node);
  }));
  for (const node of lab.plan.wireguardOrder) await lab.wgUp(node);
}

export function wireguardIsUp(lab: Lab, node: string): Promise<boolean> {
  return lab.isWireguardUp(node);
}
