import { WglabError } from '../errors.ts';
import { connectEngine, type Engine } from '../lab/engine.ts';
import { execAttached } from '../lab/exec-attached.ts';
import { findNode, nodeWireguard } from '../lab/find-lab.ts';
import { ensureLabImage } from '../lab/lab-image.ts';
import { planLab } from '../lab/lab-plan.ts';
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
 * or, with `hold`, owned by this process (signals tear it down). Its checks are not run. On the engine `engine`
 * names (as `--engine` of a run takes it), else the user's (DOCKER_HOST).
 */
export async function upLab(
  scenario: Scenario,
  options: { progress?: Progress; hold?: boolean; engine?: string } = {},
): Promise<{ id: string; nodes: string[]; wireguard: WireguardFlavour }> {
  const plan = planLab(scenario); // bad configs stop here, before the engine is asked
  const engine = options.engine === undefined ? undefined : await connectEngine(options.engine);
  const lab = await startLab(plan, { progress: options.progress, detached: !options.hold, engine });
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

/** The engines named (or the user's one) that hold lab `id`; a WglabError when none does. */
async function enginesHolding(id: string, urls: string[]): Promise<Engine[]> {
  const holding = [];
  for (const engine of await enginesOf(urls)) if ((await listLabs(engine, id)).length > 0) holding.push(engine);
  if (holding.length === 0)
    throw new WglabError(`no lab ${id}`, {
      hint: 'wglab status lists the labs on this engine (--engine URL, or WGLAB_ENGINES, for others)',
    });
  return holding;
}

/** Removes every container and network labelled with the lab's id, on whichever engine named holds it. */
export async function downLab(id: string, engines: string[] = []): Promise<void> {
  for (const engine of await enginesHolding(id, engines)) await removeLab(engine, id);
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
 * Runs a command in a node of a running lab, on whichever engine named (or the user's one) holds it, with wg-quick's
 * environment for the lab's WireGuard and this process's input and output attached (a terminal when stdin and
 * stdout are one), and returns its exit status.
 */
export async function execInLab(id: string, node: string, command: string[], engines: string[] = []): Promise<number> {
  const holding = await enginesHolding(id, engines);
  if (holding.length > 1) {
    const names = holding.map((engine) => engine.name).join(', ');
    throw new WglabError(`lab ${id} is on ${holding.length} engines: ${names}`, { hint: 'name one: --engine URL' });
  }
  const engine = holding[0]!;
  const { container } = await findNode(engine, id, node);
  return await execAttached(engine, container.id, command, { env: wgQuickEnv(await nodeWireguard(container)) });
}
