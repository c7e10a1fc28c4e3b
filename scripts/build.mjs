// npm run build: tsc into dist/, then the files under harness/ that are not TypeScript (the VM's disk recipe and
// guest scripts) beside the compiled code, with their modes, since the code reads them next to itself; then
// dist/.built, dated when the build began, which bin/wglab.js compares with the sources (a file saved while tsc
// ran is newer than that, so the CLI runs the sources until the next build).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;
const began = new Date();
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  { stdio: 'inherit' },
);
for (const name of readdirSync(join(root, 'harness'), { recursive: true })) {
  const source = join(root, 'harness', name);
  if (name.endsWith('.ts') || !statSync(source).isFile()) continue;
  const target = join(root, 'dist', name);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  chmodSync(target, statSync(source).mode & 0o7777);
}
const stamp = join(root, 'dist', '.built');
writeFileSync(stamp, '');
utimesSync(stamp, began, began);
