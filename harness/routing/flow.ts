import { isIpv4 } from '../net/ip.ts';

export type Family = 4 | 6;

/** What routing decisions look at in a packet: addresses, ports, protocol, mark and the interface it came in on. */
export interface Flow {
  family: Family;
  /** Undefined before the kernel picks a source for a locally made packet (the first of its two lookups). */
  src?: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  sport?: number;
  dport?: number;
  mark: number;
  /** `lo` for a packet this node makes, else the interface it arrived on. */
  iif: string;
}

export function familyOf(address: string): Family {
  return isIpv4(address) ? 4 : 6;
}

/** A step of an explanation, tagged with what kind of decision it records. */
export interface Step {
  text: string;
  kind: 'route' | 'wireguard' | 'nat' | 'filter' | 'internet' | 'deliver' | 'drop' | 'note';
  /** For route steps: the device the packet leaves by. */
  dev?: string;
  /** A step of the server's reply (the request's own steps have none). */
  reply?: true;
}
