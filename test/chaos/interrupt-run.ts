import { execa, type ResultPromise } from 'execa';
import { hostname } from 'node:os';
import { connectEngine } from '../../harness/lab/engine.ts';
import { ownerLabel } from '../../harness/lab/lab-resources.ts';

const root = new URL('../../', import.meta.url).pathname;

/** A line of a Node stack trace, or Node's own report of an uncaught error. */
export const stackTrace = /^\s+at \S|^Node\.js v\d|node:internal\/|Unhandled 'error' event/m;

export interface Interrupted {
  pid: number;
  signal: NodeJS.Signals;
  /** The stderr line that triggered the signal, or `after N s`. */
  when: string;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The run had finished before the signal (it ended on its own). */
  finished: boolean;
}

export interface InterruptOptions {
  args: string[];
  signal: NodeJS.Signals;
  /** Send the signal when a stderr line matches this, or after `afterMs`. */
  at?: RegExp;
  afterMs?: number;
  /** Extra pause after the trigger line (ms). */
  delayMs?: number;
  /** Send the signal a second time this long after the first (a second Ctrl-C during teardown). */
  againAfterMs?: number;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs `wglab ARGS` as a user would and interrupts it at a chosen moment. */
export async function interruptRun(options: InterruptOptions): Promise<Interrupted> {
  const child: ResultPromise = execa('node', ['bin/wglab.js', ...options.args], {
    cwd: root,
    reject: false,
    all: false,
    env: { NO_COLOR: '1', ...options.env },
    timeout: options.timeoutMs ?? 180_000,
    // execa follows a signal with SIGKILL 5 s later by default: a teardown on a busy machine can take longer, and
    // the test must see how wglab itself ends.
    forceKillAfterDelay: false,
  });
  let stderr = '';
  let fired = false;
  let when = '';
  const fire = (reason: string) => {
    if (fired || child.exitCode !== null) return;
    fired = true;
    when = reason;
    child.kill(options.signal);
    if (options.againAfterMs !== undefined) setTimeout(() => child.kill(options.signal), options.againAfterMs);
  };
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!fired && options.at) {
      const line = stderr.split('\n').find((text) => options.at!.test(text));
      if (line) {
        if (options.delayMs) setTimeout(() => fire(line), options.delayMs);
        else fire(line);
      }
    }
  });
  const timer =
    options.afterMs !== undefined
      ? setTimeout(() => fire(`after ${(options.afterMs! / 1000).toFixed(1)} s`), options.afterMs)
      : undefined;
  const result = await child;
  clearTimeout(timer);
  return {
    pid: child.pid!,
    signal: options.signal,
    when,
    // Killed by the signal itself (before wglab could handle it): the shell reports 128 + the signal's number.
    exitCode: result.exitCode ?? (result.signal ? 128 + (signalNumbers[result.signal] ?? 0) : undefined),
    stdout: String(result.stdout),
    stderr: stderr || String(result.stderr),
    // A signal that arrives as the run ends (its summary printed) finds nothing left to interrupt.
    finished: !fired || /\d+ passed, \d+ failed|checks passed, \d+ failed/.test(String(result.stdout)),
  };
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** What is left on the engine of what the process with `pid` made (its owner label). */
export async function leftBy(pid: number): Promise<{ containers: string[]; networks: string[] }> {
  const { dockerode } = await connectEngine();
  const filters = JSON.stringify({ label: [`${ownerLabel}=${hostname()}:${pid}`] });
  const [containers, networks] = await Promise.all([
    dockerode.listContainers({ all: true, filters }),
    dockerode.listNetworks({ filters }),
  ]);
  return {
    containers: containers.map((container) => container.Names[0] ?? container.Id),
    networks: networks.map((network) => network.Name),
  };
}

/** `wglab prune` as a user would run it after kill -9. */
export function prune(env: Record<string, string> = {}) {
  return execa('node', ['bin/wglab.js', 'prune'], { cwd: root, reject: false, env });
}

/** The exit codes an interrupted run may end with: the signal's, or the run's own when it had finished first. */
export function expectedExit(signal: NodeJS.Signals): number[] {
  return signal === 'SIGINT' ? [130] : signal === 'SIGTERM' ? [143] : [];
}
