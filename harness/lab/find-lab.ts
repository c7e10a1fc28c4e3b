import type Dockerode from 'dockerode';
import { WglabError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { labLabel, listLabs, nodeLabel } from './lab-resources.ts';
import type { WireguardFlavour } from './wireguard-flavour.ts';

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

/** The WireGuard a running lab's node was set up with (bring-up writes it to /etc/wglab/wireguard). */
export async function nodeWireguard(container: Dockerode.Container): Promise<WireguardFlavour> {
  const exec = await container.exec({ Cmd: ['cat', '/etc/wglab/wireguard'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  return Buffer.concat(chunks).toString().includes('userspace') ? 'userspace' : 'kernel';
}
