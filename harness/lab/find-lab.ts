import type Dockerode from 'dockerode';
import { WglabError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { labLabel, listLabs, nodeLabel } from './lab-resources.ts';

/** A node container of a running lab, found by label (for commands run after `wglab up`). */
export async function findNode(
  engine: Engine,
  labId: string,
  node: string,
): Promise<{ container: Dockerode.Container; name: string }> {
  const filters = JSON.stringify({ label: [`${labLabel}=${labId}`, `${nodeLabel}=${node}`] });
  const [found] = await engine.dockerode.listContainers({ all: true, filters });
  if (!found) {
    const lab = (await listLabs(engine, labId))[0];
    if (!lab) throw new WglabError(`no lab ${labId}`, { hint: 'wglab status lists the labs on this engine' });
    throw new WglabError(`lab ${labId} has no node ${node}`, {
      hint: `its nodes: ${lab.containers.map((container) => container.node).join(', ')}`,
    });
  }
  if (found.State !== 'running')
    throw new WglabError(`node ${node} of lab ${labId} is ${found.State}`, {
      hint: `tear it down: wglab down --lab ${labId}`,
    });
  return { container: engine.dockerode.getContainer(found.Id), name: found.Names[0]?.replace(/^\//, '') ?? found.Id };
}
