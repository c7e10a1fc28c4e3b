import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseCidr } from '../net/ip.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { generateConfigs, type KeySource } from './generate-configs.ts';
import { parseWgConfig, splitList } from './parse-wg-config.ts';
import { sectionsOf, type WgConfig } from './wg-config.ts';

/**
 * The wg-quick files a scenario runs with: generated from `tunnel:`, or the user's own from `configs:`.
 * Keyed by endpoint for its wg0, `<endpoint>/<interface>` for any other interface (see configKey).
 */
export function scenarioConfigs(scenario: Scenario, keys?: KeySource): Map<string, WgConfig> {
  if (!scenario.configs) return generateConfigs(scenario, keys);
  return new Map(
    Object.entries(scenario.configs).flatMap(([endpoint, files]) =>
      Object.entries(files).map(([iface, path]) => {
        const shown = relative(process.cwd(), path);
        return [
          configKey(endpoint, iface),
          parseWgConfig(readFileSync(path, 'utf8'), shown.startsWith('..') ? path : shown),
        ] as const;
      }),
    ),
  );
}

/** The key of an interface's config in scenarioConfigs: the endpoint's name for wg0, `<endpoint>/<interface>` otherwise. */
export function configKey(endpoint: string, iface: string): string {
  return iface === 'wg0' ? endpoint : `${endpoint}/${iface}`;
}

/** Where a config of scenarioConfigs lives in a lab node, relative to /etc/wireguard/'s parent: `A/wg0.conf`, `A/wg1.conf`. */
export function configFile(key: string): string {
  const { endpoint, iface } = splitConfigKey(key);
  return `${endpoint}/${iface}.conf`;
}

export function splitConfigKey(key: string): { endpoint: string; iface: string } {
  const [endpoint, iface] = key.split('/');
  return { endpoint: endpoint!, iface: iface ?? 'wg0' };
}

/** The addresses (without prefix) that a file's `Address` lines give its interface. */
export function configAddresses(config: WgConfig): string[] {
  const face = sectionsOf(config).find((section) => section.name === 'Interface');
  return (face?.entries ?? [])
    .filter((entry) => entry.key === 'Address')
    .flatMap((entry) => splitList(entry.value).flatMap((item) => parseCidr(item)?.address ?? []));
}

/** configAddresses of a file on disk; none when it cannot be read or parsed (that is reported elsewhere). */
export function configFileAddresses(path: string): string[] {
  try {
    return configAddresses(parseWgConfig(readFileSync(path, 'utf8'), path));
  } catch {
    return [];
  }
}
