import { natRebindLines, natRebindUndoLines, reboundPorts } from './node-setup.ts';
import { checkTarget, kindsNamed, type CheckTargetFields } from '../scenario/check-target.ts';
import { faultKind, faultNode, type Check, type Fault } from '../scenario/scenario.ts';
import type { Lab } from './lab.ts';
import { endpointOfNode, natInFrontOf, nodeForHost, routerNode, type LabPlan } from './lab-plan.ts';

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
 * The endpoint each fault acts on: the node the scenario aims it at (`{ kind, node }`, or the endpoint that LAN
 * host sits behind); else `tunnel-down` and `wireguard-killed` on `from`, or on the endpoint the LAN host `from`
 * sits behind; `peer-down` on the endpoint that holds the URL's address (or that the URL's LAN host sits behind),
 * else the other end of a two-end tunnel.
 */
export function faultTarget(
  plan: LabPlan,
  fault: Fault,
  from: string,
  /** The host the check goes to (its URL's, ping's, tcp's or udp's); none for a dns check. */
  host: string | undefined,
  aimedAt?: string,
): string | undefined {
  if (aimedAt !== undefined) return endpointOfNode(plan, aimedAt);
  if (fault === 'tunnel-down' || fault === 'wireguard-killed' || fault === 'nat-rebind')
    return endpointOfNode(plan, from);
  if (fault === 'peer-down') {
    const server = host === undefined ? undefined : nodeForHost(plan, host);
    const holder = server === undefined ? undefined : endpointOfNode(plan, server);
    if (holder !== undefined && holder !== endpointOfNode(plan, from) && plan.wireguardOrder.includes(holder))
      return holder;
    return plan.wireguardOrder.find((name) => name !== endpointOfNode(plan, from));
  }
  return undefined;
}

/**
 * What a check's fault does beside WireGuard's restart left from the fault before: the ends it takes down with
 * wg-quick down (`tunnel-down`, `peer-down`), which that restart leaves alone, and whether it may run while the
 * restart runs. It may when it touches no end the restart does: wg-quick down on an end the restart leaves, or
 * the router's filter (`wireguard-blocked`). The others (a kill, a NAT rebind) wait for the restart.
 */
export function faultBesideRestart(
  plan: LabPlan,
  check: Pick<Check, 'fault' | 'from'> & CheckTargetFields,
): { leaving: Set<string>; together: boolean } {
  const fault = faultKind(check);
  if (fault === 'tunnel-down' || fault === 'peer-down') {
    const node = faultTarget(plan, fault, check.from, targetHost(check), faultNode(check));
    return node === undefined ? { leaving: new Set(), together: false } : { leaving: new Set([node]), together: true };
  }
  return { leaving: new Set(), together: fault === 'wireguard-blocked' };
}

/**
 * Applies a check's fault before its request: `tunnel-down` runs wg-quick down (hooks and all) on every interface
 * of its target, `peer-down` on the endpoint that holds the URL's address, `wireguard-killed` deletes the target's
 * WireGuard interfaces without their hooks (a crash, `ip link del`), `wireguard-blocked` makes the router drop
 * every UDP flow between WireGuard listen ports. Undoing brings WireGuard back with fresh sessions on every end
 * (listeners first), so the next check does not wait for WireGuard's retry timers.
 */
export async function applyFault(
  lab: Lab,
  check: Pick<Check, 'fault' | 'from'> & CheckTargetFields,
): Promise<AppliedFault> {
  const fault = faultKind(check)!;
  const restore = async (options: { deferRestart?: boolean } = {}) => {
    if (options.deferRestart) lab.deferWireguardRestart();
    else await lab.restartWireguard();
  };
  const target = () => faultTarget(lab.plan, fault, check.from, targetHost(check), faultNode(check))!;
  switch (fault) {
    case 'tunnel-down':
    case 'peer-down': {
      const node = target();
      const failed = await lab.wgDown(node);
      return {
        fault,
        description: `wg-quick down ${lab.interfacesOf(node).join(', ')} on ${node}${failed.length > 0 ? ` (${failed.join('; ')})` : ''}`,
        undo: restore,
      };
    }
    case 'wireguard-killed': {
      const node = target();
      const killed = await lab.killWireguard(node);
      return {
        fault,
        description: `${killed.join(', ') || 'no interface'} deleted on ${node} without wg-quick (no hooks ran)`,
        undo: async (options) => {
          // wg-quick down on a stand-in of each interface runs the hooks the kill skipped, then WireGuard restarts.
          await lab.reviveKilledWireguard(node, killed);
          await restore(options);
        },
      };
    }
    case 'nat-rebind': {
      const endpoint = target();
      const nat = natInFrontOf(lab.plan, endpoint)!;
      await lab.sh(nat.node, natRebindLines(nat).join('\n'));
      return {
        fault,
        description: `the NAT in front of ${endpoint} forgot its mappings and maps UDP to new public ports (${reboundPorts})`,
        undo: async (options) => {
          await lab.sh(nat.node, natRebindUndoLines(nat).join('\n'));
          await restore(options);
        },
      };
    }
    case 'wireguard-blocked': {
      const ports = lab.plan.wireguardPorts.join(',');
      const rules = ['iptables', ...(lab.plan.ipv6 ? ['ip6tables'] : [])].flatMap((command) => [
        [command, 'FORWARD', '-p', 'udp', '-m', 'multiport', '--sports', ports, '-j', 'DROP'],
        [command, 'FORWARD', '-p', 'udp', '-m', 'multiport', '--dports', ports, '-j', 'DROP'],
      ]);
      const all = (action: string) =>
        rules.map(([command, ...rule]) => [command, action, ...rule].join(' ')).join(' && ');
      await lab.sh(routerNode, all('-I'));
      return {
        fault,
        description: `the internet drops UDP from and to ports ${ports}`,
        undo: async (options) => {
          await lab.sh(routerNode, all('-D'));
          await restore(options);
        },
      };
    }
  }
}

export function wireguardIsUp(lab: Lab, node: string, iface = 'wg0'): Promise<boolean> {
  return lab.isWireguardUp(node, iface);
}

/** The node-bound host a check goes to, for faults aimed by it (a dns check's name is no node's). */
export function targetHost(check: CheckTargetFields): string | undefined {
  if (kindsNamed(check).length !== 1) return undefined; // a fault applied by hand (lab.fault) names no check
  const target = checkTarget(check);
  return target.kind === 'dns' ? undefined : target.host;
}
