import type { Command } from 'commander';
import { stderrProgress } from '../api/progress.ts';
import { dockerHostOf } from '../vm/boot-vm.ts';
import { vmDown, vmStatus, vmUp } from '../vm/vm.ts';

/** vm up|status|down: a Docker engine on a kernel with the WireGuard module, in a qemu VM, used through DOCKER_HOST. */
export function registerVm(program: Command, setExit: (code: number) => void): void {
  const vm = program
    .command('vm')
    .description(
      'a Docker engine in a qemu VM whose kernel has WireGuard (kernel WireGuard on any host), used through DOCKER_HOST',
    )
    .addHelpText(
      'after',
      `
Examples:
  export $(wglab vm up | tail -1)      # builds once, boots, prints DOCKER_HOST=tcp://127.0.0.1:PORT last
  WGLAB_WIREGUARD=kernel wglab run scenarios/article/03-transparent-a-prefix.yaml
  wglab vm status
  wglab vm down
Environment: WGLAB_VM_DIR (cache; default /var/cache/wglab/vm as root), WGLAB_VM_ACCEL=kvm|tcg,
WGLAB_VM_CPUS, WGLAB_VM_MEMORY (MB), WGLAB_VM_PORT, WGLAB_VM_NICE (default 10), WGLAB_VM_BOOT_TIMEOUT (s).`,
    );

  vm.command('up')
    .description(
      'build the VM once (cached), boot it, load the lab image; prints DOCKER_HOST=tcp://127.0.0.1:PORT as the last line',
    )
    .action(async () => {
      const { dockerHost, vm: running } = await vmUp(stderrProgress);
      process.stdout.write(
        `VM running (${running.accel === 'kvm' ? 'KVM' : 'TCG, software emulation'}), pid ${running.pid}; stop it with: wglab vm down\n`,
      );
      process.stdout.write(`DOCKER_HOST=${dockerHost}\n`);
      setExit(0);
    });

  vm.command('status')
    .description('whether the VM runs and its engine answers; exit 0 if it does, 1 if not')
    .action(async () => {
      const status = await vmStatus();
      if (!status.running) {
        process.stdout.write('VM not running\n');
        setExit(1);
        return;
      }
      const running = status.vm!;
      process.stdout.write(
        `VM running (${running.accel}), pid ${running.pid}, since ${running.startedAt}; engine ${status.engineAnswers ? 'answers' : 'does not answer'}\n`,
      );
      process.stdout.write(`DOCKER_HOST=${dockerHostOf(running)}\n`);
      setExit(status.engineAnswers ? 0 : 1);
    });

  vm.command('down')
    .description('shut the VM down cleanly (kill qemu if it hangs)')
    .action(async () => {
      const result = await vmDown(stderrProgress);
      process.stdout.write(result === 'not running' ? 'VM not running\n' : `VM stopped (${result})\n`);
      setExit(0);
    });
}
