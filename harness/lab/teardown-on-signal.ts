/** Teardowns to run if the process is told to stop (Ctrl-C, SIGTERM) before they ran on their own. */
const pending = new Set<() => Promise<void>>();
let installed = false;

export function tearDownOnSignal(teardown: () => Promise<void>): () => void {
  pending.add(teardown);
  if (!installed) {
    installed = true;
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      process.once(signal, () => {
        process.stderr.write(`wglab: ${signal}: tearing down ${pending.size} lab(s)\n`);
        void Promise.allSettled([...pending].map((run) => run())).then(() => process.exit(code));
      });
    }
  }
  return () => pending.delete(teardown);
}
