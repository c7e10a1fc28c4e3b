import { execa } from 'execa';
import { connectEngine } from '../../harness/lab/engine.ts';
import { labLabel, scenarioLabel } from '../../harness/lab/lab-resources.ts';
import { parseScenario } from '../../harness/wgconf/load-scenario.ts';
import { loadScenario } from '../../harness/wgconf/load-scenario.ts';
import type { Scenario } from '../../harness/scenario/scenario.ts';

export const article = (name: string): Scenario =>
  loadScenario(new URL(`../../scenarios/article/${name}.yaml`, import.meta.url).pathname);

/** The article's endpoints under a scenario name of the test's own, so its resources can be told apart. */
export function articleAs(name: string, tunnel = 'tunnel: { dialer: A, listener: B, transparent: [A] }'): Scenario {
  return parseScenario(`name: ${name}
endpoints:
  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }
  B: { publicIp: 203.0.113.2, wgIp: 10.0.0.2, listenPort: 51822, serves: app.example.com }
  C: { publicIp: 192.0.2.3 }
${tunnel}
`);
}

/** Containers and networks on the engine with a label (and value). */
export async function resourcesLabelled(
  label: string,
  value?: string,
): Promise<{ containers: number; networks: number }> {
  const { dockerode } = await connectEngine();
  const filters = JSON.stringify({ label: [value === undefined ? label : `${label}=${value}`] });
  const [containers, networks] = await Promise.all([
    dockerode.listContainers({ all: true, filters }),
    dockerode.listNetworks({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length };
}

export const ofLab = (id: string) => resourcesLabelled(labLabel, id);
export const ofScenario = (name: string) => resourcesLabelled(scenarioLabel, name);

/** Runs the CLI as a user would. */
/** Runs the CLI as a user would; the result carries the process id (its labs' owner label names it). */
export function wglab(args: string[], options: { env?: Record<string, string> } = {}) {
  const child = execa('node', ['bin/wglab.js', ...args], { reject: false, env: options.env });
  return child.then((result) => Object.assign(result, { pid: child.pid! }));
}

/**
 * Where the routing model (`wglab explain`, from the configs alone) and the lab's packets disagree, one line per
 * check: a lab test asserts there is none, so the model is held against the lab on every scenario it runs.
 */
export function modelDisagreements(checks: { modelDisagrees?: string; predicted?: { path: string } }[]): string[] {
  return checks.flatMap((check, index) => [
    ...(check.predicted === undefined ? [`check ${index + 1}: no prediction beside the observation`] : []),
    ...(check.modelDisagrees ? [`check ${index + 1}: ${check.modelDisagrees}`] : []),
  ]);
}
