import { loadScenarioWith, parseScenarioWith } from '../scenario/load-scenario.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { configFileAddresses } from './scenario-configs.ts';

const readers = { configAddresses: configFileAddresses };

/**
 * Reads, parses and validates a scenario file, the wg-quick files its `configs:` names included (the addresses
 * they give); every problem is reported with its file, line and field.
 */
export function loadScenario(file: string): Scenario {
  return loadScenarioWith(file, readers);
}

/** Parses scenario YAML text; `file` names it in messages and anchors relative `configs:` paths. */
export function parseScenario(text: string, file = '<scenario>'): Scenario {
  return parseScenarioWith(text, file, readers);
}
