import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WglabError } from '../errors.ts';
import { findAptMirror } from '../lab/apt-mirror.ts';
import type { Progress } from '../lab/progress.ts';
import { vmCacheDir } from './vm-paths.ts';

const recipeDir = new URL('./', import.meta.url).pathname;
const recipeFiles = ['build-disk.sh', 'guest/initramfs-init', 'guest/wglab-init'];
const kernelMetaPackage = 'linux-image-cloud-amd64';

/** A built VM: kernel, initramfs and root disk in one cache directory. */
export interface VmDisk {
  dir: string;
  kernelVersion: string;
  built: boolean;
  seconds: number;
}

/** The Debian kernel package the VM boots: WGLAB_VM_KERNEL, else what the cloud kernel meta-package depends on. */
export async function vmKernelPackage(): Promise<string> {
  if (process.env.WGLAB_VM_KERNEL) return process.env.WGLAB_VM_KERNEL;
  const { execa } = await import('execa'); // loaded only for the VM
  const result = await execa('apt-cache', ['depends', kernelMetaPackage], { reject: false });
  const found = /Depends: (linux-image-\S+)/.exec(result.stdout)?.[1];
  if (!found) {
    throw new WglabError(`apt knows no ${kernelMetaPackage} to build the VM from`, {
      hint: 'run apt-get update on a Debian or Ubuntu host, or name a kernel package with WGLAB_VM_KERNEL=linux-image-…',
    });
  }
  return found;
}

/** The cache key: the recipe's content and the kernel package, so a changed recipe or a new kernel builds anew. */
export function vmDiskKey(kernelPackage: string): string {
  const hash = createHash('sha256').update(kernelPackage);
  for (const file of recipeFiles) hash.update(file).update(readFileSync(join(recipeDir, file)));
  return hash.digest('hex').slice(0, 12);
}

/** Builds the VM once (as root, from the host's apt sources) and returns where it is. */
export async function ensureVmDisk(progress: Progress): Promise<VmDisk> {
  const { execa } = await import('execa'); // loaded only for the VM
  const start = performance.now();
  const kernelPackage = await vmKernelPackage();
  const dir = join(vmCacheDir(), `disk-${vmDiskKey(kernelPackage)}`);
  const done = () => ({
    dir,
    kernelVersion: readFileSync(join(dir, 'kernel-version'), 'utf8').trim(),
    seconds: (performance.now() - start) / 1000,
  });
  if (existsSync(join(dir, 'disk.img'))) return { ...done(), built: false };
  if (process.getuid?.() !== 0)
    throw new WglabError('building the VM disk needs root (debootstrap, apt-get download)', {
      hint: 'run `sudo npx wglab vm up` once; later runs reuse the disk',
    });
  const mirror = findAptMirror('bookworm');
  if (!mirror)
    throw new WglabError("the host's apt sources name no Debian bookworm archive to build the VM from", {
      hint: 'add a bookworm source to /etc/apt/sources.list.d/, or build on a Debian 12 host',
    });
  for (const tool of ['debootstrap', 'mkfs.ext4', 'cpio', 'depmod']) {
    if (
      (
        await execa('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool} || test -x /sbin/${tool}`], {
          reject: false,
        })
      ).exitCode !== 0
    ) {
      throw new WglabError(`building the VM needs ${tool}`, {
        hint: 'run `npm run setup:host` (installs qemu-system-x86, debootstrap, e2fsprogs, cpio, kmod)',
      });
    }
  }
  mkdirSync(vmCacheDir(), { recursive: true });
  const lock = `${dir}.lock`;
  while (!tryLock(lock)) {
    progress('waiting for another wglab process building the VM');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    if (existsSync(join(dir, 'disk.img'))) return { ...done(), built: false };
  }
  try {
    progress(`building the VM (once): ${kernelPackage}, Debian bookworm with Docker, from ${mirror.uri}`);
    const child = execa('bash', [join(recipeDir, 'build-disk.sh'), dir, kernelPackage, mirror.uri], {
      reject: false,
      stderr: 'pipe',
      stdout: 'ignore',
    });
    const lines: string[] = [];
    for await (const line of child.iterable({ from: 'stderr' })) {
      const text = String(line);
      lines.push(text);
      if (text.startsWith('wglab vm: ')) progress(`  ${text.slice('wglab vm: '.length)}`);
    }
    const result = await child;
    if (result.exitCode !== 0)
      throw new WglabError(`building the VM failed (exit ${result.exitCode}):\n${lines.slice(-15).join('\n')}`, {
        hint: `check the apt mirror ${mirror.uri} is reachable`,
      });
    const built = done();
    for (const old of readdirSync(vmCacheDir()).filter(
      (name) => /^disk-[0-9a-f]{12}$/.test(name) && join(vmCacheDir(), name) !== dir,
    )) {
      rmSync(join(vmCacheDir(), old), { recursive: true, force: true }); // a disk of an older recipe or kernel
    }
    progress(`VM built in ${built.seconds.toFixed(0)} s: kernel ${built.kernelVersion}, ${dir}`);
    return { ...built, built: true };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 30 * 60_000)
      rmSync(lock, { recursive: true, force: true });
    return false;
  }
}
