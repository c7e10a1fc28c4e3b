#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx wglab` works right after `npm ci` with no build step.
// A signal while the CLI is still loading has nothing to tear down: exit as the shell would report it.
const early = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]].map(([signal, code]) => {
  const exit = () => process.exit(code);
  process.on(signal, exit);
  return [signal, exit];
});
const { register } = await import('tsx/esm/api');

register();
const { main } = await import('../harness/cli/main.ts');
for (const [signal, exit] of early) process.off(signal, exit);
process.exitCode = await main(process.argv.slice(2));
