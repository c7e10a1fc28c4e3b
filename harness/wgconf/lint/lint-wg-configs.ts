import type { WgConfig } from '../wg-config.ts';
import type { Finding } from './finding.ts';
import { lintTarget } from './lint-context.ts';
import { lintPair } from './lint-pair.ts';
import { lintSingle } from './lint-single.ts';

export interface LintInput {
  file: string;
  config: WgConfig;
}

/**
 * Lints one wg-quick file, or the two ends of one tunnel (then also cross-checked).
 * Findings come sorted by file and line; a file whose values wg-quick would refuse throws.
 */
export function lintWgConfigs(inputs: LintInput[]): Finding[] {
  const targets = inputs.map((input) => lintTarget(input.file, input.config));
  const findings: Finding[] = [];
  if (targets.length === 2) {
    const [a, b] = targets as [ReturnType<typeof lintTarget>, ReturnType<typeof lintTarget>];
    const facts = (other: typeof a) => ({
      listenPort: other.settings.interface.listenPort?.value,
      wgAddresses: other.settings.interface.addresses.map((address) => address.value),
    });
    findings.push(...lintSingle(a, facts(b)), ...lintSingle(b, facts(a)), ...lintPair(a, b));
  } else {
    for (const target of targets) findings.push(...lintSingle(target));
  }
  return findings.sort((x, y) => inputs.findIndex((input) => input.file === x.file) - inputs.findIndex((input) => input.file === y.file) || (x.line ?? 0) - (y.line ?? 0));
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'error');
}
