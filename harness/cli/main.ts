import { Command, CommanderError } from 'commander';
import { handleSignals, interrupted, requestShutdown, shutdownFinished } from '../api/progress.ts';
import { describeError } from './describe-error.ts';
import { registerDemo } from './demo-command.ts';
import { registerDiff } from './diff-command.ts';
import { registerExplain } from './explain-command.ts';
import { registerGenerate } from './generate-command.ts';
import { registerLabCommands } from './lab-commands.ts';
import { registerLint } from './lint-command.ts';
import { registerMergeReports } from './merge-reports-command.ts';
import { registerRun } from './run-command.ts';
import { registerVm } from './vm-command.ts';

/** Runs the CLI and returns its exit code: 0 all good, 1 a check or finding failed, 2 bad input or environment. */
export async function main(argv: string[]): Promise<number> {
  guardProcess();
  const program = new Command('wglab')
    .description('Prove with real packets that a WireGuard transparent tunnel does what its configs claim.')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `wglab: ${text.slice(7)}` : text),
    })
    .addHelpText(
      'after',
      `
Examples:
  wglab demo                                  # the article's walkthrough, live, then a report
  wglab run scenarios/article/03-transparent-a-prefix.yaml --report report/
  wglab run scenarios/article/*.yaml --shard 1/2 --report shard-1/   # this machine's half of the scenarios
  wglab merge-reports shard-1/ shard-2/ --out report/                # the shards' reports joined into one
  wglab generate scenarios/article/03-transparent-a-prefix.yaml --out out/
  wglab lint out/A/wg0.conf out/B/wg0.conf
  wglab lint scenarios/article/07-snat-on-a.yaml --json
  wglab explain scenarios/article/03-transparent-a-prefix.yaml   # predictions from the configs, no lab
  LAB=$(wglab up scenarios/article/03-transparent-a-prefix.yaml | tail -1)
  wglab exec --lab $LAB A -- curl -s https://app.example.com/
  wglab down --lab $LAB

Environment: WGLAB_WIREGUARD=kernel|userspace|auto, WGLAB_IMAGE=<tag>, DOCKER_HOST, WGLAB_ENGINES=URL,URL.
Exit codes: 0 all good, 1 a check or lint finding failed, 2 bad input or environment not ready.`,
    );
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  registerGenerate(program, setExit);
  registerLint(program, setExit);
  registerExplain(program, setExit);
  registerRun(program, setExit);
  registerDemo(program, setExit);
  registerLabCommands(program, setExit);
  registerDiff(program, setExit);
  registerMergeReports(program, setExit);
  registerVm(program, setExit);
  program.commands.forEach((command) => command.exitOverride().showSuggestionAfterError(true));
  try {
    await program.parseAsync(argv, { from: 'user' });
    await afterInterrupt();
    return exitCode;
  } catch (error) {
    // Interrupted: what failed after the signal is its consequence; the shutdown prints, tears down and exits.
    await afterInterrupt();
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    const report = describeError(error);
    process.stderr.write(`${report.text}\n`);
    return report.exitCode;
  }
}

/** When a stop has begun, waits for it: it ends the process with the signal's exit code. */
async function afterInterrupt(): Promise<void> {
  if (interrupted()) await shutdownFinished();
}

let guarded = false;

/**
 * Signals tear labs down and exit 130/143; a closed stdout or stderr (`wglab ... | head`) ends the process
 * quietly, labs torn down, as git does; anything thrown outside a command prints one line, not a trace.
 */
function guardProcess(): void {
  if (guarded) return;
  guarded = true;
  handleSignals();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') void requestShutdown('output closed', 141);
      else void fail(error);
    });
  }
  const fail = async (error: unknown) => {
    if (interrupted()) return;
    process.stderr.write(`${describeError(error).text}\n`);
    process.exitCode = describeError(error).exitCode;
    await requestShutdown('an unexpected error', describeError(error).exitCode);
  };
  process.on('uncaughtException', (error) => void fail(error));
  process.on('unhandledRejection', (error) => void fail(error));
}
