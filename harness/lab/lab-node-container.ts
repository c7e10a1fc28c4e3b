import { GenericContainer } from 'testcontainers';

export interface LabNodeSpec {
  name: string;
  image: string;
  network: string;
  labels: Record<string, string>;
  hosts: { host: string; ipAddress: string }[];
  sysctls?: Record<string, string>;
}

/**
 * A lab node: testcontainers' builder plus what it has no API for (the TUN device, sysctls, DNS sealed off).
 * Runs `sleep infinity`; everything else is configured through exec.
 */
export class LabNodeContainer extends GenericContainer {
  constructor(spec: LabNodeSpec) {
    super(spec.image);
    this.withName(spec.name)
      .withLabels(spec.labels)
      .withCommand(['sleep', 'infinity'])
      .withAddedCapabilities('NET_ADMIN', 'NET_RAW')
      .withNetworkMode(spec.network)
      .withExtraHosts(spec.hosts)
      // wglab labels and removes its own resources (the reaper is off). Without this, each start would first
      // take testcontainers' reaper file lock, and the lab's containers would start one after another.
      .withAutoCleanup(false);
    // docker-init as PID 1 reaps what exits in the lab (tcpdump, wireguard-go, nginx workers).
    this.hostConfig.Init = true;
    this.hostConfig.Devices = [
      { PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' },
    ];
    // Loose reverse-path filtering, as Debian and Ubuntu hosts have it: replies that arrive on wg0 are accepted.
    this.hostConfig.Sysctls = {
      'net.ipv4.conf.all.src_valid_mark': '1',
      'net.ipv4.conf.all.rp_filter': '2',
      'net.ipv4.conf.default.rp_filter': '2',
      'net.ipv6.conf.all.disable_ipv6': '1',
      ...spec.sysctls,
    };
    // No DNS server: names the lab uses are in /etc/hosts, and no query may leave the machine.
    this.hostConfig.Dns = ['127.0.0.1'];
  }
}
