import type { Scenario } from '../scenario/scenario.ts';
import type { KeySource } from '../wgconf/generate-configs.ts';
import type { Finding } from '../wgconf/lint/finding.ts';
import { lintWgConfigs } from '../wgconf/lint/lint-wg-configs.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';

/**
 * Lint's findings on the configs a scenario runs with. The lab is the judge: a config with findings still runs,
 * and its findings are shown first and kept in the report beside what the packets showed. Host names in
 * Endpoint are checked as the scenario's endpoints that carry them (served names and `names:`).
 */
export function lintScenario(scenario: Scenario, keys?: KeySource): Finding[] {
  const configs = scenarioConfigs(scenario, keys);
  if (configs.size === 0) return [];
  const resolve: Record<string, string> = {};
  for (const endpoint of Object.values(scenario.endpoints)) {
    const named = endpoint as { serves?: string; names?: string[]; publicIp: unknown };
    const address = Array.isArray(named.publicIp) ? String(named.publicIp[0]) : String(named.publicIp);
    for (const name of [...(named.serves ? [named.serves] : []), ...(named.names ?? [])]) resolve[name] = address;
  }
  return lintWgConfigs([...configs].map(([endpoint, config]) => ({ file: config.file ?? `${endpoint}/wg0.conf`, config })), { resolve });
}
