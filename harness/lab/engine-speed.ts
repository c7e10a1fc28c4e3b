/** A round trip `true` takes through a node's shell session on a native engine, with room for a busy host. */
const nativeRoundTrip = 0.05;

/** The factor for a measured round trip: 1 up to the native figure, then proportional, at most 20. */
export function slownessFactor(roundTripSeconds: number): number {
  return Math.min(20, Math.max(1, Math.round((roundTripSeconds / nativeRoundTrip) * 10) / 10));
}

/** What a run measures of an engine before placing labs on it. */
export interface EngineMeasure {
  /** Its CPUs and memory, as the engine reports them. */
  cpus: number;
  memoryBytes: number;
  /** The fastest of three `info` calls to its API, in seconds. */
  infoSeconds: number;
}

/**
 * An `info` call to a native engine, with room for a busy host: about 0.03 s on this project's 2-core machine, 0.15 s
 * and more on an engine in an emulated VM.
 */
const nativeInfo = 0.05;

/** A lab of four nodes takes about 150 MB; 400 MB leaves room for its transfers and captures. */
const labBytes = 400 * 1024 * 1024;

/**
 * How many labs an engine runs at once: one per two CPUs as its memory allows (a lab coming up keeps more than a
 * CPU busy), divided by how much slower than a native engine its API answers (an emulated VM runs one), at least
 * 1 and at most `cap` (--concurrency).
 */
export function labsFor(measure: EngineMeasure, cap = Infinity): number {
  const room = Math.min(Math.floor(measure.cpus / 2), Math.floor(measure.memoryBytes / labBytes));
  return Math.max(1, Math.min(cap, Math.floor(room / apiSlowness(measure))));
}

/** How many times slower than a native engine an engine's API answers, at least 1. */
export function apiSlowness(measure: EngineMeasure): number {
  return Math.max(1, measure.infoSeconds / nativeInfo);
}
