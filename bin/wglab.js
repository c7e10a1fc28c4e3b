#!/usr/bin/env node
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs the compiled CLI (dist/, which `npm ci` and `npm pack` build) when it is current: always in the
// installed package, which holds no TypeScript; in a checkout, only while no file under harness/ is newer than
// the build (its TypeScript, or the scripts the build copies). Otherwise the TypeScript through tsx, so an edit
// takes effect at once.
const early = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
].map(([signal, code]) => {
  const exit = () => process.exit(code);
  process.on(signal, exit);
  return [signal, exit];
});
const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (compiledIsCurrent()) {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../harness/cli/main.ts'));
}
for (const [signal, exit] of early) process.off(signal, exit);
process.exitCode = await main(process.argv.slice(2));

function compiledIsCurrent() {
  if (!existsSync(compiled)) return false;
  const sources = fileURLToPath(new URL('../harness/', import.meta.url));
  if (!existsSync(sources)) return true;
  const built = statSync(fileURLToPath(new URL('../dist/.built', import.meta.url)), { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return false;
  // A file gone between listing and stat (an editor's temporary file) or a dangling link does not count.
  return readdirSync(sources, { recursive: true }).every(
    (name) => (statSync(join(sources, name), { throwIfNoEntry: false })?.mtimeMs ?? 0) <= built,
  );
}
