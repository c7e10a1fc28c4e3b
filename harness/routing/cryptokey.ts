import { cidrContains, type Cidr } from '../net/ip.ts';

/** A peer as WireGuard holds it: its key, where it is reached, and the addresses it owns. */
export interface WgPeer {
  publicKey?: string;
  /** The configured Endpoint, host as written. */
  endpoint?: { host: string; port: number };
  allowedIps: Cidr[];
  /** PersistentKeepalive in seconds; 0 when off. */
  keepalive: number;
}

/**
 * The peer a packet to `dst` goes to: the longest AllowedIPs prefix holding it. A prefix listed by two peers
 * belongs to the last (wg moves it), so the earlier one does not get it.
 */
export function peerForDestination(
  peers: readonly WgPeer[],
  dst: string,
): { peer: WgPeer; index: number; allowed: Cidr } | undefined {
  let best: { peer: WgPeer; index: number; allowed: Cidr } | undefined;
  peers.forEach((peer, index) => {
    for (const allowed of peer.allowedIps) {
      if (!cidrContains(allowed, dst) || ownedByLater(peers, index, allowed)) continue;
      if (best === undefined || allowed.prefix > best.allowed.prefix) best = { peer, index, allowed };
    }
  });
  return best;
}

function ownedByLater(peers: readonly WgPeer[], index: number, allowed: Cidr): boolean {
  return peers
    .slice(index + 1)
    .some((later) => later.allowedIps.some((other) => other.prefix === allowed.prefix && cidrContains(other, allowed)));
}

/** WireGuard's inbound check: a decrypted packet is kept only when its source routes back to the peer it came from. */
export function sourceAllowed(peers: readonly WgPeer[], from: WgPeer, src: string): Cidr | undefined {
  const owner = peerForDestination(peers, src);
  return owner?.peer === from ? owner.allowed : undefined;
}
