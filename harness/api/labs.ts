import { execa } from 'execa';
import type Dockerode from 'dockerode';
import { WglabError } from '../errors.ts';
import { connectEngine, type Engine } from '../lab/engine.ts';
import { findNode } from '../lab/find-lab.ts';
import { ensureLabImage } from '../lab/lab-image.ts';
import { listLabs, pruneLabs as pruneEngineLabs, removeLab, type LabSummary } from '../lab/lab-resources.ts';
import { silentProgress, type Progress } from '../lab/progress.ts';
import { startLab } from '../lab/start-lab.ts';
import { pruneTempFiles } from '../lab/temp-files.ts';
import { wgQuickEnv, type WireguardFlavour } from '../lab/wireguard-flavour.ts';
import type { Scenario } from '../scenario/scenario.ts';

/** Labs by hand, as `wglab up|exec|status|down|prune|image` use them. */
export { routerNode } from '../lab/lab-plan.ts';
export { ownerIsGone, type LabSummary } from '../lab/lab-resources.ts';

/** Connects to the Docker engine (DOCKER_HOST or the local socket); throws a WglabError saying what to do when none answers. */
export async function checkEngine(): Promise<void> {
  await connectEngine();
}

/**
 * Starts a scenario's lab and leaves it running, detached (`downLab` or `pruneLabs({ all: true })` removes it),
 * or, with `hold`, owned by this process (signals tear it down). Its checks are not run.
 */
export async function upLab(
  scenario: Scenario,
  options: { progress?: Progress; hold?: boolean } = {},
): Promise<{ id: string; nodes: string[]; wireguard: WireguardFlavour }> {
  const lab = await startLab(scenario, { progress: options.progress, detached: !options.hold });
  return { id: lab.id, nodes: [...lab.nodes.keys()], wireguard: lab.wireguard };
}

/** The engines named (`--engine`, WGLAB_ENGINES), or the user's one engine (DOCKER_HOST) when none is. */
async function enginesOf(urls: string[]): Promise<Engine[]> {
  return urls.length === 0 ? [await connectEngine()] : await Promise.all(urls.map((url) => connectEngine(url)));
}

/** The labs on the engine (or on each engine named), one with `id`, with their nodes, networks and engine. */
export async function labStatus(id?: string, engines: string[] = []): Promise<(LabSummary & { engine: string })[]> {
  const found = await Promise.all(
    (await enginesOf(engines)).map(async (engine) =>
      (await listLabs(engine, id)).map((lab) => ({ ...lab, engine: engine.name })),
    ),
  );
  return found.flat();
}

/** Removes every container and network labelled with the lab's id, on whichever engine named holds it. */
export async function downLab(id: string, engines: string[] = []): Promise<void> {
  const holding = [];
  for (const engine of await enginesOf(engines)) if ((await listLabs(engine, id)).length > 0) holding.push(engine);
  if (holding.length === 0)
    throw new WglabError(`no lab ${id}`, {
      hint: 'wglab status lists the labs on this engine (--engine URL, or WGLAB_ENGINES, for others)',
    });
  for (const engine of holding) await removeLab(engine, id);
}

/**
 * Removes labs whose wglab process is gone (with `all`, every lab; with `scenario`, only its labs), leftover
 * lab networks on the engine (or each engine named), and (without `scenario`) wglab's temporary files on this
 * host. Returns what it removed.
 */
export async function pruneLabs(
  options: { all?: boolean; scenario?: string; engines?: string[] } = {},
): Promise<string[]> {
  const removed: string[] = [];
  for (const engine of await enginesOf(options.engines ?? []))
    removed.push(...(await pruneEngineLabs(engine, { all: options.all, scenario: options.scenario })));
  const files = options.scenario === undefined ? await pruneTempFiles() : [];
  return [...removed, ...files];
}

/** Builds the lab image when it is missing and returns its tag. */
export async function labImage(progress?: Progress): Promise<string> {
  return (await ensureLabImage(await connectEngine(), progress ?? silentProgress)).tag;
}

/**
 * Runs a command in a node of a running lab, with wg-quick's environment for the lab's WireGuard, its output on
 * this process's, and returns its exit status. Interactive (a terminal) through the docker CLI where it exists.
 */
export async function execInLab(id: string, node: string, command: string[]): Promise<number> {
  const engine = await connectEngine();
  const { container, name } = await findNode(engine, id, node);
  const flavour = await readFlavour(container);
  const env = Object.entries(wgQuickEnv(flavour)).map(([key, value]) => `${key}=${value}`);
  const docker = await execa('docker', ['--version'], { reject: false });
  if (docker.exitCode === 0) {
    const tty = process.stdin.isTTY && process.stdout.isTTY ? ['-it'] : ['-i'];
    const envFlags = env.flatMap((pair) => ['-e', pair]);
    const result = await execa('docker', ['exec', ...tty, ...envFlags, name, ...command], {
      stdio: 'inherit',
      reject: false,
    });
    return result.exitCode ?? 1;
  }
  const exec = await container.exec({ Cmd: command, Env: env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  container.modem.demuxStream(stream, process.stdout, process.stderr);
  await new Promise((resolve) => stream.on('end', resolve));
  return (await exec.inspect()).ExitCode ?? 1;
}

async function readFlavour(container: Dockerode.Container): Promise<WireguardFlavour> {
  const exec = await container.exec({ Cmd: ['cat', '/etc/wglab/wireguard'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  return Buffer.concat(chunks).toString().includes('userspace') ? 'userspace' : 'kernel';
}
