import type { Command } from 'commander';
import { execa } from 'execa';
import { WglabError } from '../errors.ts';
import { connectEngine } from '../lab/engine.ts';
import { findNode } from '../lab/find-lab.ts';
import { ensureLabImage } from '../lab/lab-image.ts';
import { routerNode } from '../lab/lab-plan.ts';
import { listLabs, ownerIsGone, pruneLabs, removeLab } from '../lab/lab-resources.ts';
import { stderrProgress } from '../lab/progress.ts';
import { pruneTempFiles } from '../lab/temp-files.ts';
import { startLab } from '../lab/start-lab.ts';
import { wgQuickEnv } from '../lab/wireguard-flavour.ts';
import { loadScenario } from '../scenario/load-scenario.ts';

/** up, exec, status, down, prune, image: the lab by hand. */
export function registerLabCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('up')
    .description("start a scenario's lab and leave it running; prints progress, then the lab id alone on the last line")
    .argument('<scenario>', 'scenario YAML file')
    .option('--hold', 'stay in the foreground and tear the lab down on Ctrl-C or SIGTERM')
    .addHelpText(
      'after',
      `
Example:
  LAB=$(npx wglab up scenarios/article/03-transparent-a-prefix.yaml | tail -1)
  npx wglab exec --lab $LAB A -- curl -s https://app.example.com/
  npx wglab down --lab $LAB`,
    )
    .action(async (file: string, options: { hold?: boolean }) => {
      const scenario = loadScenario(file);
      const lab = await startLab(scenario, { progress: stderrProgress, detached: !options.hold });
      process.stdout.write(`lab ${lab.id}: nodes ${[...lab.nodes.keys()].join(', ')}; WireGuard: ${lab.wireguard}\n`);
      process.stdout.write(
        `  wglab exec --lab ${lab.id} ${Object.keys(scenario.endpoints)[0]} -- sh     # a shell in a node\n`,
      );
      process.stdout.write(`  wglab down --lab ${lab.id}                  # tear it down\n`);
      process.stdout.write(`${lab.id}\n`);
      if (options.hold) {
        stderrProgress('holding the lab; Ctrl-C tears it down');
        setInterval(() => {}, 1 << 30); // keeps the process (and its signal handlers) alive until a signal ends it
        await new Promise(() => {});
      }
      setExit(0);
    });

  program
    .command('exec')
    .description('run a command in a lab node and exit with its status')
    .requiredOption('--lab <id>', 'the lab id (wglab up prints it; wglab status lists them)')
    .argument('<node>', `an endpoint name, or ${routerNode} for the router`)
    .argument('<command...>', 'the command, after --')
    .addHelpText(
      'after',
      `
Examples:
  wglab exec --lab <id> A -- curl -s https://app.example.com/
  wglab exec --lab <id> ${routerNode} -- tcpdump -ni any udp
  wglab exec --lab <id> A -- wg-quick down wg0`,
    )
    .action(async (node: string, command: string[], options: { lab: string }) => {
      const engine = await connectEngine();
      const { container, name } = await findNode(engine, options.lab, node);
      const flavour = await readFlavour(container);
      const env = Object.entries(wgQuickEnv(flavour)).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
      const docker = await execa('docker', ['--version'], { reject: false });
      if (docker.exitCode === 0) {
        const tty = process.stdin.isTTY && process.stdout.isTTY ? ['-it'] : ['-i'];
        const result = await execa('docker', ['exec', ...tty, ...env, name, ...command], {
          stdio: 'inherit',
          reject: false,
        });
        setExit(result.exitCode ?? 1);
        return;
      }
      const exec = await container.exec({
        Cmd: command,
        Env: env.filter((_, index) => index % 2 === 1),
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = await exec.start({});
      container.modem.demuxStream(stream, process.stdout, process.stderr);
      await new Promise((resolve) => stream.on('end', resolve));
      setExit((await exec.inspect()).ExitCode ?? 1);
    });

  program
    .command('status')
    .description('list the labs on this Docker engine, with their nodes')
    .option('--lab <id>', 'only this lab')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  wglab status
  wglab status --lab wglab-transparent-a-prefix-1a2b3c --json`,
    )
    .action(async (options: { lab?: string; json?: boolean }) => {
      const labs = await listLabs(await connectEngine(), options.lab);
      if (options.lab && labs.length === 0)
        throw new WglabError(`no lab ${options.lab}`, { hint: 'wglab status lists the labs on this engine' });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ labs }, null, 2)}\n`);
      } else if (labs.length === 0) {
        process.stdout.write('no labs\n');
      }
      for (const lab of options.json ? [] : labs) {
        const owner =
          lab.owner === 'detached'
            ? 'detached (wglab up)'
            : `${lab.owner}${ownerIsGone(lab.owner) ? ' (gone: wglab prune removes it)' : ''}`;
        process.stdout.write(`${lab.id}  scenario ${lab.scenario}  owner ${owner}\n`);
        for (const container of lab.containers)
          process.stdout.write(`  ${container.node.padEnd(10)} ${container.state.padEnd(8)} ${container.name}\n`);
        process.stdout.write(`  networks: ${lab.networks.join(', ') || 'none'}\n`);
      }
      setExit(0);
    });

  program
    .command('down')
    .description('tear a lab down: every container and network with its label')
    .requiredOption('--lab <id>', 'the lab id')
    .addHelpText(
      'after',
      `
Examples:
  wglab down --lab $(wglab up scenarios/article/01-no-tunnel.yaml | tail -1)
  wglab status        # lists the lab ids`,
    )
    .action(async (options: { lab: string }) => {
      const engine = await connectEngine();
      if ((await listLabs(engine, options.lab)).length === 0)
        throw new WglabError(`no lab ${options.lab}`, { hint: 'wglab status lists the labs on this engine' });
      await removeLab(engine, options.lab);
      process.stdout.write(`removed ${options.lab}\n`);
      setExit(0);
    });

  program
    .command('prune')
    .description(
      "remove labs whose wglab process is gone (killed runs), leftover lab networks, and wglab's temporary files on this host; --all removes every lab, detached ones too",
    )
    .option('--all', 'remove every wglab lab on this engine')
    .option('--scenario <name>', 'only labs of this scenario (with or without --all)')
    .addHelpText(
      'after',
      `
Examples:
  wglab prune         # after a run was killed (kill -9, a CI timeout)
  wglab prune --all   # also labs left running by wglab up or demo --keep
  wglab prune --all --scenario point-to-point   # every lab of one scenario`,
    )
    .action(async (options: { all?: boolean; scenario?: string }) => {
      const removed = await pruneLabs(await connectEngine(), options);
      const files = options.scenario === undefined ? await pruneTempFiles() : [];
      const lines = [...removed.map((id) => `removed ${id}`), ...files.map((path) => `removed ${path}`)];
      process.stdout.write(lines.length === 0 ? 'nothing to prune\n' : `${lines.join('\n')}\n`);
      setExit(0);
    });

  program
    .command('image')
    .description("build the lab image if it is missing (debootstrap from the host's apt mirror), and print its tag")
    .addHelpText(
      'after',
      `
Examples:
  sudo npx wglab image                   # once, before the first lab (labs also build it when missing)
  WGLAB_IMAGE=my/wglab-node npx wglab run scenarios/article/03-transparent-a-prefix.yaml   # use your own build`,
    )
    .action(async () => {
      const image = await ensureLabImage(await connectEngine(), stderrProgress);
      process.stdout.write(`${image.tag}\n`);
      setExit(0);
    });
}

async function readFlavour(container: import('dockerode').Container): Promise<'kernel' | 'userspace'> {
  const exec = await container.exec({ Cmd: ['cat', '/etc/wglab/wireguard'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  return Buffer.concat(chunks).toString().includes('userspace') ? 'userspace' : 'kernel';
}
