import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine, localEngine } from '../../harness/lab/engine.ts';
import { engineAnswers } from '../../harness/lab/engine-gone.ts';
import { labLabel } from '../../harness/lab/lab-resources.ts';
import type { ScenarioReport } from '../../harness/report/report-model.ts';
import { vmStatus } from '../../harness/vm/vm.ts';
import { leftBy, stackTrace } from '../chaos/interrupt-run.ts';

// Labs over two engines at once: this host's (userspace WireGuard here) and wglab vm's (kernel WireGuard).
// `npm run test:kernel` boots the VM and runs this file with WGLAB_VM_ENGINE set; without it there is no second engine.
const vm = process.env.WGLAB_VM_ENGINE;
const host = process.env.WGLAB_HOST_ENGINE ?? localEngine;
const suite = [
  '01-no-tunnel',
  '02-point-to-point',
  '03-transparent-a-prefix',
  '04-transparent-a-route',
  '05-transparent-a-rule',
  '06-transparent-both',
  '07-snat-on-a',
  '08-snat-on-b',
].map((name) => `scenarios/article/${name}.yaml`);
const serial = vm ? test.serial : test.serial.skip;
const needs = vm ? '' : ' (skipped: needs a second engine, WGLAB_VM_ENGINE=tcp://…, which npm run test:kernel sets)';

function run(args: string[]) {
  const env = { ...process.env, WGLAB_WIREGUARD: 'auto' };
  const child = execa('node', ['bin/wglab.js', 'run', ...args], { reject: false, env });
  return { child, result: child.then((result) => Object.assign(result, { pid: child.pid! })) };
}

const reportOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { scenarios: ScenarioReport[]; pass: boolean };

serial(
  `the article suite over this host's engine and the VM's at once passes, each report naming its engine${needs}`,
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wglab-engines-'));
    const { result } = run([...suite, '--engine', host, '--engine', vm!, '--report', dir]);
    const done = await result;
    t.log(
      done.stderr
        .split('\n')
        .filter((line) => /engine /.test(line))
        .join('\n'),
    );
    t.is(done.exitCode, 0, done.stdout.slice(-800));
    const report = reportOf(dir);
    t.true(report.pass);
    t.is(report.scenarios.length, suite.length, 'every scenario once');
    const engines = new Set(report.scenarios.map((scenario) => scenario.engine));
    t.deepEqual([...engines].sort(), [host, vm!].sort(), 'labs on both engines, each named as given');
    for (const scenario of report.scenarios) {
      if (scenario.engine === vm) t.is(scenario.wireguard, 'kernel', `${scenario.scenario} ran in the VM`);
    }
    t.regex(done.stdout, new RegExp(`engine ${vm!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
    t.deepEqual(await leftBy(done.pid), { containers: [], networks: [] }, 'nothing left on the host engine');
  },
);

serial(
  `an engine stopped mid-run (the VM killed) hands its scenarios to the other; nothing is left${needs}`,
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wglab-engines-'));
    const status = await vmStatus();
    t.true(status.running, 'the VM runs before it is killed');
    const vmEngine = await connectEngine(vm!);
    const { child, result } = run([...suite, '--engine', host, '--engine', vm!, '--report', dir]);
    // Once a lab of this run exists on the VM's engine, the VM is killed as a crash would.
    let killed = false;
    for (let waited = 0; waited < 300 && child.exitCode === null; waited++) {
      const labs = await vmEngine.dockerode
        .listContainers({ all: true, filters: JSON.stringify({ label: [labLabel] }) })
        .catch(() => []);
      if (labs.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        process.kill(status.vm!.pid, 'SIGKILL');
        killed = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    t.true(killed, 'a lab was started on the VM, and the VM killed under it');
    const done = await result;
    t.notRegex(done.stderr, stackTrace);
    t.regex(done.stderr, /engine tcp:\/\/\S+ stopped answering \(.*\): its scenarios move to unix:/);
    t.is(done.exitCode, 0, done.stderr.slice(-1500));
    const report = reportOf(dir);
    t.is(report.scenarios.length, suite.length, 'every scenario once, the moved ones included');
    t.true(report.pass);
    t.true(
      report.scenarios.every((scenario) => scenario.engine === host),
      'the scenario that was on the VM ran again on the host',
    );
    t.false(await engineAnswers(vmEngine, 2000), 'the VM engine is gone');
    t.deepEqual(await leftBy(done.pid), { containers: [], networks: [] }, 'nothing left on the host engine');
  },
);
