import { faultKind, type Check } from './scenario.ts';

// What decides the order a scenario's checks run in, shared by the lab's run (verify/run-order.ts) and the model
// that predicts each check (explain/predict-checks.ts), so both take them in the same order.

/**
 * Whether a check's fault takes an end down (`tunnel-down`, `peer-down`, `wireguard-killed`) until whatever
 * comes next restarts WireGuard there. Such a check starts from fresh sessions on every other end, and runs after
 * the checks without one (unless the scenario runs in file order).
 */
export function takesEndDown(check: Pick<Check, 'fault'>): boolean {
  const kind = faultKind(check);
  return kind === 'tunnel-down' || kind === 'peer-down' || kind === 'wireguard-killed';
}

/**
 * Whether a scenario's checks run in file order: it has an `idle:` wait (what ran before decides what the NAT
 * and WireGuard remember), or a check for which `waitsForEarlier` holds (sent from an end that cannot start its
 * WireGuard session itself, so it counts on an earlier check's handshake).
 */
export function runsInFileOrder(checks: readonly Check[], waitsForEarlier: (check: Check) => boolean): boolean {
  return checks.some((check) => check.idle !== undefined || waitsForEarlier(check));
}

/**
 * The positions of a scenario's checks in the order they run: in file order, except that checks whose fault
 * takes an end down go after the others (those `resetNext` names last), when the scenario does not run in file
 * order.
 */
export function runOrder(
  checks: readonly Check[],
  waitsForEarlier: (check: Check) => boolean,
  resetNext: (check: Check) => boolean = () => false,
): number[] {
  const inFileOrder = runsInFileOrder(checks, waitsForEarlier);
  const rank = (check: Check) => (inFileOrder || !takesEndDown(check) ? 0 : resetNext(check) ? 2 : 1);
  return [...checks.keys()].sort((a, b) => rank(checks[a]!) - rank(checks[b]!) || a - b);
}
