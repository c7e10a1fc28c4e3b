/** Splitting a suite over machines (`wglab run --shard I/N`): deterministic, balanced by expected cost. */
export { parseShard, scenariosOfShard, shardScenarios, shardText, type Shard } from '../verify/shard-scenarios.ts';
