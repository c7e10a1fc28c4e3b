/** Where long work reports what it is doing: one line per step, on stderr so stdout stays for results. */
export type Progress = (message: string) => void;

export const stderrProgress: Progress = (message) => {
  process.stderr.write(`wglab: ${message}\n`);
};

export const silentProgress: Progress = () => {};
