import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineProxy } from './engine-proxy.ts';
import { expectedExit, interruptRun, leftBy, prune, stackTrace, type Interrupted } from './interrupt-run.ts';

// Interrupts at chosen moments of every phase of `wglab run`; each must leave nothing and print no stack trace.
const scenario = 'scenarios/article/03-transparent-a-prefix.yaml';
const nothing = { containers: [], networks: [] };

function assertClean(t: import('ava').ExecutionContext, run: Interrupted, codes: number[]) {
  t.log(`${run.signal} at "${run.when}" -> exit ${run.exitCode}`);
  t.notRegex(run.stderr, stackTrace, 'no stack trace on stderr');
  t.true(
    // A run that had printed its summary may still take the signal before it exits: then the signal's code too.
    run.finished ? [0, 1, ...codes].includes(run.exitCode!) : codes.includes(run.exitCode!),
    `exit ${run.exitCode}: ${run.stderr.slice(-600)}`,
  );
}

const phases: [string, RegExp, NodeJS.Signals, number?][] = [
  ['bring-up', /starting \d+ endpoints/, 'SIGINT', 150],
  ['a request', /check 2\/\d+: /, 'SIGTERM', 20],
  ['a fault', /fault (tunnel-down|peer-down|wireguard-blocked):/, 'SIGINT'],
  ["a fault's undo", /undoing /, 'SIGTERM'],
  ['report writing', /writing the report/, 'SIGINT'],
  ['teardown', /tearing down/, 'SIGTERM'],
];

for (const [phase, at, signal, delayMs] of phases) {
  test.serial(`${signal} during ${phase} leaves nothing and exits ${expectedExit(signal)[0]}`, async (t) => {
    const report = mkdtempSync(join(tmpdir(), 'wglab-chaos-report-'));
    const run = await interruptRun({ args: ['run', scenario, '--report', report], signal, at, delayMs });
    t.not(run.when, '', 'the phase was reached');
    assertClean(t, run, expectedExit(signal));
    t.deepEqual(await leftBy(run.pid), nothing);
  });
}

test.serial('SIGKILL during a request leaves the lab to wglab prune, which removes all of it', async (t) => {
  const run = await interruptRun({ args: ['run', scenario], signal: 'SIGKILL', at: /check 3\/\d+: / });
  t.is(run.exitCode, 137);
  const left = await leftBy(run.pid);
  t.true(left.containers.length > 0, 'a killed run cannot clean up: the control that prune has something to do');
  const pruned = await prune();
  t.is(pruned.exitCode, 0);
  t.regex(pruned.stdout, /removed wglab-/);
  t.deepEqual(await leftBy(run.pid), nothing);
});

test.serial('a second Ctrl-C during teardown says it is still cleaning up, and the teardown completes', async (t) => {
  const run = await interruptRun({ args: ['run', scenario], signal: 'SIGINT', at: /check 1\/\d+: /, againAfterMs: 30 });
  assertClean(t, run, [130]);
  t.regex(run.stderr, /SIGINT: tearing down 1 lab/);
  t.regex(run.stderr, /still cleaning up/);
  t.deepEqual(await leftBy(run.pid), nothing);
});

test.serial(
  'the Docker engine stopping mid-run is a clear error (exit 2) naming it; prune afterwards leaves nothing',
  async (t) => {
    const proxy = await new EngineProxy().start();
    const env = { DOCKER_HOST: proxy.dockerHost };
    const child = execa('node', ['bin/wglab.js', 'run', scenario], { reject: false, env: { ...env, NO_COLOR: '1' } });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/check 2\/\d+: /.test(stderr)) resolve();
      });
      void child.then(() => resolve());
    });
    await proxy.stop();
    const result = await child;
    t.is(result.exitCode, 2, String(result.stderr));
    // The lab's own engine is named, as the run connected to it (DOCKER_HOST's address here): the proxy's socket.
    t.true(
      String(result.stderr).includes(`the Docker engine (${proxy.dockerHost}) stopped answering`),
      String(result.stderr),
    );
    t.regex(String(result.stderr), /hint: .*wglab prune/);
    t.notRegex(String(result.stderr), stackTrace);
    t.true(
      (await leftBy(child.pid!)).containers.length > 0,
      'control: with the engine gone, the run could not clean up',
    );
    // The engine is back (the machine's own socket): prune removes what the run left.
    t.is((await prune()).exitCode, 0);
    t.deepEqual(await leftBy(child.pid!), nothing);
  },
);

test.serial(
  'a lab container killed from outside mid-run: the error names the node, the rest is torn down',
  async (t) => {
    const child = execa('node', ['bin/wglab.js', 'run', scenario], { reject: false, env: { NO_COLOR: '1' } });
    let stderr = '';
    const lab = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /(wglab-\S+): check 2\/\d+: /.exec(stderr);
        if (match) resolve(match[1]!);
      });
      void child.then(() => reject(new Error(`ended early: ${stderr}`)));
    });
    await execa('docker', ['kill', `${lab}-A`], { reject: false });
    const result = await child;
    t.is(result.exitCode, 2, String(result.stderr));
    t.regex(String(result.stderr), /node A/);
    t.notRegex(String(result.stderr), stackTrace);
    t.deepEqual(await leftBy(child.pid!), nothing);
  },
);
