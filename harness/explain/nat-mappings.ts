import { sameAddress } from '../net/ip.ts';
import type { NodeState } from '../routing/node-state.ts';
import { resolveHost, type NatMapping, type Network } from './lab-network.ts';

/**
 * What a NAT in front of an endpoint still maps, check after check: the model's clock for NAT mappings.
 *
 * A NAT lets a peer's WireGuard packets in only while the mapping the endpoint's own last packet to that peer made
 * is alive: for the NAT's idle UDP timeout after it (conntrack's 30 s, 120 s once both ways carried traffic, unless
 * the scenario sets `udpTimeout`). What keeps it alive: the endpoint's PersistentKeepalive toward the peer, the
 * peer's own toward the endpoint (it refreshes a live mapping), traffic of a check. After the last data it
 * received, an endpoint sends one passive keepalive 10 s later (WireGuard's KEEPALIVE_TIMEOUT), which may make a
 * mapping live that long again. Time is only known within bounds: a check after an `idle: N` wait comes N to
 * N + 3 s after the one before (3 s: what a check itself may take). A mapping that outlives the check for sure is
 * alive, one that is gone for sure is gone, anything between is unknown with the bounds said.
 */
export class NatClock {
  /** Seconds since the endpoint last sent to the peer, as bounds, by `<endpoint> <peer>`. */
  private readonly since = new Map<string, { min: number; max: number }>();
  /** Pairs whose peer restarted WireGuard (a fault) since the endpoint last sent: its keepalive may have stopped. */
  private readonly interrupted = new Set<string>();
  /** Endpoints whose NAT forgot its mappings (nat-rebind) and that have not sent since. */
  private readonly forgotten = new Set<string>();
  /** Set after a check the model could not decide: what it sent is not known, so no mapping is gone for sure. */
  private uncertain: string | undefined;

  constructor(private readonly timeouts: ReadonlyMap<string, number | undefined>) {}

  /** Time passes before a check: its idle wait, and up to `checkSeconds` the check before it took. */
  advance(idle: number): void {
    for (const bounds of this.since.values()) {
      bounds.min += idle;
      bounds.max += idle + checkSeconds;
    }
  }

  /** The endpoint sent to these peer nodes (a check's traffic, a handshake): their mappings are new. */
  sent(endpoint: string, peers: Iterable<string>): void {
    for (const peer of peers) {
      this.since.set(`${endpoint} ${peer}`, { min: 0, max: 0 });
      this.interrupted.delete(`${endpoint} ${peer}`);
    }
  }

  /** The NAT in front of the endpoint forgot every mapping (nat-rebind, and its undo). */
  forget(endpoint: string): void {
    for (const key of [...this.since.keys()]) if (key.startsWith(`${endpoint} `)) this.since.delete(key);
    this.forgotten.add(endpoint);
  }

  /** A fault stops WireGuard's packets somewhere (a peer down, its UDP blocked): peers' keepalives may stop. */
  interrupt(): void {
    for (const key of this.since.keys()) this.interrupted.add(key);
  }

  /** A fault restarted WireGuard everywhere: peers' keepalives may have stopped, and an undecided check is behind. */
  restarted(): void {
    this.interrupt();
    this.uncertain = undefined;
  }

  /** A check the model could not decide: from now on, until a fault, no mapping is gone for sure. */
  undecided(check: string): void {
    this.uncertain ??= check;
  }

  /**
   * Each NATed endpoint's mapping toward each other endpoint as the check starts. `rebound` is the endpoint whose
   * NAT the check's nat-rebind fault resets; `idle` the check's wait, which follows the fault.
   */
  mappings(network: Network, rebound: string | undefined, idle: number): Map<string, Map<string, NatMapping>> {
    const result = new Map<string, Map<string, NatMapping>>();
    for (const [endpoint, timeout] of this.timeouts) {
      const node = network.nodes.get(endpoint);
      if (!node) continue;
      const byPeer = new Map<string, NatMapping>();
      for (const peer of network.publicOwners.map((owner) => owner.node)) {
        if (peer === endpoint || byPeer.has(peer)) continue;
        const other = network.nodes.get(peer);
        if (!other) continue;
        byPeer.set(
          peer,
          this.decided(
            this.mapping(endpoint, peer, timeout, {
              own: keepaliveToward(network, node, peer),
              peer: keepaliveOf(other, node),
              rebound: rebound === endpoint,
              idle,
            }),
          ),
        );
      }
      result.set(endpoint, byPeer);
    }
    return result;
  }

  /** A mapping gone for sure is only unknown after a check the model could not decide (it may have sent). */
  private decided(mapping: NatMapping): NatMapping {
    if (mapping.state !== 'gone' || this.uncertain === undefined) return mapping;
    return unknown(`${mapping.why}, unless ${this.uncertain}, which the model could not decide, sent something`);
  }

