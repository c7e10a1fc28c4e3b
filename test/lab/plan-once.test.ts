import test from 'ava';
import { execa } from 'execa';
import { runScenarios } from '../../harness/api/run-scenarios.ts';
import { planCount, planLab, redactedConfigs } from '../../harness/lab/lab-plan.ts';
import { connectEngine } from '../../harness/lab/engine.ts';
import { labLabel, nodeLabel } from '../../harness/lab/lab-resources.ts';
import { redactWgConfig } from '../../harness/wgconf/redact.ts';
import { configFile, splitConfigKey } from '../../harness/wgconf/scenario-configs.ts';
import { parseScenario } from '../../harness/wgconf/load-scenario.ts';
import { readFileSync } from 'node:fs';
import { article } from './helpers.ts';

// A run plans each scenario once: the files the lab installs are the files lint saw and the report shows, for
// every interface (a node's wg1 too), not configs generated a second time with other keys.

/** `/etc/wireguard/<iface>.conf` as it is in the node, private key redacted. */
async function installed(lab: string, key: string): Promise<string> {
  const { endpoint, iface } = splitConfigKey(key);
  const { dockerode } = await connectEngine();
  const filters = JSON.stringify({ label: [`${labLabel}=${lab}`, `${nodeLabel}=${endpoint}`] });
  const [container] = await dockerode.listContainers({ filters });
  const cat = await execa('docker', ['exec', container!.Id, 'cat', `/etc/wireguard/${iface}.conf`]);
  return redactWgConfig(`${cat.stdout}\n`);
}

test.serial(
  'a run plans each scenario once, and lints and reports the files the lab installed (wg1 included)',
  async (t) => {
    // two-tunnels without its faults: west's SaveConfig rewrites its file on wg-quick down.
    const twoTunnels = readFileSync('scenarios/own-network/two-tunnels.yaml', 'utf8')
      .replace('name: two-tunnels', 'name: plan-once-two-tunnels')
      .replace(/^  - .*fault.*\n/gm, '');
    const scenarios = [
      article('02-point-to-point'),
      parseScenario(twoTunnels, 'scenarios/own-network/plan-once-two-tunnels.yaml'),
    ];
    const reads: Promise<[string, string, string]>[] = [];
    const before = planCount();
    const { reports } = await runScenarios(scenarios, {
      concurrency: 1,
      onScenario: (scenario, lab) => {
        for (const key of Object.keys(lab.configs))
          reads.push(installed(lab.id, key).then((text) => [scenario.name, key, text]));
      },
    });
    t.is(planCount() - before, scenarios.length, 'one plan per scenario');
    const files = await Promise.all(reads);
    t.deepEqual(files.map(([scenario, key]) => `${scenario}:${configFile(key)}`).sort(), [
      'plan-once-two-tunnels:east/wg0.conf',
      'plan-once-two-tunnels:gw/wg0.conf',
      'plan-once-two-tunnels:gw/wg1.conf',
      'plan-once-two-tunnels:west/wg0.conf',
      'point-to-point:A/wg0.conf',
      'point-to-point:B/wg0.conf',
    ]);
    for (const [scenario, key, text] of files) {
      const report = reports.find((candidate) => candidate.scenario === scenario)!;
      t.is(report.configs[key], text, `${scenario}: the report shows ${configFile(key)} as installed`);
    }
    t.true(reports.every((report) => report.pass));
    // Negative control: configs generated again (what lint and the report used before) differ from the installed.
    const again = redactedConfigs(planLab(scenarios[0]!));
    t.not(again.A, files.find(([scenario, key]) => scenario === 'point-to-point' && key === 'A')![2]);
  },
);
