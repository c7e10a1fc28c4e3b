import { readFileSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import type { Finding } from '../wgconf/lint/finding.ts';
import { lintWgConfigs, type LintInput } from '../wgconf/lint/lint-wg-configs.ts';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';

export interface LintOptions {
  /** Addresses for host names in Endpoint = (`{ 'vpn.example.com': '203.0.113.2' }`), as `wglab lint --resolve HOST=IP`. */
  resolve?: Record<string, string>;
}

/**
 * Lints one wg-quick file, the two ends of one tunnel (then also cross-checked), or the configs of one
 * scenario YAML, as `wglab lint --json` does. Throws WglabError when a file cannot be read or parsed.
 */
export function lint(files: string[], options: LintOptions = {}): { findings: Finding[] } {
  void options.resolve; // taken by the lint rules once they look up host names; accepted now so callers need no change
  return { findings: lintWgConfigs(readLintInputs(files)) };
}

function readLintInputs(files: string[]): LintInput[] {
  if (files.length === 0) throw new WglabError('no file to lint', { hint: 'give one or two wg-quick files, or a scenario YAML' });
  if (files.length === 1 && /\.ya?ml$/i.test(files[0]!)) {
    const configs = scenarioConfigs(loadScenario(files[0]!));
    if (configs.size === 0) throw new WglabError(`${files[0]} has no tunnel and no configs: nothing to lint`, { hint: 'add tunnel: or configs: to the scenario' });
    return [...configs].map(([endpoint, config]) => ({ file: config.file ?? `${endpoint}/wg0.conf`, config }));
  }
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new WglabError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { location: { file }, hint: 'check the path' });
    }
    return { file, config: parseWgConfig(text, file) };
  });
}
