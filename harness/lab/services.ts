import type { ListenerService } from './lab-plan.ts';

/** Where the lab's own servers log, in each node. */
export const serviceLogDir = '/var/log/wglab';
/** The log of a TCP or UDP listener: one line per connection or datagram, `<peer address> <peer port> <tag>`. */
export const listenerLogPath = (listener: Pick<ListenerService, 'protocol' | 'port'>) =>
  `${serviceLogDir}/${listener.protocol}-${listener.port}.log`;
/** The echo requests that reached a ping target, as tcpdump prints them. */
export const pingLogPath = `${serviceLogDir}/ping.log`;
/** A resolver's log: dnsmasq's, every query with its source address and port. */
export const resolverLogPath = `${serviceLogDir}/dns.log`;
/** What a listener answers: a client that reads it got through both ways. */
export const listenerAnswer = 'wglab-ok';

/**
 * Shell lines that start a listener in the background (IPv4, and IPv6 in labs with it) and return once it
 * listens: each connection (or datagram) sends a tag line, which is logged with the peer's address and answered.
 */
export function listenerLines(listener: ListenerService, ipv6: boolean): string[] {
  const log = listenerLogPath(listener);
  const handler = `SYSTEM:'read -r tag; echo "$SOCAT_PEERADDR $SOCAT_PEERPORT $tag" >> ${log}; echo ${listenerAnswer}'`;
  const address = (family: 4 | 6) =>
    listener.protocol === 'tcp'
      ? `TCP${family}-LISTEN:${listener.port},fork,reuseaddr${family === 6 ? ',ipv6only=1' : ''}`
      : `UDP${family}-RECVFROM:${listener.port},fork,reuseaddr${family === 6 ? ',ipv6only=1' : ''}`;
  const families: (4 | 6)[] = ipv6 ? [4, 6] : [4];
  const flag = listener.protocol === 'tcp' ? '-ltn' : '-lun';
  return [
    `mkdir -p ${serviceLogDir}; : >> ${log}`,
    ...families.map((family) => `setsid socat -T 10 ${address(family)} ${handler} </dev/null >/dev/null 2>&1 &`),
    `for i in $(seq 1 500); do [ "$(ss -H ${flag} 'sport = :${listener.port}' | wc -l)" -ge ${families.length} ] && break; sleep 0.01; done`,
    `[ "$(ss -H ${flag} 'sport = :${listener.port}' | wc -l)" -ge ${families.length} ] || { echo "the ${listener.protocol} listener on port ${listener.port} did not start (is the port taken?)" >&2; exit 1; }`,
  ];
}

/** Shell lines that log every echo request reaching the node (tcpdump, in), returning once it listens. */
export function pingLoggerLines(): string[] {
  const filter = '(icmp and icmp[icmptype] == icmp-echo) or (icmp6 and ip6[6] == 58 and ip6[40] == 128)';
  return [
    `mkdir -p ${serviceLogDir}; : > ${pingLogPath}`,
    `setsid tcpdump -l -n -i any -Q in '${filter}' >> ${pingLogPath} 2>${pingLogPath}.err </dev/null &`,
    `for i in $(seq 1 1500); do grep -q 'listening on' ${pingLogPath}.err && break; sleep 0.01; done`,
    `grep -q 'listening on' ${pingLogPath}.err || { cat ${pingLogPath}.err >&2; exit 1; }`,
  ];
}

/**
 * Shell lines that start dnsmasq as one of the lab's resolvers: every interface (wg0 too, once up), the lab's
 * names, NXDOMAIN for every other name (it forwards nothing: no query leaves the lab), each query logged with its
 * source address and port.
 */
export function resolverLines(hosts: { host: string; ipAddress: string }[]): string[] {
  const names = hosts.map((entry) => `address=/${entry.host}/${entry.ipAddress}`);
  const config = [
    'user=root',
    'group=root',
    'no-resolv',
    'no-hosts',
    'no-poll',
    'interface=*',
    'log-queries=extra',
    `log-facility=${resolverLogPath}`,
    'pid-file=/run/wglab-dnsmasq.pid',
    ...names,
    // Every name not above: NXDOMAIN from here, never forwarded.
    'address=/#/',
  ];
  return [
    `mkdir -p ${serviceLogDir}; : > ${resolverLogPath}`,
    `cat > /etc/wglab/dnsmasq.conf <<'WGLAB_DNSMASQ'\n${config.join('\n')}\nWGLAB_DNSMASQ`,
    'dnsmasq --conf-file=/etc/wglab/dnsmasq.conf',
  ];
}

/**
 * Shell lines that make a node resolve through `nameserver` (the ISP's resolver) the way a Debian host does: the
 * address comes from eth0's entry in resolvconf, so `DNS =` (resolvconf -a tun.wg0 -x) takes over while the tunnel
 * is up and `wg-quick down` gives it back. Never the engine's embedded DNS.
 */
export function resolvConfLines(nameserver: string): string[] {
  return [`printf 'nameserver %s\\n' '${nameserver}' | resolvconf -a eth0`];
}
