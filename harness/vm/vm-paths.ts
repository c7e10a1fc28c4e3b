import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the VM's kernel, initramfs and disk are kept, and the running VM's state: WGLAB_VM_DIR, else
 * /var/cache/wglab/vm for root, else $XDG_CACHE_HOME/wglab/vm (~/.cache/wglab/vm). Never the repository.
 */
export function vmCacheDir(): string {
  if (process.env.WGLAB_VM_DIR) return process.env.WGLAB_VM_DIR;
  if (process.getuid?.() === 0) return '/var/cache/wglab/vm';
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wglab', 'vm');
}

/** The running VM's state (pid, ports, accelerator) and its serial console. */
export const vmStateFile = () => join(vmCacheDir(), 'running.json');
export const vmConsoleFile = () => join(vmCacheDir(), 'console.log');
