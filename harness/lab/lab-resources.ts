import { hostname } from 'node:os';
import type { Engine } from './engine.ts';

/** Every container and network of a lab carries this label with the lab's id. */
export const labLabel = 'wglab.lab';
/** Who may remove the lab: `<host>:<pid>` of the process that runs it, or `detached` (wglab up). */
export const ownerLabel = 'wglab.owner';
export const nodeLabel = 'wglab.node';
export const scenarioLabel = 'wglab.scenario';

export function labLabels(id: string, scenario: string, detached: boolean): Record<string, string> {
  return { [labLabel]: id, [ownerLabel]: detached ? 'detached' : `${hostname()}:${process.pid}`, [scenarioLabel]: scenario };
}

export interface LabSummary {
  id: string;
  scenario: string;
  owner: string;
  containers: { name: string; node: string; state: string }[];
  networks: string[];
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
    if (!labs.has(labId)) labs.set(labId, { id: labId, scenario: labels[scenarioLabel] ?? '?', owner: labels[ownerLabel] ?? '?', containers: [], networks: [] });
    return labs.get(labId)!;
  };
  for (const container of containers) {
    labOf(container.Labels).containers.push({ name: container.Names[0]?.replace(/^\//, '') ?? container.Id, node: container.Labels[nodeLabel] ?? '?', state: container.State });
  }
  for (const network of networks) labOf(network.Labels ?? {}).networks.push(network.Name);
  return [...labs.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Removes every container, then every network, that carries the lab's label. Safe to call twice. */
export async function removeLab(engine: Engine, id: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${labLabel}=${id}`] });
  const containers = await engine.dockerode.listContainers({ all: true, filters });
  await Promise.all(containers.map((container) => engine.dockerode.getContainer(container.Id).remove({ force: true, v: true }).catch(ignoreGone)));
  const networks = await engine.dockerode.listNetworks({ filters });
  await Promise.all(networks.map((network) => engine.dockerode.getNetwork(network.Id).remove().catch(ignoreGone)));
}

function ignoreGone(error: { statusCode?: number }): void {
  if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
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

/** Removes labs whose owner process is gone (or every lab, with `all`); returns their ids. */
export async function pruneLabs(engine: Engine, all = false): Promise<string[]> {
  const labs = (await listLabs(engine)).filter((lab) => all || ownerIsGone(lab.owner));
  await Promise.all(labs.map((lab) => removeLab(engine, lab.id)));
  return labs.map((lab) => lab.id);
}
