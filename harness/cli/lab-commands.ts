import type { Command } from 'commander';
import { WglabError } from '../errors.ts';
import { downLab, execInLab, labImage, labStatus, ownerIsGone, pruneLabs, routerNode, upLab } from '../api/labs.ts';
import { engineUrls } from '../api/run-scenarios.ts';
import { stderrProgress } from '../api/progress.ts';
import { loadScenario } from '../wgconf/load-scenario.ts';

/** `--engine <url>`, repeatable, as status, down, prune and exec take it (and up, which takes one). */
const engineOption = [
  '--engine <url>',
  'a Docker engine as --engine of wglab run takes it (repeat for several; default WGLAB_ENGINES, else DOCKER_HOST)',
  (value: string, previous: string[] = []) => [...previous, value],
] as const;

/** up, exec, status, down, prune, image: the lab by hand. */
export function registerLabCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('up')
    .description("start a scenario's lab and leave it running; prints progress, then the lab id alone on the last line")
    .argument('<scenario>', 'scenario YAML file')
    .option('--hold', 'stay in the foreground and tear the lab down on Ctrl-C or SIGTERM')
    .option(
      '--engine <url>',
      'the Docker engine to start it on, as --engine of wglab run takes it (one; default WGLAB_ENGINES, else DOCKER_HOST)',
      engineOption[2],
    )
    .addHelpText(
      'after',
      `
Example:
  LAB=$(npx wglab up scenarios/article/03-transparent-a-prefix.yaml | tail -1)
  npx wglab exec --lab $LAB A -- curl -s https://app.example.com/
  npx wglab down --lab $LAB
  npx wglab up scenarios/article/01-no-tunnel.yaml --engine tcp://127.0.0.1:2375   # on another engine`,
    )
    .action(async (file: string, options: { hold?: boolean; engine?: string[] }) => {
      const engines = engineUrls(options.engine);
      if (engines.length > 1) {
        const named = `${engines.length} are named: ${engines.join(', ')}`;
        throw new WglabError(`up starts one lab on one engine, and ${named}`, {
          hint: 'name one: --engine URL (it wins over WGLAB_ENGINES)',
        });
      }
      const scenario = loadScenario(file);
      const lab = await upLab(scenario, { progress: stderrProgress, hold: options.hold, engine: engines[0] });
      // The engine as given, for the commands that find the lab there again.
      const on = engines[0] === undefined ? '' : ` --engine ${engines[0]}`;
      process.stdout.write(`lab ${lab.id}: nodes ${lab.nodes.join(', ')}; WireGuard: ${lab.wireguard}\n`);
      process.stdout.write(
        `  wglab exec --lab ${lab.id}${on} ${Object.keys(scenario.endpoints)[0]} -- sh     # a shell in a node\n`,
      );
      process.stdout.write(`  wglab down --lab ${lab.id}${on}                  # tear it down\n`);
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
    .option(...engineOption)
    .argument('<node>', `an endpoint name, or ${routerNode} for the router`)
    .argument('<command...>', 'the command, after --')
    .addHelpText(
      'after',
      `
Examples:
  wglab exec --lab <id> A -- curl -s https://app.example.com/
  wglab exec --lab <id> ${routerNode} -- tcpdump -ni any udp
  wglab exec --lab <id> A -- wg-quick down wg0
  wglab exec --lab <id> --engine tcp://127.0.0.1:2375 A -- sh   # a lab that wglab up --engine started`,
    )
    .action(async (node: string, command: string[], options: { lab: string; engine?: string[] }) => {
      setExit(await execInLab(options.lab, node, command, engineUrls(options.engine)));
    });

  program
    .command('status')
    .description('list the labs on this Docker engine, with their nodes')
    .option('--lab <id>', 'only this lab')
    .option('--json', 'print JSON')
    .option(...engineOption)
    .addHelpText(
      'after',
      `
Examples:
  wglab status
  wglab status --lab wglab-transparent-a-prefix-1a2b3c --json`,
    )
    .action(async (options: { lab?: string; json?: boolean; engine?: string[] }) => {
      const engines = engineUrls(options.engine);
      const labs = await labStatus(options.lab, engines);
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
        const where = engines.length > 1 ? `  engine ${lab.engine}` : '';
        process.stdout.write(`${lab.id}  scenario ${lab.scenario}  owner ${owner}${where}\n`);
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
    .option(...engineOption)
    .addHelpText(
      'after',
      `
Examples:
  wglab down --lab $(wglab up scenarios/article/01-no-tunnel.yaml | tail -1)
  wglab status        # lists the lab ids`,
    )
    .action(async (options: { lab: string; engine?: string[] }) => {
      await downLab(options.lab, engineUrls(options.engine));
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
    .option(...engineOption)
    .addHelpText(
      'after',
      `
Examples:
  wglab prune         # after a run was killed (kill -9, a CI timeout)
  wglab prune --all   # also labs left running by wglab up or demo --keep
  wglab prune --all --scenario point-to-point   # every lab of one scenario
  wglab prune --engine unix:///var/run/docker.sock --engine tcp://127.0.0.1:2375   # after a run over two engines`,
    )
    .action(async (options: { all?: boolean; scenario?: string; engine?: string[] }) => {
      const lines = (await pruneLabs({ ...options, engines: engineUrls(options.engine) })).map(
        (removed) => `removed ${removed}`,
      );
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
      process.stdout.write(`${await labImage(stderrProgress)}\n`);
      setExit(0);
    });
}
