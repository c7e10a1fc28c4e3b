import Dockerode from 'dockerode';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLabImage, labImageTag } from '../lab/lab-image.ts';
import type { Progress } from '../lab/progress.ts';
import { registerTeardown } from '../lab/shutdown.ts';
import { bootVm, dockerHostOf, engineAnswers, processAlive, stopVm, type RunningVm } from './boot-vm.ts';
import { ensureVmDisk } from './vm-disk.ts';
import { vmCacheDir, vmStateFile } from './vm-paths.ts';

export interface VmStatus {
  running: boolean;
  vm?: RunningVm;
  engineAnswers: boolean;
}

/**
 * Builds the VM once, boots it and returns its DOCKER_HOST once the engine answers with the lab image loaded.
 * The image is loaded into the cached disk once (a boot that writes to the disk, then a clean shutdown); every
 * later boot writes to a throwaway overlay, so the disk stays as built. Reuses a VM that is already running.
 */
export async function vmUp(progress: Progress): Promise<{ dockerHost: string; vm: RunningVm }> {
  const current = await vmStatus();
  if (current.running && current.engineAnswers && current.vm!.snapshot) {
    progress(`VM already running (${current.vm!.accel}, pid ${current.vm!.pid})`);
    return { dockerHost: dockerHostOf(current.vm!), vm: current.vm! };
  }
  if (current.running) await vmDown(progress);
  const disk = await ensureVmDisk(progress);
  const tag = process.env.WGLAB_IMAGE ?? labImageTag();
  const imagesFile = join(disk.dir, 'images');
  const loaded = existsSync(imagesFile) ? readFileSync(imagesFile, 'utf8').split('\n') : [];
  let booting: RunningVm | undefined;
  const untrack = registerTeardown({
    what: 'the VM being started',
    run: async () => {
      if (booting) await stopVm(booting, progress, 15);
      rmSync(vmStateFile(), { force: true });
    },
  });
  const remember = (vm: RunningVm) => {
    booting = vm;
    mkdirSync(vmCacheDir(), { recursive: true });
    writeFileSync(vmStateFile(), `${JSON.stringify(vm, null, 2)}\n`);
  };
  try {
    if (!loaded.includes(tag)) {
      progress(`loading the lab image ${tag} into the VM's disk (once)`);
      const vm = await bootVm(disk, { snapshot: false, progress, onPid: remember });
      const start = performance.now();
      await ensureLabImage(
        { dockerode: new Dockerode({ host: '127.0.0.1', port: vm.port, protocol: 'http' }), name: dockerHostOf(vm) },
        progress,
      );
      progress(
        `lab image in the VM after ${((performance.now() - start) / 1000).toFixed(0)} s; shutting down to keep it`,
      );
      if ((await stopVm(vm, progress)) === 'clean') appendFileSync(imagesFile, `${tag}\n`);
      rmSync(vmStateFile(), { force: true });
      booting = undefined;
    }
    const vm = await bootVm(disk, { snapshot: true, progress, onPid: remember });
    await ensureLabImage(
      { dockerode: new Dockerode({ host: '127.0.0.1', port: vm.port, protocol: 'http' }), name: dockerHostOf(vm) },
      progress,
    );
    return { dockerHost: dockerHostOf(vm), vm };
  } catch (error) {
    if (booting) await stopVm(booting, progress, 15);
    rmSync(vmStateFile(), { force: true });
    throw error;
  } finally {
    untrack();
  }
}

export async function vmStatus(): Promise<VmStatus> {
  if (!existsSync(vmStateFile())) return { running: false, engineAnswers: false };
  const vm = JSON.parse(readFileSync(vmStateFile(), 'utf8')) as RunningVm;
  if (!processAlive(vm.pid)) return { running: false, engineAnswers: false };
  return { running: true, vm, engineAnswers: await engineAnswers(vm.port) };
}

/** Clean shutdown, then kill if it hangs; afterwards no qemu process of this VM is left. */
export async function vmDown(progress: Progress): Promise<'clean' | 'killed' | 'not running'> {
  if (!existsSync(vmStateFile())) return 'not running';
  const vm = JSON.parse(readFileSync(vmStateFile(), 'utf8')) as RunningVm;
  const start = performance.now();
  const result = await stopVm(vm, progress);
  rmSync(vmStateFile(), { force: true });
  if (result === 'gone') return 'not running';
  progress(`VM stopped (${result}) in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}
