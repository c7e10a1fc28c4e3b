/** Where long work reports what it is doing: one line per step, on stderr so stdout stays for results. */
export type Progress = (message: string) => void;

export const stderrProgress: Progress = (message) => {
  process.stderr.write(`wglab: ${message}\n`);
};

export const silentProgress: Progress = () => {};

/** Runs `work` and reports how long it took. */
export async function timed<T>(progress: Progress, label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  progress(`${label} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  return result;
}
