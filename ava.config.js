// Unit tests sit beside the code (harness/**); lab tests live with the scenarios they run.
export default {
  files: ['harness/**/*.test.ts', 'scenarios/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '5m',
  workerThreads: false,
};
