import type { Command } from 'commander';
import { generate, generatedPaths } from '../api/generate.ts';
import { loadScenario } from '../wgconf/load-scenario.ts';

export function registerGenerate(program: Command, setExit: (code: number) => void): void {
  program
    .command('generate')
    .description(
      'write DIR/<endpoint>/<interface>.conf (mode 0600) for each WireGuard interface of a scenario, with fresh keys',
    )
    .argument('<scenario>', 'scenario YAML file')
    .requiredOption('-o, --out <dir>', 'directory to write into')
    .addHelpText('after', '\nExample:\n  wglab generate scenarios/article/03-transparent-a-prefix.yaml --out out/')
    .action((file: string, options: { out: string }) => {
      const scenario = loadScenario(file);
      const configs = generate(scenario, { outDir: options.out });
      if (Object.keys(configs).length === 0) process.stdout.write(`${scenario.name}: no tunnel, nothing to write\n`);
      for (const path of generatedPaths(configs, options.out)) process.stdout.write(`${path}\n`);
      setExit(0);
    });
}
