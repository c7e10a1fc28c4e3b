/**
 * How long curl waits for a connection when the check expects none: ten times the slowest TCP connection this
 * lab has made so far (WireGuard handshakes included), at least a quarter and at most half a second, times the
 * engine's slowness. In a lab on a native engine connections take milliseconds (under 0.1 s at worst in our
 * runs, two labs at once); a path whose TCP connects more slowly than the wait would read as none. One whose
 * TCP connects but whose TLS outlasts the wait reads unclear (verdict), never none. Before any connection,
 * half a second.
 */
export function noneWaitSeconds(slowestConnect: number | undefined, slowness: number): number {
  const wait = slowestConnect === undefined ? 0.5 : Math.min(0.5, Math.max(0.25, 10 * slowestConnect));
  return Math.round(wait * slowness * 1000) / 1000;
}
