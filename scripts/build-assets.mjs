// After tsc (npm run build): the files under harness/ that are not TypeScript (the VM's disk recipe and guest
// scripts) go beside the compiled code in dist/, with their modes, since the code reads them next to itself;
// then dist/.built stamps the build, which bin/wglab.js compares with the sources.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;
for (const name of readdirSync(join(root, 'harness'), { recursive: true })) {
  const source = join(root, 'harness', name);
  if (name.endsWith('.ts') || !statSync(source).isFile()) continue;
  const target = join(root, 'dist', name);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  chmodSync(target, statSync(source).mode & 0o7777);
}
writeFileSync(join(root, 'dist', '.built'), '');
