import type { Lab } from './lab.ts';
import { routerNode } from './lab-plan.ts';

/** A round trip `true` takes through a node's shell session on a native engine, with room for a busy host. */
const nativeRoundTrip = 0.05;
const measured = new WeakMap<Lab, Promise<number>>();

/**
 * How many times slower than a native engine this lab's engine is (1 on a native engine, ≈10 on an emulated VM):
 * the fastest of three trivial commands in the router, measured once per lab. Timeouts are multiplied by it, so a
 * slow engine gets time to answer and a native one keeps quick `none` verdicts. WGLAB_ENGINE_FACTOR sets it.
 */
export function engineSlowness(lab: Lab): Promise<number> {
  let factor = measured.get(lab);
  if (!factor) {
    factor = measure(lab);
    measured.set(lab, factor);
  }
  return factor;
}

async function measure(lab: Lab): Promise<number> {
  const given = Number(process.env.WGLAB_ENGINE_FACTOR);
  if (given > 0) return given;
  await lab.exec(routerNode, ['true'], { allowFailure: true }); // opens the shell session
  let fastest = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    await lab.exec(routerNode, ['true'], { allowFailure: true });
    fastest = Math.min(fastest, (performance.now() - start) / 1000);
  }
  return slownessFactor(fastest);
}

/** The factor for a measured round trip: 1 up to the native figure, then proportional, at most 20. */
export function slownessFactor(roundTripSeconds: number): number {
  return Math.min(20, Math.max(1, Math.round((roundTripSeconds / nativeRoundTrip) * 10) / 10));
}
