import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLab as startApiLab } from '../../harness/api/wglab-lab.ts';
import { NodeCommandError } from '../../harness/lab/node-command-error.ts';
import { startLab } from '../../harness/lab/start-lab.ts';
import { parseScenario } from '../../harness/wgconf/load-scenario.ts';
import { articleAs, ofLab, ofScenario, wglab } from './helpers.ts';

const none = { containers: 0, networks: 0 };

test.serial(
  'every container carries wglab.lab, links of two nodes are veth pairs (no engine network), and down leaves nothing',
  async (t) => {
    const lab = await startLab(articleAs('lifecycle-down'));
    t.deepEqual(await ofLab(lab.id), { containers: 4, networks: 0 });
    await lab.down();
    t.deepEqual(await ofLab(lab.id), none);
    await lab.down();
  },
);

test.serial('await using tears the lab down when the block ends, also on an exception', async (t) => {
  let id = '';
  await t.throwsAsync(
    async () => {
      await using lab = await startLab(articleAs('lifecycle-dispose'));
      id = lab.id;
      throw new Error('a failing check');
    },
    { message: 'a failing check' },
  );
  t.deepEqual(await ofLab(id), none);
});

/** Starts `wglab up --hold` and resolves with the process and the lab id it printed; a failed assertion still stops it. */
async function holdLab(t: ExecutionContext, scenario: string) {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-hold-'));
  const file = join(dir, 'scenario.yaml');
  writeFileSync(
    file,
    `name: ${scenario}
endpoints:
  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }
  B: { publicIp: 203.0.113.2, wgIp: 10.0.0.2, listenPort: 51822, serves: app.example.com }
tunnel: { dialer: A, listener: B, transparent: [A] }
`,
  );
  const child = execa('node', ['bin/wglab.js', 'up', '--hold', file], { reject: false });
  t.teardown(async () => {
    child.kill('SIGTERM');
    await child;
  });
  let stdout = '';
  const id = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^(wglab-\S+)$/m.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void child.then((result) => reject(new Error(`wglab up exited early: ${result.stderr}`)));
  });
  return { child, id };
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test.serial(`a run killed with ${signal} tears its lab down`, async (t) => {
    const { child, id } = await holdLab(t, `lifecycle-${signal.toLowerCase()}`);
    t.deepEqual(await ofLab(id), { containers: 3, networks: 0 });
    child.kill(signal);
    const result = await child;
    t.is(result.exitCode, code);
    t.regex(result.stderr, new RegExp(`${signal}: tearing down 1 lab`));
    t.deepEqual(await ofLab(id), none);
  });
}

test.serial('a run killed with SIGKILL leaves its lab, and wglab prune removes it', async (t) => {
  const { child, id } = await holdLab(t, 'lifecycle-sigkill');
  child.kill('SIGKILL');
  await child;
  t.deepEqual(await ofLab(id), { containers: 3, networks: 0 }, 'SIGKILL cannot be caught');
  const status = await wglab(['status', '--lab', id]);
  t.regex(status.stdout, /gone: wglab prune removes it/);
  const prune = await wglab(['prune']);
  t.is(prune.exitCode, 0);
  t.regex(prune.stdout, new RegExp(`removed ${id}`));
  t.deepEqual(await ofLab(id), none);
});

test.serial('prune keeps labs whose owner is alive and detached labs; --all removes them', async (t) => {
  await using alive = await startLab(articleAs('lifecycle-alive'));
  const up = await wglab(['up', 'scenarios/article/02-point-to-point.yaml']);
  t.is(up.exitCode, 0, up.stderr);
  const detached = up.stdout.trim().split('\n').at(-1)!;
  t.regex(detached, /^wglab-point-to-point-[0-9a-f]{6}$/, 'the lab id alone on the last line');
  await wglab(['prune']);
  t.is((await ofLab(alive.id)).containers, 4);
  t.is((await ofLab(detached)).containers, 4);
  const exec = await wglab([
    'exec',
    '--lab',
    detached,
    'A',
    '--',
    'curl',
    '-sS',
    '-k',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    'https://10.0.0.2/',
  ]);
  t.is(exec.stdout, '200');
  t.is((await wglab(['exec', '--lab', detached, 'A', '--', 'sh', '-c', 'exit 3'])).exitCode, 3);
  t.is((await wglab(['down', '--lab', detached])).exitCode, 0);
  t.deepEqual(await ofLab(detached), none);
  t.is((await wglab(['down', '--lab', detached])).exitCode, 2, 'a lab that is gone is a clear error');
  // --all removes detached labs and labs whose owner is alive (scoped to this test's scenarios, so labs of
  // other tests running at the same time are not touched).
  const dir = mkdtempSync(join(tmpdir(), 'wglab-prune-all-'));
  writeFileSync(
    join(dir, 's.yaml'),
    readFileSync('scenarios/article/02-point-to-point.yaml', 'utf8').replace(
      /^name: .*$/m,
      'name: lifecycle-prune-all',
    ),
  );
  const again = (await wglab(['up', join(dir, 's.yaml')])).stdout.trim().split('\n').at(-1)!;
  t.is((await ofLab(again)).containers, 4);
  const all = await wglab(['prune', '--all', '--scenario', 'lifecycle-prune-all']);
  t.is(all.exitCode, 0, all.stderr);
  t.regex(all.stdout, new RegExp(`removed ${again}`));
  t.deepEqual(await ofLab(again), none);
  t.is((await wglab(['prune', '--all', '--scenario', 'lifecycle-alive'])).exitCode, 0);
  t.deepEqual(await ofLab(alive.id), none, '--all removes a lab whose owner is alive');
});