  private mapping(
    endpoint: string,
    peer: string,
    udpTimeout: number | undefined,
    context: { own: number; peer: number; rebound: boolean; idle: number },
  ): NatMapping {
    const timeout = udpTimeout === undefined ? { min: 30, max: 120 } : { min: udpTimeout, max: udpTimeout };
    const timeoutText = udpTimeout === undefined ? '30–120 s (conntrack)' : `${udpTimeout} s`;
    const since = this.since.get(`${endpoint} ${peer}`);
    const { own } = context;
    if (context.rebound) {
      // The fault comes at most a second before the wait ends its count (which started at the last check).
      if (own > 0 && context.idle - 1 >= own)
        return alive(`${endpoint}'s PersistentKeepalive (${own} s) mapped it anew and ${peer} learned the new port`);
      // Its next keepalive comes `own` seconds after its last packet: maybe while the check still waits.
      if (own > 0 && (since === undefined || since.max + connectSeconds >= own))
        return unknown(
          `the NAT forgot its mappings (nat-rebind), and ${endpoint}'s PersistentKeepalive (${own} s) maps it anew, maybe while the check still waits`,
        );
      if (own === 0 && since !== undefined && since.max >= passiveKeepalive)
        return unknown(
          `the NAT forgot its mappings (nat-rebind); ${endpoint} last exchanged data with ${peer} ${bounds(since)} s before, so a passive keepalive may have mapped it anew`,
        );
      return gone(`the NAT forgot its mappings (nat-rebind), and ${endpoint} has sent nothing to ${peer} since`);
    }
    if (own > 0 && own < timeout.min)
      return alive(`${endpoint}'s PersistentKeepalive (${own} s) renews it within the NAT's ${timeoutText}`);
    if (since === undefined)
      return gone(
        this.forgotten.has(endpoint)
          ? `the NAT forgot its mappings (nat-rebind), and ${endpoint} has sent nothing to ${peer} since`
          : `${endpoint} has sent nothing to ${peer} yet`,
      );
    const max = own > 0 ? Math.min(since.max, own) : since.max;
    const elapsed = { min: Math.min(since.min, max), max };
    if (max < timeout.min)
      return alive(`${endpoint} last sent to ${peer} ${bounds(elapsed)} s before, within ${timeoutText}`);
    if (context.peer > 0 && context.peer < timeout.min) {
      if (!this.interrupted.has(`${endpoint} ${peer}`))
        return alive(`${peer}'s PersistentKeepalive (${context.peer} s) renews it within the NAT's ${timeoutText}`);
      return unknown(
        `${peer}'s PersistentKeepalive (${context.peer} s) would renew it, but ${peer}'s WireGuard restarted since ${endpoint} last sent`,
      );
    }
    if (own === 0 && since.min > timeout.max + passiveKeepalive)
      return gone(
        `${endpoint} last sent to ${peer} ${bounds(since)} s before (a passive keepalive ${passiveKeepalive} s after the last data at most), and the NAT keeps an idle UDP mapping ${timeoutText}`,
      );
    return unknown(
      `the check comes ${bounds(elapsed)} s after ${endpoint} last sent to ${peer}, and the NAT keeps an idle UDP mapping ${timeoutText}: it may or may not be there`,
    );
  }
}

/** Seconds a check itself may take, besides its idle wait. */
const checkSeconds = 3;
/** WireGuard's passive keepalive: sent this long after data arrived, if nothing was sent since. */
const passiveKeepalive = 10;
/** How long a check's client waits to connect (curl's --connect-timeout in an unhurried lab). */
const connectSeconds = 6;

const alive = (why: string): NatMapping => ({ state: 'alive', why });
const gone = (why: string): NatMapping => ({ state: 'gone', why });
const unknown = (why: string): NatMapping => ({ state: 'unknown', why });
const bounds = ({ min, max }: { min: number; max: number }) => (min === max ? `${min}` : `${min}–${max}`);

/** The endpoint's PersistentKeepalive toward a peer node it has an Endpoint for (0: none). */
function keepaliveToward(network: Network, node: NodeState, peer: string): number {
  const seconds = node.wireguard.flatMap((face) =>
    face.peers
      .filter((candidate) => candidate.keepalive > 0 && candidate.endpoint)
      .filter((candidate) =>
        resolveHost(network, candidate.endpoint!.host).some((address) =>
          network.publicOwners.some((owner) => owner.node === peer && sameAddress(owner.address, address)),
        ),
      )
      .map((candidate) => candidate.keepalive),
  );
  return seconds.length === 0 ? 0 : Math.min(...seconds);
}

/** A peer node's PersistentKeepalive toward the endpoint (by its keys), sent where it last heard from it (0: none). */
function keepaliveOf(peer: NodeState, endpoint: NodeState): number {
  const keys = new Set(endpoint.wireguard.map((face) => face.publicKey));
  const seconds = peer.wireguard.flatMap((face) =>
    face.peers.filter((candidate) => candidate.keepalive > 0 && keys.has(candidate.publicKey)).map((c) => c.keepalive),
  );
  return seconds.length === 0 ? 0 : Math.min(...seconds);
}
