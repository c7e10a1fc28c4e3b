#!/usr/bin/env node
import { existsSync } from 'node:fs';

// Runs the compiled CLI (dist/, which only the packed package has: `npm pack` builds it and removes it after)
// when present; in a checkout, the TypeScript through tsx, so `npx wglab` works right after `npm ci`.
// A signal while the CLI is still loading has nothing to tear down: exit as the shell would report it.
const early = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]].map(([signal, code]) => {
  const exit = () => process.exit(code);
  process.on(signal, exit);
  return [signal, exit];
});
const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../harness/cli/main.ts'));
}
for (const [signal, exit] of early) process.off(signal, exit);
process.exitCode = await main(process.argv.slice(2));
