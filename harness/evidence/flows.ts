import type { Packet } from './pcap.ts';

/** The packets seen at one capture point during one check. */
export interface CapturePoint {
  /** What the point stands for, as reports name it: `internet` (the router) or `<endpoint> wg0`. */
  label: string;
  node: string;
  iface: string;
  /** What the point is: the router (the internet), a WireGuard interface, or a LAN interface. Default: from the label (`internet`) and iface (`wg*`). */
  role?: 'internet' | 'tunnel' | 'lan';
  packets: Packet[];
  /** Why nothing was captured here (e.g. wg0 down), when that is the case. */
  absent?: string;
  /** The pcap file's bytes, for artifacts. */
  pcap?: Uint8Array;
}

/** One TCP or UDP conversation at a capture point. */
export interface Flow {
  protocol: 'tcp' | 'udp';
  /** `10.0.0.1:40000`, `[fd00::1]:40000` */
  client: string;
  server: string;
  packets: number;
  bytes: number;
}

/**
 * Packets of one TCP request: one side on `serverPort`, the other on the request's client port when it is known,
 * else in the client port range it was given (a request that never connected), else any.
 */
export function requestPackets(
  packets: readonly Packet[],
  serverPort: number,
  client?: number | { from: number; to: number },
): Packet[] {
  return portPackets(packets, 6, serverPort, client);
}

/** TCP (6) or UDP (17) packets between `serverPort` and the client's port(s), as requestPackets takes them. */
function portPackets(
  packets: readonly Packet[],
  protocol: 6 | 17,
  serverPort: number,
  client?: number | { from: number; to: number },
): Packet[] {
  const isClient = (port: number | undefined) =>
    client === undefined ||
    (typeof client === 'number' ? port === client : (port ?? NaN) >= client.from && (port ?? NaN) <= client.to);
  return countable(packets).filter(
    (packet) =>
      packet.protocol === protocol &&
      ((packet.dstPort === serverPort && isClient(packet.srcPort)) ||
        (packet.srcPort === serverPort && isClient(packet.dstPort))),
  );
}

/** Which packets belong to one check: its protocol, the server's port, the client's port(s), an echo's identifier. */
export interface PacketSelector {
  protocol: 'tcp' | 'udp' | 'icmp';
  /** The server's port (tcp, udp). */
  serverPort?: number;
  /** The client's port when known, else the range it was given, else any (tcp, udp). */
  client?: number | { from: number; to: number };
  /** The echo's identifier (icmp): requests and replies carry it. */
  echoId?: number;
}

/** The packets of one check: TCP or UDP between the client's port(s) and the server's, or ICMP echoes with its id. */
export function checkPackets(packets: readonly Packet[], selector: PacketSelector): Packet[] {
  if (selector.protocol === 'icmp')
    return countable(packets).filter(
      (packet) =>
        (packet.protocol === 1 || packet.protocol === 58) &&
        packet.icmp?.echoId !== undefined &&
        (selector.echoId === undefined || packet.icmp.echoId === selector.echoId),
    );
  return portPackets(packets, selector.protocol === 'tcp' ? 6 : 17, selector.serverPort ?? NaN, selector.client);
}

/** Whether a check's packet goes toward its server (a request, an echo request), not back to the client. */
export function towardServer(packet: Packet, selector: PacketSelector): boolean {
  if (selector.protocol === 'icmp') return packet.icmp?.type === 8 || packet.icmp?.type === 128;
  return packet.dstPort === selector.serverPort;
}

/**
 * WireGuard's UDP: one side on a listen port of the tunnel. Only one: a peer whose file sets no ListenPort sends
 * from a port the kernel picks, to the other side's listen port.
 */
export function isWireguard(packet: Packet, ports: readonly number[]): boolean {
  return packet.protocol === 17 && ports.some((port) => port === packet.srcPort || port === packet.dstPort);
}

export function wireguardPackets(packets: readonly Packet[], ports: readonly number[]): Packet[] {
  return countable(packets).filter((packet) => isWireguard(packet, ports));
}

/**
 * On a router capture (`-i any`) every forwarded packet shows twice, in on one link and out on another;
 * counting what came in counts each once. Other captures count every packet.
 */
export function countable(packets: readonly Packet[]): Packet[] {
  return packets.filter((packet) => packet.direction !== 'out');
}

/** Groups TCP and UDP packets into conversations, the side on the lower well-known port taken as server. */
export function summarizeFlows(packets: readonly Packet[]): Flow[] {
  const flows = new Map<string, Flow>();
  for (const packet of countable(packets)) {
    if (
      (packet.protocol !== 6 && packet.protocol !== 17) ||
      packet.srcPort === undefined ||
      packet.dstPort === undefined
    )
      continue;
    const source = socket(packet.src, packet.srcPort);
    const destination = socket(packet.dst, packet.dstPort);
    const towardServer = packet.dstPort < packet.srcPort || (packet.dstPort === packet.srcPort && destination > source);
    const [client, server] = towardServer ? [source, destination] : [destination, source];
    const protocol = packet.protocol === 6 ? 'tcp' : 'udp';
    const key = `${protocol} ${client} ${server}`;
    const flow = flows.get(key) ?? { protocol, client, server, packets: 0, bytes: 0 };
    flow.packets += 1;
    flow.bytes += packet.length;
    flows.set(key, flow);
  }
  return [...flows.values()].sort((a, b) => b.packets - a.packets);
}

/** `10.0.0.1:443`, `[fd00::1]:443`. */
function socket(address: string | undefined, port: number): string {
  return (address ?? '').includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function describeFlow(flow: Flow): string {
  return `${flow.protocol.toUpperCase()} ${flow.client} → ${flow.server} (${flow.packets} packet${flow.packets === 1 ? '' : 's'})`;
}

/** A capture point's role: as given, else the router when labelled `internet`, a tunnel on a `wg*` interface, else a LAN. */
export function captureRole(capture: Pick<CapturePoint, 'label' | 'iface' | 'role'>): 'internet' | 'tunnel' | 'lan' {
  if (capture.role) return capture.role;
  if (capture.label === 'internet') return 'internet';
  return /^wg/.test(capture.iface) ? 'tunnel' : 'lan';
}
