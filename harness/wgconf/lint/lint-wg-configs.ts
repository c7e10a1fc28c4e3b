import type { WgConfig } from '../wg-config.ts';
import type { Finding } from './finding.ts';
import { lintTarget, type LintTarget } from './lint-context.ts';
import { lintPair, namedPeer } from './lint-pair.ts';
import { lintSingle, type PeerFacts } from './lint-single.ts';

export interface LintInput {
  file: string;
  config: WgConfig;
}

export interface LintOptions {
  /** Endpoint host names and the addresses to check them as (`--resolve HOST=IP`); nothing is looked up in DNS. */
  resolve?: Readonly<Record<string, string>>;
}

/**
 * Lints wg-quick files: each alone, then every pair that belongs together cross-checked. Two files are
 * always one tunnel's two ends; among more, a pair is two files where one names the other's public key.
 * Findings come sorted by file and line. Values wg-quick would refuse are findings, not errors.
 */
export function lintWgConfigs(inputs: LintInput[], options: LintOptions = {}): Finding[] {
  const targets = inputs.map((input) => lintTarget(input.file, input.config, options.resolve));
  const pairs = pairsOf(targets);
  const partners = (target: LintTarget) => pairs.flatMap(([a, b]) => (a === target ? [b] : b === target ? [a] : []));
  const findings = [
    ...targets.flatMap((target) => lintSingle(target, partners(target).map(factsOf))),
    ...pairs.flatMap(([a, b]) => lintPair(a, b, targets.length > 2)),
  ];
  const order = (finding: Finding) => inputs.findIndex((input) => input.file === finding.file);
  return findings.sort((x, y) => order(x) - order(y) || (x.line ?? 0) - (y.line ?? 0));
}

function pairsOf(targets: LintTarget[]): [LintTarget, LintTarget][] {
  if (targets.length === 2) return [targets as [LintTarget, LintTarget]];
  const pairs: [LintTarget, LintTarget][] = [];
  targets.forEach((a, index) => {
    for (const b of targets.slice(index + 1)) if (namedPeer(a, b) || namedPeer(b, a)) pairs.push([a, b]);
  });
  return pairs;
}

function factsOf(other: LintTarget): PeerFacts {
  return {
    listenPort: other.settings.interface.listenPort?.value,
    wgAddresses: other.settings.interface.addresses.map((address) => address.value),
  };
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'error');
}