test('two labs of the same scenario run at once without clashing', async (t) => {
  const scenario = articleAs('lifecycle-twins');
  const [first, second] = await Promise.all([startLab(scenario), startLab(scenario)]);
  try {
    t.not(first.id, second.id);
    for (const lab of [first, second]) {
      const result = await lab.exec('A', [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        'https://app.example.com/',
      ]);
      t.is(result.stdout, '200');
      t.regex((await lab.exec('B', ['cat', '/var/log/nginx/access.log'])).stdout, /^10\.0\.0\.1 /);
    }
  } finally {
    await Promise.all([first.down(), second.down()]);
  }
});

test('a bad scenario exits 2 before any container exists', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-bad-'));
  writeFileSync(
    join(dir, 'bad.yaml'),
    'name: lifecycle-bad\nendpoints:\n  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }\ntunnel: { dialer: A, listener: Z }\n',
  );
  const result = await wglab(['up', join(dir, 'bad.yaml')]);
  t.is(result.exitCode, 2);
  t.regex(result.stderr, /bad\.yaml:4 tunnel\.listener/);
  writeFileSync(join(dir, 'broken.conf'), '[Interface]\nAdress = 10.0.0.1/32\n');
  writeFileSync(
    join(dir, 'configs.yaml'),
    'name: lifecycle-bad\nendpoints:\n  A: { publicIp: 198.51.100.1 }\nconfigs: { A: ./broken.conf }\n',
  );
  const broken = await wglab(['up', join(dir, 'configs.yaml')]);
  t.is(broken.exitCode, 2);
  t.regex(broken.stderr, /broken\.conf:2/);
  t.deepEqual(await ofScenario('lifecycle-bad'), none);
});

test('a command that fails while the lab comes up names the node, the command and its stderr, and leaves nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-fail-'));
  writeFileSync(
    join(dir, 'a.conf'),
    '[Interface]\nPrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=\nAddress = 10.0.0.1/32\nPostUp = echo "no such table" >&2; false\n',
  );
  writeFileSync(
    join(dir, 's.yaml'),
    'name: lifecycle-fail\nendpoints:\n  A: { publicIp: 198.51.100.1 }\nconfigs: { A: ./a.conf }\n',
  );
  const { loadScenario } = await import('../../harness/wgconf/load-scenario.ts');
  const error = await t.throwsAsync(startLab(loadScenario(join(dir, 's.yaml'))), { instanceOf: NodeCommandError });
  t.is(error!.node, 'A');
  t.deepEqual(error!.command, ['wg-quick', 'up', 'wg0']);
  t.regex(error!.message, /no such table/);
  t.deepEqual(await ofScenario('lifecycle-fail'), none);
});

test.serial(
  "a LAN of two hosts takes the engine's bridge networks, labelled and removed at down; both hosts reach the far LAN through the tunnel",
  async (t) => {
    const path = resolve('scenarios/own-network/lifecycle-lan-bridge.yaml');
    const text = readFileSync('scenarios/own-network/three-site-mesh.yaml', 'utf8')
      .replace(/^name: .*$/m, 'name: lifecycle-lan-bridge')
      .replace('hosts: { pc-a: 192.168.1.10 }', 'hosts: { pc-a: 192.168.1.10, pc-a2: 192.168.1.11 }');
    t.true(text.includes('pc-a2'), 'the scenario has its second host');
    const lab = await startApiLab(parseScenario(text, path));
    try {
      // Four internet links and three LANs, all as the engine's networks once one link holds three nodes.
      t.deepEqual(await ofLab(lab.id), { containers: 9, networks: 7 });
      for (const [from, source] of [
        ['pc-a', '192.168.1.10'],
        ['pc-a2', '192.168.1.11'],
      ] as const) {
        const outcome = await lab.check({ from, url: 'https://pc-c/', expect: { path: 'tunnel', sourceIp: source } });
        t.true(outcome.pass, `${from}: ${outcome.reasons?.join('; ')}`);
      }
    } finally {
      await lab.stop();
    }
    t.deepEqual(await ofLab(lab.id), none);
  },
);
