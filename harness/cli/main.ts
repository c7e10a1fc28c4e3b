import { Command, CommanderError } from 'commander';
import { WglabError } from '../errors.ts';
import { registerDemo } from './demo-command.ts';
import { registerGenerate } from './generate-command.ts';
import { registerLabCommands } from './lab-commands.ts';
import { registerLint } from './lint-command.ts';
import { registerRun } from './run-command.ts';
import { registerVm } from './vm-command.ts';

/** Runs the CLI and returns its exit code: 0 all good, 1 a check or finding failed, 2 bad input or environment. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('wglab')
    .description('Prove with real packets that a WireGuard transparent tunnel does what its configs claim.')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `wglab: ${text.slice(7)}` : text) })
    .addHelpText('after', `
Examples:
  wglab demo                                  # the article's walkthrough, live, then a report
  wglab run scenarios/article/03-transparent-a-prefix.yaml --report report/
  wglab generate scenarios/article/03-transparent-a-prefix.yaml --out out/
  wglab lint out/A/wg0.conf out/B/wg0.conf
  wglab lint scenarios/article/07-snat-on-a.yaml --json
  LAB=$(wglab up scenarios/article/03-transparent-a-prefix.yaml | tail -1)
  wglab exec --lab $LAB A -- curl -s https://app.example.com/
  wglab down --lab $LAB

Environment: WGLAB_WIREGUARD=kernel|userspace|auto, WGLAB_IMAGE=<tag>, DOCKER_HOST.
Exit codes: 0 all good, 1 a check or lint finding failed, 2 bad input or environment not ready.`);
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  registerGenerate(program, setExit);
  registerLint(program, setExit);
  registerRun(program, setExit);
  registerDemo(program, setExit);
  registerLabCommands(program, setExit);
  registerVm(program, setExit);
  program.commands.forEach((command) => command.exitOverride().showSuggestionAfterError(true));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    if (error instanceof WglabError) {
      process.stderr.write(`${error.format()}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
