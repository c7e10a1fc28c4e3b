import { WglabError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { EngineGoneError, isEngineConnectionError } from './engine-gone.ts';
import { removeLab } from './lab-resources.ts';
import { silentProgress, type Progress } from './progress.ts';
import { registerTeardown } from './shutdown.ts';

/** Work asked of a lab that is being torn down. */
export class LabClosedError extends WglabError {
  constructor(id: string) {
    super(`lab ${id} is being torn down`, { hint: 'nothing more can run in it' });
    this.name = 'LabClosedError';
  }
}

/** How long teardown waits for work that is creating resources (a container being started) to settle. */
const settleSeconds = 60;

/**
 * The one owner of a lab's teardown, made before the lab's first resource. Work that creates resources runs
 * through `track` (refused once teardown has begun, awaited by it), so nothing appears after the removal
 * listed what to remove. `run` is idempotent: the normal path, a failure and a signal all await the same
 * promise, which stops in-flight work (closers: the node shells), waits for creations to settle, then removes
 * containers before networks.
 */
export class LabTeardown {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly closers: (() => void)[] = [];
  private readonly unregister: () => void;
  private done?: Promise<void>;
  private closingNow = false;

  constructor(
    private readonly engine: Engine,
    readonly id: string,
    private readonly progress: Progress = silentProgress,
  ) {
    this.unregister = registerTeardown({ what: `lab ${id}`, run: () => this.run() });
  }

  get closing(): boolean {
    return this.closingNow;
  }

  /** Runs work that creates lab resources, unless teardown has begun. */
  track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closingNow) return Promise.reject(new LabClosedError(this.id));
    const promise = work();
    this.inflight.add(promise);
    const settled = () => {
      this.inflight.delete(promise);
    };
    promise.then(settled, settled);
    return promise;
  }

  /** Something to stop first when teardown begins (in-flight command sessions). */
  onClose(closer: () => void): void {
    if (this.closingNow) closer();
    else this.closers.push(closer);
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      this.closingNow = true;
      for (const closer of this.closers.splice(0)) {
        try {
          closer();
        } catch {
          // a session that is already gone
        }
      }
      const pending = [...this.inflight];
      if (pending.length > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled(pending),
          new Promise((resolve) => {
            timer = setTimeout(resolve, settleSeconds * 1000);
          }),
        ]);
        clearTimeout(timer);
      }
      this.progress(`${this.id}: tearing down`);
      await removeLab(this.engine, this.id).catch((error: unknown) => {
        throw isEngineConnectionError(error) ? new EngineGoneError(error, this.engine.name) : error;
      });
    })().finally(this.unregister);
    return this.done;
  }
}
