import { WglabError } from '../errors.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { estimatedCheckMs } from './run-order.ts';

// Which scenarios each of N machines runs (`wglab run --shard I/N`). The split is made here, from the scenarios
// alone, so every machine that reads the same files makes the same one.

/** One part of a split: `index` of `total`, both counted from 1, as `--shard 2/3` writes them. */
export interface Shard {
  index: number;
  total: number;
}

/**
 * Splits scenarios into `total` shards of about equal expected cost (run-order's `estimatedCheckMs`): the
 * scenarios sorted by cost, highest first, then by name, each goes to the shard with the least cost so far (on a
 * tie the lowest index). The order the scenarios are given in does not matter; names are compared by code unit,
 * not by locale, so every machine sorts alike. Each shard keeps its scenarios in the order they were given.
 * Every scenario lands in exactly one shard; with fewer scenarios than shards, the last shards are empty.
 */
export function shardScenarios<T extends Scenario>(scenarios: readonly T[], total: number): T[][] {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`shard total must be a whole number ≥ 1: ${total}`);
  const cost = new Map(scenarios.map((scenario) => [scenario, estimatedCheckMs(scenario)]));
  const byCost = [...scenarios].sort(
    (a, b) => cost.get(b)! - cost.get(a)! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const loads = Array.from({ length: total }, () => 0);
  const shardOf = new Map<T, number>();
  for (const scenario of byCost) {
    const least = loads.indexOf(Math.min(...loads));
    shardOf.set(scenario, least);
    loads[least]! += cost.get(scenario)!;
  }
  return loads.map((_, shard) => scenarios.filter((scenario) => shardOf.get(scenario) === shard));
}

/** The scenarios of one shard: `shardScenarios(scenarios, shard.total)[shard.index - 1]`. */
export function scenariosOfShard<T extends Scenario>(scenarios: readonly T[], shard: Shard): T[] {
  return shardScenarios(scenarios, shard.total)[shard.index - 1]!;
}

/** `2/3` -> `{ index: 2, total: 3 }`; anything but whole numbers with 1 ≤ I ≤ N is a WglabError (exit 2). */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(total) || index < 1 || index > total)
    throw new WglabError(`--shard takes I/N, whole numbers with 1 ≤ I ≤ N, not ${text}`, {
      hint: 'e.g. --shard 1/3, --shard 2/3 and --shard 3/3 on three machines, each given the same files',
    });
  return { index, total };
}

/** `2/3` */
export const shardText = (shard: Shard) => `${shard.index}/${shard.total}`;
