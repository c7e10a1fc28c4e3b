import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../scenario/scenario.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import { serializeWgConfig } from '../wgconf/serialize-wg-config.ts';

/**
 * The wg-quick file of each WireGuard endpoint (generated from `tunnel:` with fresh keys, or the scenario's
 * own `configs:`), by endpoint name. With `outDir`, also written to `<outDir>/<endpoint>/wg0.conf` (mode 0600).
 */
export function generate(scenario: Scenario, options: { outDir?: string } = {}): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const [endpoint, config] of scenarioConfigs(scenario)) {
    const text = serializeWgConfig(config);
    configs[endpoint] = text;
    if (options.outDir) {
      const dir = join(options.outDir, endpoint);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, 'wg0.conf'), text, { mode: 0o600 });
      chmodSync(join(dir, 'wg0.conf'), 0o600);
    }
  }
  return configs;
}
