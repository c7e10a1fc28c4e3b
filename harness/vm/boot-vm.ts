import { accessSync, constants, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { release } from 'node:os';
import { join } from 'node:path';
import { WglabError } from '../errors.ts';
import type { Progress } from '../lab/progress.ts';
import type { VmDisk } from './vm-disk.ts';
import { vmCacheDir, vmConsoleFile } from './vm-paths.ts';

export type Accel = 'kvm' | 'tcg';

/** A booted VM: qemu's pid, the loopback ports that reach its engine (2375) and its shutdown listener (2376). */
export interface RunningVm {
  pid: number;
  port: number;
  controlPort: number;
  accel: Accel;
  disk: string;
  /** false while the image is loaded into the disk itself (then writes persist); true: writes go to a throwaway overlay. */
  snapshot: boolean;
  startedAt: string;
}

export const dockerHostOf = (vm: RunningVm) => `tcp://127.0.0.1:${vm.port}`;

/**
 * Boots the VM with qemu, detached, and returns once its engine answers. KVM when /dev/kvm is usable and has not
 * failed on this host kernel before (nested KVM often does), else TCG; WGLAB_VM_ACCEL=kvm|tcg forces one.
 * User networking with restrict=on: the guest reaches nothing outside, the host only gets two loopback forwards.
 */
export async function bootVm(
  disk: VmDisk,
  options: { snapshot: boolean; progress: Progress; onPid?: (vm: RunningVm) => void },
): Promise<RunningVm> {
  const forced = process.env.WGLAB_VM_ACCEL;
  if (forced && forced !== 'kvm' && forced !== 'tcg')
    throw new WglabError(`WGLAB_VM_ACCEL=${forced} is not kvm or tcg`, { hint: 'unset it to let wglab choose' });
  const kvmMark = join(vmCacheDir(), `kvm-fails-${release()}`);
  const tryKvm = forced === 'kvm' || (!forced && kvmUsable() && !existsSync(kvmMark));
  if (tryKvm) {
    options.progress('booting the VM with KVM');
    try {
      return await bootWith('kvm', disk, options, forced === 'kvm' ? 120 : 60);
    } catch (error) {
      if (forced === 'kvm') throw error;
      writeFileSync(kvmMark, `${error instanceof Error ? error.message : String(error)}\n`);
      options.progress(
        `KVM did not boot the VM (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); falling back to TCG, and remembering that for this host kernel`,
      );
    }
  }
  options.progress(
    `booting the VM with TCG (software emulation${kvmUsable() ? '; KVM failed here before' : '; no usable /dev/kvm'}): expect everything to be 10-20x slower than native`,
  );
  return bootWith('tcg', disk, options, Number(process.env.WGLAB_VM_BOOT_TIMEOUT) || 300);
}

function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function bootWith(
  accel: Accel,
  disk: VmDisk,
  options: { snapshot: boolean; progress: Progress; onPid?: (vm: RunningVm) => void },
  timeoutSeconds: number,
): Promise<RunningVm> {
  const { execa } = await import('execa'); // loaded only for the VM
  const start = performance.now();
  const [port, controlPort] = [Number(process.env.WGLAB_VM_PORT) || (await freePort()), await freePort()];
  const pidFile = join(vmCacheDir(), 'qemu.pid');
  const consoleFile = vmConsoleFile();
  rmSync(pidFile, { force: true });
  rmSync(consoleFile, { force: true });
  const net = `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-10.0.2.15:2375,hostfwd=tcp:127.0.0.1:${controlPort}-10.0.2.15:2376`;
  const args = [
    '-n',
    process.env.WGLAB_VM_NICE ?? '10',
    'qemu-system-x86_64',
    '-name',
    'wglab-vm',
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max']),
    '-smp',
    process.env.WGLAB_VM_CPUS ?? '2',
    '-m',
    process.env.WGLAB_VM_MEMORY ?? '3072',
    '-kernel',
    join(disk.dir, 'vmlinuz'),
    '-initrd',
    join(disk.dir, 'initrd.img'),
    '-append',
    'console=ttyS0 panic=-1 quiet',
    '-drive',
    `file=${join(disk.dir, 'disk.img')},format=raw,if=virtio${options.snapshot ? ',snapshot=on' : ''}`,
    '-netdev',
    net,
    '-device',
    'virtio-net-pci,netdev=n0',
    '-display',
    'none',
    '-vga',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${consoleFile}`,
    '-no-reboot',
    '-daemonize',
    '-pidfile',
    pidFile,
  ];
  const started = await execa('nice', args, { reject: false, stdin: 'ignore', all: true });
  if (started.exitCode !== 0)
    throw new WglabError(`qemu (${accel}) did not start: ${started.all.trim().split('\n').slice(-3).join(' ')}`, {
      hint: 'run `npm run setup:host` to install qemu-system-x86',
    });
  const vm: RunningVm = {
    pid: Number(readFileSync(pidFile, 'utf8').trim()),
    port,
    controlPort,
    accel,
    disk: disk.dir,
    snapshot: options.snapshot,
    startedAt: new Date().toISOString(),
  };
  options.onPid?.(vm);
  let shown = 0;
  const deadline = start + timeoutSeconds * 1000;
  for (;;) {
    const lines = readConsole();
    for (const line of lines.slice(shown))
      if (line.startsWith('wglab-vm: ')) options.progress(`  vm: ${line.slice(10)}`);
    shown = lines.length;
    if (!processAlive(vm.pid))
      throw new WglabError(`qemu (${accel}) exited while booting:\n${lines.slice(-10).join('\n')}`, {
        hint: `see ${consoleFile}`,
      });
    if (await engineAnswers(port)) break;
    if (performance.now() > deadline) {
      await killVm(vm);
      throw new WglabError(
        `the VM's engine did not answer within ${timeoutSeconds} s (${accel}):\n${lines.slice(-10).join('\n')}`,
        { hint: `see ${consoleFile}; WGLAB_VM_BOOT_TIMEOUT=<seconds> waits longer` },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  options.progress(
    `VM engine answers after ${((performance.now() - start) / 1000).toFixed(0)} s (${accel}) at ${dockerHostOf(vm)}`,
  );
  return vm;
}

function readConsole(): string[] {
  try {
    return readFileSync(vmConsoleFile(), 'utf8')
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter(Boolean);
  } catch {
    return [];
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether Docker's API answers `GET /_ping` on a loopback port. */
export async function engineAnswers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/_ping`, { signal: AbortSignal.timeout(3000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Clean shutdown (connect to the guest's shutdown listener: it stops dockerd, remounts / read-only, powers off), then SIGTERM, then SIGKILL. */
export async function stopVm(
  vm: RunningVm,
  progress: Progress,
  graceSeconds = 30,
): Promise<'clean' | 'killed' | 'gone'> {
  if (!processAlive(vm.pid)) return 'gone';
  await new Promise<void>((resolve) => {
    const socket = connect(vm.controlPort, '127.0.0.1');
    socket.on('connect', () => socket.end());
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
    socket.setTimeout(5000, () => socket.destroy());
  });
  if (await exited(vm.pid, graceSeconds)) return 'clean';
  progress(`VM did not power off within ${graceSeconds} s; killing qemu (pid ${vm.pid})`);
  await killVm(vm);
  return 'killed';
}

async function killVm(vm: RunningVm): Promise<void> {
  try {
    process.kill(vm.pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await exited(vm.pid, 5)) return;
  try {
    process.kill(vm.pid, 'SIGKILL');
  } catch {
    return;
  }
  await exited(vm.pid, 5);
}

async function exited(pid: number, seconds: number): Promise<boolean> {
  const deadline = performance.now() + seconds * 1000;
  while (processAlive(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}
