import test from 'ava';
import { execa } from 'execa';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ofScenario } from '../lab/helpers.ts';

// wglab as its users get it: `npm pack`, installed from the tarball into an empty project, used there from
// plain JavaScript (node:test, no loader), from TypeScript (types only), and as `npx wglab` for record-then-verify.
const root = new URL('../../', import.meta.url).pathname;
const consumer = new URL('consumer/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'wglab-package-'));
const project = join(work, 'project');
let tarball = '';

test.before(async () => {
  // Packed from a copy: the build (dist/) must not appear in the checkout while other tests run bin/wglab.js there.
  const source = join(work, 'source');
  mkdirSync(join(source, 'scenarios'), { recursive: true });
  for (const entry of [
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'README.md',
    'docs',
    'bin',
    'harness',
    'lab-image',
    'scripts',
    'scenarios/article',
  ]) {
    cpSync(join(root, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'));
  const pack = await execa('npm', ['pack', '--pack-destination', work], { cwd: source });
  tarball = join(work, pack.stdout.trim().split('\n').at(-1)!);
  await execa('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'my-tunnels', private: true, type: 'module' }, null, 2)}\n`,
  );
  await execa('npm', ['install', '--no-audit', '--no-fund', tarball, 'ava@7'], { cwd: project });
  for (const file of readdirSync(consumer)) copyFileSync(join(consumer, file), join(project, file));
  copyFileSync(join(root, 'fixtures/article/transparent-a-prefix-A.conf'), join(project, 'a.conf'));
  copyFileSync(join(root, 'fixtures/negative/a-priorities-swapped.conf'), join(project, 'a-swapped.conf'));
  copyFileSync(join(root, 'fixtures/negative/b-point-to-point.conf'), join(project, 'b.conf'));
});

test.after.always(() => rmSync(work, { recursive: true, force: true }));

test.serial('the tarball ships compiled JavaScript, types and the runtime files, and no TypeScript source', (t) => {
  const installed = join(project, 'node_modules/wglab');
  for (const file of [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'lab-image/packages.txt',
    'lab-image/Dockerfile',
    'scripts/setup-host.sh',
    'bin/wglab.js',
    'README.md',
    'docs/library.md',
  ])
    t.true(statSync(join(installed, file)).isFile(), file);
  t.throws(() => statSync(join(installed, 'harness')));
  t.true(
    statSync(join(work, 'source', 'dist', '.built')).isFile(),
    'the checkout keeps the build, stamped (bin runs it while no source is newer)',
  );
  t.log(`tarball ${(statSync(tarball).size / 1024).toFixed(0)} kB`);
});

test.serial(
  'a plain JavaScript node:test file imports wglab, runs a scenario, drives a lab by hand and leaves nothing',
  async (t) => {
    const result = await execa('node', ['--test', 'wglab.test.js'], { cwd: project, reject: false });
    t.is(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    t.regex(result.stdout, /# pass 4/);
    t.deepEqual(await ofScenario('pkg-never-seen'), { containers: 0, networks: 0 });
  },
);

test.serial(
  'TypeScript users get types: await using a lab and a fault type-checks against the installed package',
  async (t) => {
    const result = await execa(
      'node',
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--lib',
        'es2023,esnext.disposable',
        '--typeRoots',
        join(root, 'node_modules/@types'),
        '--types',
        'node',
        'typed.mts',
      ],
      { cwd: project, reject: false },
    );
    t.is(result.exitCode, 0, result.stdout);
    // Negative control: the same compiler refuses a misspelt request and an unknown fault.
    writeFileSync(
      join(project, 'wrong.mts'),
      `import { loadScenario, startLab } from 'wglab';
const lab = await startLab(loadScenario('never-seen.yaml'));
await lab.check({ form: 'laptop', url: 'https://intranet.example.test/' });
await lab.fault('tunnel-gone', 'laptop');
`,
    );
    const wrong = await execa(
      'node',
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--lib',
        'es2023,esnext.disposable',
        '--typeRoots',
        join(root, 'node_modules/@types'),
        '--types',
        'node',
        'wrong.mts',
      ],
      { cwd: project, reject: false },
    );
    t.not(wrong.exitCode, 0);
    t.regex(wrong.stdout, /wrong\.mts\(3,.*'form' does not exist/);
    t.regex(wrong.stdout, /wrong\.mts\(4,.*"tunnel-gone"/);
  },
);

test.serial(
  'record, then verify: no expect exits 2, --record fills them in, the same files pass, swapped priorities fail',
  async (t) => {
    const wglab = (...args: string[]) => execa('npx', ['wglab', ...args], { cwd: project, reject: false });
    const before = readFileSync(join(project, 'office.yaml'), 'utf8');

    const unrecorded = await wglab('run', 'office.yaml');
    t.is(unrecorded.exitCode, 2, unrecorded.stderr);
    t.regex(unrecorded.stderr, /3 check\(s\) have no expect.*pkg-office check 1 A https:\/\/app\.example\.com\//);
    t.regex(unrecorded.stderr, /--record/);

    const record = await wglab('run', 'office.yaml', '--record');
    t.is(record.exitCode, 0, record.stderr);
    t.regex(
      record.stdout,
      /^recorded check 1 A https:\/\/app\.example\.com\/: expect \{ sourceIp: 10\.0\.0\.1, path: tunnel \}$/m,
    );
    t.regex(
      record.stdout,
      /^recorded check 3 A https:\/\/app\.example\.com\/ \[tunnel-down\]: expect \{ sourceIp: 198\.51\.100\.1, path: internet \}$/m,
    );
    const recorded = readFileSync(join(project, 'office.yaml'), 'utf8');
    t.is(
      recorded,
      before
        .replace(
          '{ from: A, url: "https://app.example.com/" }  ',
          '{ from: A, url: "https://app.example.com/", expect: { sourceIp: 10.0.0.1, path: tunnel } }  ',
        )
        .replace(
          '{ from: C, url: "https://app.example.com/" }',
          '{ from: C, url: "https://app.example.com/", expect: { sourceIp: 192.0.2.3, path: internet } }',
        )
        .replace(
          '# falls back to the internet\n',
          '# falls back to the internet\n    expect: { sourceIp: 198.51.100.1, path: internet }\n',
        ),
    );

    const verify = await wglab('run', 'office.yaml', '--report', 'before');
    t.is(verify.exitCode, 0, `${verify.stdout}\n${verify.stderr}`);
    t.regex(verify.stdout, /pkg-office: 3 passed, 0 failed/);

    copyFileSync(join(project, 'a-swapped.conf'), join(project, 'a.conf'));
    const regressed = await wglab('run', 'office.yaml', '--report', 'after');
    t.is(regressed.exitCode, 1, regressed.stderr);
    t.regex(
      regressed.stdout,
      /^FAIL 1 A https:\/\/app\.example\.com\/: expected tunnel as 10\.0\.0\.1, observed none/m,
    );
    t.is(readFileSync(join(project, 'office.yaml'), 'utf8'), recorded, 'a run without --record never writes');
    const diff = await wglab('diff', 'before/report.json', 'after/report.json');
    t.is(diff.exitCode, 1, diff.stderr);
    t.regex(diff.stdout, /^pkg-office check 1 A https:\/\/app\.example\.com\/: tunnel as 10\.0\.0\.1 -> none$/m);
    t.log(diff.stdout);
    t.deepEqual(await ofScenario('pkg-office'), { containers: 0, networks: 0 });
  },
);

test.serial("docs/library.md's AVA and node:test examples pass as pasted, against the recorded scenario", async (t) => {
  const library = readFileSync(join(project, 'node_modules/wglab/docs/library.md'), 'utf8');
  const examples = [...library.matchAll(/```js\n(\/\/ test\/wireguard\.test\.js\n[\s\S]*?)```/g)].map(
    (match) => match[1]!,
  );
  t.is(examples.length, 2, 'an AVA example and a node:test example');
  const [ava, nodeTest] = examples as [string, string];
  t.regex(ava, /from 'ava'/);
  t.regex(nodeTest, /from 'node:test'/);
  mkdirSync(join(project, 'wireguard'), { recursive: true });
  mkdirSync(join(project, 'test'), { recursive: true });
  // The scenario of docs/scenarios.md "Record, then verify" as --record left it, with the configs it was recorded from.
  writeFileSync(
    join(project, 'wireguard/office.yaml'),
    readFileSync(join(project, 'office.yaml'), 'utf8').replace('name: pkg-office', 'name: office'),
  );
  copyFileSync(join(root, 'fixtures/article/transparent-a-prefix-A.conf'), join(project, 'wireguard/a.conf'));
  copyFileSync(join(root, 'fixtures/negative/b-point-to-point.conf'), join(project, 'wireguard/b.conf'));
  const packageJson = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ ...packageJson, ava: { timeout: '2m' } }, null, 2));

  writeFileSync(join(project, 'test/wireguard.test.js'), nodeTest);
  const node = await execa('node', ['--test', 'test/wireguard.test.js'], { cwd: project, reject: false });
  t.is(node.exitCode, 0, `${node.stdout}\n${node.stderr}`);
  t.regex(node.stdout, /# pass 3/);

  writeFileSync(join(project, 'test/wireguard.test.js'), ava);
  const avaRun = await execa('npx', ['ava', 'test/wireguard.test.js'], {
    cwd: project,
    reject: false,
    env: { CI: '1' },
  });
  t.is(avaRun.exitCode, 0, `${avaRun.stdout}\n${avaRun.stderr}`);
  t.regex(avaRun.stdout, /3 tests passed/);
  t.deepEqual(await ofScenario('office'), { containers: 0, networks: 0 });
});
