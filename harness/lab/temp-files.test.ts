import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneTempFiles } from './temp-files.ts';

test('prune removes wglab temporary directories whose owner is gone, with their owner files, and nothing else', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'wglab-temp-test-'));
  for (const [name, owner] of [
    ['wglab-rootfs-gone', 'h:1'],
    ['wglab-rootfs-alive', 'h:2'],
    ['other-rootfs-x', 'h:1'],
  ]) {
    mkdirSync(join(root, name!));
    writeFileSync(join(root, name!, 'file'), 'x');
    writeFileSync(join(root, `${name}.owner`), `${owner}\n`);
  }
  mkdirSync(join(root, 'wglab-no-owner'));
  const removed = await pruneTempFiles(root, (owner) => owner === 'h:1');
  t.deepEqual(removed, [join(root, 'wglab-rootfs-gone')]);
  t.false(existsSync(join(root, 'wglab-rootfs-gone')));
  t.false(existsSync(join(root, 'wglab-rootfs-gone.owner')));
  t.true(existsSync(join(root, 'wglab-rootfs-alive/file')));
  t.true(existsSync(join(root, 'other-rootfs-x/file')));
  t.true(existsSync(join(root, 'wglab-no-owner')));
});
