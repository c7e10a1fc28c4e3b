import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Scenario } from '../scenario/scenario.ts';
import { configFile, scenarioConfigs } from '../wgconf/scenario-configs.ts';
import { serializeWgConfig } from '../wgconf/serialize-wg-config.ts';

/**
 * The wg-quick file of each WireGuard interface (generated from `tunnel:` with fresh keys, or the scenario's own
 * `configs:`), keyed by endpoint name for wg0 and `<endpoint>/<interface>` for any other. With `outDir`, also
 * written to `<outDir>/<endpoint>/<interface>.conf` (mode 0600, directories 0700).
 */
export function generate(scenario: Scenario, options: { outDir?: string } = {}): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const [key, config] of scenarioConfigs(scenario)) {
    const text = serializeWgConfig(config);
    configs[key] = text;
    if (options.outDir) {
      const path = join(options.outDir, configFile(key));
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, text, { mode: 0o600 });
      chmodSync(path, 0o600);
    }
  }
  return configs;
}

/** Where generate writes each file under `outDir`, in the same order as its result. */
export function generatedPaths(configs: Record<string, string>, outDir: string): string[] {
  return Object.keys(configs).map((key) => join(outDir, configFile(key)));
}
