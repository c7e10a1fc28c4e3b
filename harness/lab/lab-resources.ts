import { hostname } from 'node:os';
import type { Engine } from './engine.ts';

/** Every container and network of a lab carries this label with the lab's id. */
export const labLabel = 'wglab.lab';
/** Who may remove the lab: `<host>:<pid>` of the process that runs it, or `detached` (wglab up). */
export const ownerLabel = 'wglab.owner';
export const nodeLabel = 'wglab.node';
export const scenarioLabel = 'wglab.scenario';

export function labLabels(id: string, scenario: string, detached: boolean): Record<string, string> {
  return {
    [labLabel]: id,
    [ownerLabel]: detached ? 'detached' : `${hostname()}:${process.pid}`,
    [scenarioLabel]: scenario,
  };
}

export interface LabSummary {
  id: string;
  scenario: string;
  owner: string;
  containers: { name: string; node: string; state: string }[];
  networks: string[];
  /** When the lab's newest network was created (ms since the epoch), to tell a lab being started from a leftover. */
  newestNetwork?: number;
}

/** The labs that have anything left on the engine, found by label. */
export async function listLabs(engine: Engine, id?: string): Promise<LabSummary[]> {
  const filters = JSON.stringify({ label: [id ? `${labLabel}=${id}` : labLabel] });
  const [containers, networks] = await Promise.all([
    engine.dockerode.listContainers({ all: true, filters }),
    engine.dockerode.listNetworks({ filters }),
  ]);
  const labs = new Map<string, LabSummary>();
  const labOf = (labels: Record<string, string>) => {
    const labId = labels[labLabel]!;
    if (!labs.has(labId))
      labs.set(labId, {
        id: labId,
        scenario: labels[scenarioLabel] ?? '?',
        owner: labels[ownerLabel] ?? '?',
        containers: [],
        networks: [],
      });
    return labs.get(labId)!;
  };
  for (const container of containers) {
    labOf(container.Labels).containers.push({
      name: container.Names[0]?.replace(/^\//, '') ?? container.Id,
      node: container.Labels[nodeLabel] ?? '?',
      state: container.State,
    });
  }
  for (const network of networks) {
    const lab = labOf(network.Labels ?? {});
    lab.networks.push(network.Name);
    const created = Date.parse(network.Created ?? '');
    if (Number.isFinite(created)) lab.newestNetwork = Math.max(lab.newestNetwork ?? 0, created);
  }
  return [...labs.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Removes every container, then every network and volume, that carries the lab's label. Safe to call twice
 * and concurrently. Docker's transient refusals (a network that still "has active endpoints" while a
 * container's removal finishes, a removal "already in progress") are retried for a few seconds.
 */
export async function removeLab(
  engine: Engine,
  id: string,
  options: { attempts?: number; pauseMs?: number } = {},
): Promise<void> {
  const filters = JSON.stringify({ label: [`${labLabel}=${id}`] });
  const attempts = options.attempts ?? 25;
  for (let attempt = 1; ; attempt++) {
    const containers = await engine.dockerode.listContainers({ all: true, filters });
    const containerResults = await Promise.allSettled(
      containers.map((container) => engine.dockerode.getContainer(container.Id).remove({ force: true, v: true })),
    );
    const networks = containers.length === 0 ? await engine.dockerode.listNetworks({ filters }) : [];
    const networkResults = await Promise.allSettled(
      networks.map((network) => engine.dockerode.getNetwork(network.Id).remove()),
    );
    const volumes = containers.length === 0 ? ((await engine.dockerode.listVolumes({ filters })).Volumes ?? []) : [];
    const volumeResults = await Promise.allSettled(
      volumes.map((volume) => engine.dockerode.getVolume(volume.Name).remove()),
    );
    const failures = [...containerResults, ...networkResults, ...volumeResults].flatMap((result) =>
      result.status === 'rejected' && !isGone(result.reason) ? [result.reason as unknown] : [],
    );
    const lasting = failures.find((failure) => !isTransient(failure));
    if (lasting !== undefined) throw lasting;
    // Containers were removed this round: list again, then the networks can go.
    if (failures.length === 0 && containers.length === 0) return;
    if (attempt >= attempts) {
      if (failures.length > 0) throw failures[0];
      return;
    }
    if (failures.length > 0)
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? Math.min(100 * attempt, 500)));
  }
}

interface EngineError {
  statusCode?: number;
  message?: string;
}

/** Already removed (404), or its removal is someone else's and already done. */
export function isGone(error: unknown): boolean {
  return (error as EngineError)?.statusCode === 404;
}

/** A refusal that passes: a removal in progress, a network whose endpoints are still being released. */
export function isTransient(error: unknown): boolean {
  const { statusCode, message } = (error ?? {}) as EngineError;
  if (statusCode === 409) return true;
  return /has active endpoints|removal .*in progress|is already in progress/i.test(message ?? '');
}

/** True when the process named by an owner label is gone (only decidable on this host). */
export function ownerIsGone(owner: string): boolean {
  if (owner === 'detached') return false;
  const [host, pidText] = owner.split(':');
  if (host !== hostname()) return false;
  try {
    process.kill(Number(pidText), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A lab's networks without a container this long after they were made are leftovers, whoever owns them. */
export const orphanNetworkSeconds = 120;

/**
 * Which labs prune removes: every lab with `all`; else those whose owner process is gone, and those that are
 * only networks (their containers gone) older than a lab's bring-up takes.
 */
export function labsToPrune(
  labs: LabSummary[],
  options: { all?: boolean; now?: number; ownerGone?: (owner: string) => boolean } = {},
): LabSummary[] {
  const now = options.now ?? Date.now();
  const gone = options.ownerGone ?? ownerIsGone;
  return labs.filter(
    (lab) =>
      options.all ||
      gone(lab.owner) ||
      (lab.containers.length === 0 &&
        lab.newestNetwork !== undefined &&
        now - lab.newestNetwork > orphanNetworkSeconds * 1000),
  );
}

/** Removes labs whose owner process is gone, leftover networks (or every lab, with `all`); returns their ids. */
export async function pruneLabs(engine: Engine, options: { all?: boolean; scenario?: string } = {}): Promise<string[]> {
  const labs = labsToPrune(
    (await listLabs(engine)).filter((lab) => options.scenario === undefined || lab.scenario === options.scenario),
    { all: options.all },
  );
  await Promise.all(labs.map((lab) => removeLab(engine, lab.id)));
  return labs.map((lab) => lab.id);
}
