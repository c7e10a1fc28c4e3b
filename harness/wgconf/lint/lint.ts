import { readFileSync } from 'node:fs';
import { WglabError } from '../../errors.ts';
import { isIpAddress } from '../../net/ip.ts';
import { loadScenario } from '../load-scenario.ts';
import { parseWgConfig } from '../parse-wg-config.ts';
import type { Scenario } from '../../scenario/scenario.ts';
import { configFile, scenarioConfigs } from '../scenario-configs.ts';
import type { WgConfig } from '../wg-config.ts';
import { serializeWgConfig } from '../serialize-wg-config.ts';
import type { Finding } from './finding.ts';
import { lintWgConfigs, type LintInput, type LintOptions } from './lint-wg-configs.ts';

export type { Finding } from './finding.ts';
export { hasErrors, lintWgConfigs, type LintInput, type LintOptions } from './lint-wg-configs.ts';

/**
 * Lints wg-quick files by path (any number: each alone, and every pair that names each other's keys
 * cross-checked), or the configs one scenario YAML runs with. A file that cannot be read or parsed throws a
 * WglabError (exit 2); everything else, placeholder keys included, is a finding.
 */
export function lint(files: string[], options: LintOptions = {}): { findings: Finding[]; files: string[] } {
  if (files.length === 1 && /\.ya?ml$/i.test(files[0]!)) {
    const scenario = loadScenario(files[0]!);
    const configs = scenarioConfigs(scenario);
    if (configs.size === 0)
      throw new WglabError(`${files[0]} has no tunnel and no configs: nothing to lint`, {
        hint: 'add tunnel: or configs: to the scenario',
      });
    const inputs = scenarioLintInputs(configs);
    return { findings: lintScenario(scenario, configs, options), files: inputs.map((input) => input.file) };
  }
  const inputs = readLintInputs(files);
  return { findings: lintWgConfigs(inputs, options), files: inputs.map((input) => input.file) };
}

/**
 * Lint's findings on the configs a scenario runs with (generated ones get the line numbers of the file the lab
 * installs). Host names in Endpoint are checked as the scenario's endpoints that carry them (`serves`, `names`).
 */
export function lintScenario(
  scenario: Scenario,
  configs: Map<string, WgConfig> = scenarioConfigs(scenario),
  options: LintOptions = {},
): Finding[] {
  const resolve: Record<string, string> = {};
  for (const endpoint of Object.values(scenario.endpoints)) {
    for (const name of [...(endpoint.serves ? [endpoint.serves] : []), ...endpoint.names])
      resolve[name] = endpoint.publicIp;
  }
  return lintWgConfigs(scenarioLintInputs(configs), { resolve: { ...resolve, ...options.resolve } });
}

/** A scenario's configs as lint inputs: hand-written files by their path, generated ones as `<endpoint>/<iface>.conf`. */
function scenarioLintInputs(configs: Map<string, WgConfig>): LintInput[] {
  return [...configs].map(([key, config]) => {
    const file = config.file ?? configFile(key);
    return { file, config: config.file ? config : parseWgConfig(serializeWgConfig(config), file) };
  });
}

/** wg-quick files by path, read and parsed; one that cannot be read or parsed throws a WglabError. */
export function readLintInputs(files: string[]): LintInput[] {
  if (files.length === 0)
    throw new WglabError('no file to lint', { hint: 'give one or more wg-quick files, or a scenario YAML' });
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new WglabError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        location: { file },
        hint: 'check the path',
      });
    }
    return { file, config: parseWgConfig(text, file) };
  });
}

/** Reads `HOST=IP` pairs as `--resolve` takes them. */
export function parseResolve(pairs: readonly string[]): Record<string, string> {
  const resolve: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([^=\s]+)=(\S+)$/.exec(pair);
    if (!match || !isIpAddress(match[2]!))
      throw new WglabError(`--resolve ${pair} is not HOST=IP`, { hint: 'e.g. --resolve vpn.example.net=203.0.113.2' });
    resolve[match[1]!] = match[2]!;
  }
  return resolve;
}
