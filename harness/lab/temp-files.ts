import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerIsGone } from './lab-resources.ts';

/** Temporary files wglab makes on the host start with this, and carry an owner file naming their process. */
const prefix = 'wglab-';
const ownerSuffix = '.owner';

/** A temporary directory `wglab-<what>-XXXXXX` with `<dir>.owner` beside it, so prune can tell a leftover. */
export function makeOwnedTempDir(what: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${what}-`));
  writeFileSync(`${dir}${ownerSuffix}`, `${hostname()}:${process.pid}\n`);
  return dir;
}

/** Writes the owner file of a path wglab made some other way (a lock directory). */
export function markOwned(path: string): void {
  writeFileSync(`${path}${ownerSuffix}`, `${hostname()}:${process.pid}\n`);
}

/** Unmounts whatever is mounted below `dir` (debootstrap mounts /proc in its target), then removes it and its owner file. */
export async function removeOwnedTempDir(dir: string): Promise<void> {
  const mounts = existsSync('/proc/mounts')
    ? readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[1] ?? '')
        .filter((point) => point === dir || point.startsWith(`${dir}/`))
    : [];
  for (const point of mounts.sort((a, b) => b.length - a.length)) {
    const { execa } = await import('execa'); // loaded only when there is something to unmount
    await execa('umount', ['-l', point], { reject: false });
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}${ownerSuffix}`, { force: true });
}

/** Removes wglab's temporary files whose owner process is gone; returns their paths. */
export async function pruneTempFiles(
  root = tmpdir(),
  gone: (owner: string) => boolean = ownerIsGone,
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith(prefix) || !name.endsWith(ownerSuffix)) continue;
    const owner = readFileSync(join(root, name), 'utf8').trim();
    if (!gone(owner)) continue;
    const path = join(root, name.slice(0, -ownerSuffix.length));
    await removeOwnedTempDir(path);
    removed.push(path);
  }
  return removed;
}
