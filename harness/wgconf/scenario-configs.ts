import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Scenario } from '../scenario/scenario.ts';
import { generateConfigs, type KeySource } from './generate-configs.ts';
import { parseWgConfig } from './parse-wg-config.ts';
import type { WgConfig } from './wg-config.ts';

/** The wg-quick files a scenario runs with: generated from `tunnel:`, or the user's own from `configs:`. */
export function scenarioConfigs(scenario: Scenario, keys?: KeySource): Map<string, WgConfig> {
  if (!scenario.configs) return generateConfigs(scenario, keys);
  return new Map(Object.entries(scenario.configs).map(([endpoint, path]) => {
    const shown = relative(process.cwd(), path);
    return [endpoint, parseWgConfig(readFileSync(path, 'utf8'), shown.startsWith('..') ? path : shown)];
  }));
}
