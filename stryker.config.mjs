// Mutation testing of the code that decides outcomes: `npm run mutation` (scripts/mutation.ts) runs Stryker once
// per module, with `mutate` set to that module and the command running its own unit tests through AVA.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  // The command runner cannot tell which test covers which mutant: every mutant runs the module's tests.
  coverageAnalysis: 'off',
  // Messages are pinned by tests where they matter; a mutant that only changes a message's words is not a wrong verdict.
  mutator: { excludedMutations: ['StringLiteral'] },
  checkers: [],
  reporters: ['html', 'json'],
  tempDirName: '.stryker-tmp',
  concurrency: 2,
  // A mutant whose tests outrun this counts as detected (a timeout): generous, so that a busy machine does not pass
  // off a slow survivor as a kill; a true endless loop costs half a minute.
  timeoutMS: 30000,
  logLevel: 'warn',
  // What runs and tests leave in the work tree; none of it is needed by the unit tests.
  ignorePatterns: ['/out', '/artifacts', '/report', '/test-artifacts', '/wglab-report', '/.wglab', '/.scratch'],
};
