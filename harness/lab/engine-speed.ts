/** A round trip `true` takes through a node's shell session on a native engine, with room for a busy host. */
const nativeRoundTrip = 0.05;

/** The factor for a measured round trip: 1 up to the native figure, then proportional, at most 20. */
export function slownessFactor(roundTripSeconds: number): number {
  return Math.min(20, Math.max(1, Math.round((roundTripSeconds / nativeRoundTrip) * 10) / 10));
}
