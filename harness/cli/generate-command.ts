import type { Command } from 'commander';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../scenario/load-scenario.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import { serializeWgConfig } from '../wgconf/serialize-wg-config.ts';

export function registerGenerate(program: Command, setExit: (code: number) => void): void {
  program
    .command('generate')
    .description('write DIR/<endpoint>/wg0.conf (mode 0600) for each WireGuard endpoint of a scenario, with fresh keys')
    .argument('<scenario>', 'scenario YAML file')
    .requiredOption('-o, --out <dir>', 'directory to write into')
    .addHelpText('after', '\nExample:\n  wglab generate scenarios/article/03-transparent-a-prefix.yaml --out out/')
    .action((file: string, options: { out: string }) => {
      const scenario = loadScenario(file);
      const configs = scenarioConfigs(scenario);
      if (configs.size === 0) process.stdout.write(`${scenario.name}: no tunnel, nothing to write\n`);
      for (const [endpoint, config] of configs) {
        const dir = join(options.out, endpoint);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const path = join(dir, 'wg0.conf');
        writeFileSync(path, serializeWgConfig(config), { mode: 0o600 });
        chmodSync(path, 0o600);
        process.stdout.write(`${path}\n`);
      }
      setExit(0);
    });
}
