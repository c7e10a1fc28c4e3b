import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import type { Packet } from '../../harness/evidence/pcap.ts';

/** The host's addresses and routes, as `ip -j` reports them, to compare before, during and after a lab. */
export interface HostNetwork {
  addresses: { ifname: string; family: string; local: string; prefixlen: number }[];
  routes: { family: string; table: string; dst: string; dev?: string; gateway?: string }[];
}

export async function readHostNetwork(): Promise<HostNetwork> {
  const [addr, route4, route6] = await Promise.all([
    execa('ip', ['-j', 'addr']),
    execa('ip', ['-j', '-4', 'route', 'show', 'table', 'all']),
    execa('ip', ['-j', '-6', 'route', 'show', 'table', 'all']),
  ]);
  const links = JSON.parse(addr.stdout) as {
    ifname: string;
    addr_info?: { family: string; local: string; prefixlen: number }[];
  }[];
  const routes = (family: string, text: string) =>
    (JSON.parse(text) as { dst: string; table?: string; dev?: string; gateway?: string }[]).map((route) => ({
      family,
      table: route.table ?? 'main',
      dst: route.dst,
      dev: route.dev,
      gateway: route.gateway,
    }));
  return {
    addresses: links.flatMap((link) =>
      (link.addr_info ?? []).map((info) => ({
        ifname: link.ifname,
        family: info.family,
        local: info.local,
        prefixlen: info.prefixlen,
      })),
    ),
    routes: [...routes('inet', route4.stdout), ...routes('inet6', route6.stdout)],
  };
}

/** Interfaces packets can leave the host through: up, and not a Docker bridge or veth (those only join containers). */
export function hostCaptureInterfaces(): string[] {
  return readdirSync('/sys/class/net').filter((name) => {
    if (/^(veth|br-)/.test(name)) return false;
    const state = readFileSync(`/sys/class/net/${name}/operstate`, 'utf8').trim();
    return state === 'up' || state === 'unknown';
  });
}

/** Packets whose source or destination is one of the lab's addresses. */
export function packetsTouching(packets: readonly Packet[], addresses: ReadonlySet<string>): Packet[] {
  return packets.filter(
    (packet) =>
      (packet.src !== undefined && addresses.has(packet.src)) ||
      (packet.dst !== undefined && addresses.has(packet.dst)),
  );
}

/**
 * Docker's own bridge and veth interfaces (they join containers and carry no IPv4 for a wglab lab), and an
 * interface that was deleted while `ip` read the table: `ip` then names it `if<index>`. That happens when a lab
 * (this one or another test file's) tears down during the reading; only its link-local routes are ever ignored.
 */
export const isDockerLink = (ifname: string) => /^(br-[0-9a-f]{12}|veth[0-9a-f]+|if[0-9]+)$/.test(ifname);

/**
 * What differs between two readings. IPv6 link-local addresses and routes (fe80::, ff00::/8) that the kernel
 * gives every interface it brings up are ignored on the interfaces `ignoreLinkLocalOn` accepts; all else counts.
 */
export function hostNetworkChanges(
  before: HostNetwork,
  after: HostNetwork,
  ignoreLinkLocalOn: (ifname: string) => boolean = () => false,
): string[] {
  const ignored = (ifname: string | undefined, address: string) =>
    ifname !== undefined && ignoreLinkLocalOn(ifname) && /^(fe80:|ff00::\/8$)/.test(address);
  const addresses = (network: HostNetwork) =>
    network.addresses
      .filter((item) => !ignored(item.ifname, item.local))
      .map((item) => `address ${item.local}/${item.prefixlen} on ${item.ifname}`);
  const routes = (network: HostNetwork) =>
    network.routes
      .filter((item) => !ignored(item.dev, item.dst))
      .map(
        (item) =>
          `${item.family} route ${item.dst} table ${item.table} dev ${item.dev ?? '-'} via ${item.gateway ?? '-'}`,
      );
  const diff = (a: string[], b: string[]) => [
    ...b.filter((item) => !a.includes(item)).map((item) => `added ${item}`),
    ...a.filter((item) => !b.includes(item)).map((item) => `removed ${item}`),
  ];
  return [...diff(addresses(before), addresses(after)), ...diff(routes(before), routes(after))];
}
