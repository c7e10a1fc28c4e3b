import type { Check } from '../scenario/scenario.ts';
import type { ObservedPath, RequestResult } from './verdict.ts';

/**
 * How long curl waits for a connection when the check expects none: ten times the slowest TCP connection this
 * lab has made so far (WireGuard handshakes included), at least 0.15 and at most half a second, times the
 * engine's slowness. In a lab on a native engine connections take milliseconds: 0.01-0.02 s at the slowest
 * with one lab on two cores; with three labs at once on two cores, 156 connections took 0.13 s at worst, and
 * none took more than 7.2 times the slowest its lab had made before it. A path whose TCP connects more slowly
 * than the wait would read as none. One whose TCP connects but whose TLS outlasts the wait reads unclear
 * (verdict), never none, and is sent once more with the full wait (waitedTooBriefly). Before any connection,
 * half a second.
 */
export function noneWaitSeconds(slowestConnect: number | undefined, slowness: number): number {
  const wait = slowestConnect === undefined ? 0.5 : Math.min(0.5, Math.max(0.15, 10 * slowestConnect));
  return Math.round(wait * slowness * 1000) / 1000;
}

/** A check expected to fail whose client timed out after its TCP connection was made (verdict: unclear). */
export function waitedTooBriefly(result: {
  check: Pick<Check, 'expect'>;
  verdict: { observed: { path: ObservedPath } };
  evidence: { request: Pick<RequestResult, 'exitCode' | 'localPort'> };
}): boolean {
  return (
    result.check.expect?.path === 'none' &&
    result.verdict.observed.path === 'unclear' &&
    result.evidence.request.exitCode === 28 &&
    result.evidence.request.localPort !== undefined
  );
}
