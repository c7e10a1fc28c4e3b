import type { Engine } from './engine.ts';
import { baseRpFilter, baseSrcValidMark } from './lab-plan.ts';

export interface LabNodeSpec {
  name: string;
  image: string;
  network: string;
  labels: Record<string, string>;
  hosts: { host: string; ipAddress: string }[];
  sysctls?: Record<string, string>;
}

/** A started lab node: its container's id and name on its engine. */
export interface LabNode {
  id: string;
  name: string;
}

/**
 * Starts a lab node on its engine: `sleep infinity` under docker-init, the TUN device, NET_ADMIN and NET_RAW,
 * sysctls, and DNS sealed off. Everything else is configured through exec.
 */
export async function startNode(engine: Engine, spec: LabNodeSpec): Promise<LabNode> {
  const container = await engine.dockerode.createContainer({
    name: spec.name,
    Image: spec.image,
    Cmd: ['sleep', 'infinity'],
    Labels: spec.labels,
    HostConfig: {
      NetworkMode: spec.network,
      ExtraHosts: spec.hosts.map((entry) => `${entry.host}:${entry.ipAddress}`),
      CapAdd: ['NET_ADMIN', 'NET_RAW'],
      // docker-init as PID 1 reaps what exits in the lab (tcpdump, wireguard-go, nginx workers).
      Init: true,
      Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
      // Loose reverse-path filtering, as Debian and Ubuntu hosts have it: replies that arrive on wg0 are accepted.
      Sysctls: {
        'net.ipv4.conf.all.src_valid_mark': baseSrcValidMark,
        'net.ipv4.conf.all.rp_filter': baseRpFilter,
        'net.ipv4.conf.default.rp_filter': baseRpFilter,
        'net.ipv6.conf.all.disable_ipv6': '1',
        ...spec.sysctls,
      },
      // No DNS server: names the lab uses are in /etc/hosts and its own resolvers; no query may leave the machine.
      Dns: ['127.0.0.1'],
    },
  });
  await container.start();
  return { id: container.id, name: spec.name };
}
