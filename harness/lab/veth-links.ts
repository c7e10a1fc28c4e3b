import { createHash } from 'node:crypto';
import type { LabPlan } from './lab-plan.ts';

/** One end of a point-to-point link: the node, the interface it gets (its place in the node's networks) and its MAC. */
export interface VethEnd {
  node: string;
  iface: string;
  mac: string;
}

/** A link of the plan as a veth pair: two ends, one per node on it. */
export interface VethLink {
  network: string;
  ends: [VethEnd, VethEnd];
}

/**
 * The plan's links as veth pairs, when every link joins exactly two nodes (an endpoint and the router, a NAT and
 * its endpoint, an endpoint and its one LAN host); undefined when a link has more (a LAN of several hosts), which
 * then needs the engine's bridge networks. Each node's interface on a link is eth<N>, N its place in the node's
 * networks (the first is eth0, as the engine names them); each end's MAC is made from the lab, link and node, so
 * the address scripts find each interface by its MAC either way.
 */
export function vethLinks(plan: Pick<LabPlan, 'id' | 'links' | 'nodes'>): VethLink[] | undefined {
  const links: VethLink[] = [];
  for (const link of plan.links) {
    const ends = plan.nodes
      .filter((node) => node.networks.includes(link.network))
      .map((node) => ({
        node: node.name,
        iface: `eth${node.networks.indexOf(link.network)}`,
        mac: macOf(plan.id, link.network, node.name),
      }));
    if (ends.length !== 2) return undefined;
    links.push({ network: link.network, ends: [ends[0]!, ends[1]!] });
  }
  return links;
}

/** A locally administered unicast MAC (02:…), the same for the same lab, link and node. */
export function macOf(lab: string, network: string, node: string): string {
  const bytes = createHash('sha256').update(`${lab}\n${network}\n${node}`).digest().subarray(0, 5);
  return ['02', ...[...bytes].map((byte) => byte.toString(16).padStart(2, '0'))].join(':');
}

/**
 * The shell lines that make each link from outside the nodes (root here, or a helper container that sees the
 * engine's processes): the pair is made in the first node's network namespace with its peer put straight into
 * the second's, so neither end ever exists in the host's; both ends are then set up. `pids` are the nodes' main
 * processes.
 */
export function vethScript(links: VethLink[], pids: ReadonlyMap<string, number>): string {
  const pidOf = (node: string) => {
    const pid = pids.get(node);
    if (pid === undefined || pid <= 0) throw new Error(`no process for node ${node}: is its container running?`);
    return pid;
  };
  return links
    .flatMap(({ network, ends: [a, b] }) => {
      const [pa, pb] = [pidOf(a.node), pidOf(b.node)];
      const fail = `|| { echo "making link ${network} (${a.node} ${a.iface}, ${b.node} ${b.iface}) failed" >&2; exit 1; }`;
      return [
        `nsenter --target ${pa} --net ip link add ${a.iface} address ${a.mac} type veth peer name ${b.iface} address ${b.mac} netns ${pb} ${fail}`,
        `nsenter --target ${pa} --net ip link set ${a.iface} up ${fail}`,
        `nsenter --target ${pb} --net ip link set ${b.iface} up ${fail}`,
      ];
    })
    .join('\n');
}
