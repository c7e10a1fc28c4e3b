import { firstLine, WglabError } from '../errors.ts';

/**
 * The process's one shutdown path. Whoever creates something that must not outlive the process (a lab, an
 * image build's temporary root) registers its teardown here, once, and keeps owning it: the normal path and
 * a signal both end up awaiting that same teardown, so they never race. A signal (or a closed stdout) asks
 * every owner to tear down, waits for all of them, and exits with the signal's code; a second signal only
 * says that cleanup is still running.
 */
export interface Teardown {
  /** What is torn down, for messages (`lab wglab-x-1a2b3c`). */
  what: string;
  /** Idempotent: the owner's own teardown promise. */
  run(): Promise<void>;
}

export interface Interruption {
  reason: string;
  exitCode: number;
}

const owners = new Set<Teardown>();
let interruption: Interruption | undefined;
let shutdown: Promise<void> | undefined;
let installed = false;
const write: (text: string) => void = (text) => {
  process.stderr.write(text);
};

const signals = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;

/** The process was asked to stop: new work must not start. */
export class InterruptedError extends WglabError {
  constructor(reason: string) {
    super(`interrupted (${reason})`, { hint: 'nothing was left running; run again when you are ready' });
    this.name = 'InterruptedError';
  }
}

/** Registers a teardown to run if the process is asked to stop; returns its unregistration. Throws once a stop has begun. */
export function registerTeardown(teardown: Teardown): () => void {
  if (interruption) throw new InterruptedError(interruption.reason);
  installHandlers();
  owners.add(teardown);
  return () => {
    owners.delete(teardown);
  };
}

/** Set once the process has been asked to stop (signal or closed output). */
export function interrupted(): Interruption | undefined {
  return interruption;
}

/** Throws InterruptedError when a stop has begun: call before starting work that creates resources. */
export function throwIfInterrupted(): void {
  if (interruption) throw new InterruptedError(interruption.reason);
}

/**
 * Asks every owner to tear down, then exits with `exitCode`. The first request wins; later ones (a second
 * Ctrl-C) say that cleanup is still running instead of abandoning it.
 */
export function requestShutdown(reason: string, exitCode: number): Promise<void> {
  if (interruption) {
    if (owners.size > 0 && reason.startsWith('SIG'))
      write(
        `wglab: ${reason}: still cleaning up ${describeOwners()}; wait for it (after kill -9, wglab prune removes what is left)\n`,
      );
    return shutdown!;
  }
  interruption = { reason, exitCode };
  if (owners.size > 0) write(`wglab: ${reason}: tearing down ${describeOwners()}\n`);
  shutdown = (async () => {
    const failures: string[] = [];
    // Owners registered while others are torn down (a lab that was being started) are torn down too.
    while (owners.size > 0) {
      const batch = [...owners];
      const results = await Promise.allSettled(batch.map((owner) => owner.run()));
      for (const [index, result] of results.entries()) {
        owners.delete(batch[index]!);
        if (result.status === 'rejected') failures.push(`${batch[index]!.what}: ${firstLine(result.reason)}`);
      }
    }
    for (const failure of failures)
      write(`wglab: could not tear down ${failure}\n  hint: when the Docker engine answers again, run: wglab prune\n`);
    process.exit(failures.length > 0 && exitCode === 0 ? 2 : exitCode);
  })();
  return shutdown;
}

/** Waits for a shutdown that has begun (it ends the process); resolves at once when there is none. */
export function shutdownFinished(): Promise<void> {
  return shutdown ?? Promise.resolve();
}

function describeOwners(): string {
  const names = [...owners].map((owner) => owner.what);
  const labs = names.filter((name) => name.startsWith('lab ')).map((name) => name.slice(4));
  const others = names.filter((name) => !name.startsWith('lab '));
  const parts = [
    ...(labs.length > 0 ? [`${labs.length} ${labs.length === 1 ? 'lab' : 'labs'} (${labs.join(', ')})`] : []),
    ...others,
  ];
  return parts.join(' and ');
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of signals) process.on(signal, () => void requestShutdown(signal, code));
}

/** Installs the signal handlers now (the CLI does, so an interrupt before the first lab still exits cleanly). */
export function handleSignals(): void {
  installHandlers();
}
