// Unit tests sit beside the code (harness/**); suites that run labs and the CLI live under test/.
export default {
  files: ['harness/**/*.test.ts', 'test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '5m',
  workerThreads: false,
};
