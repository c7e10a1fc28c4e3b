import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const wglab = (...args: string[]) => execa('node', ['bin/wglab.js', ...args], { reject: false });

test('--help lists the commands', async (t) => {
  const result = await wglab('--help');
  t.is(result.exitCode, 0);
  for (const command of ['generate', 'lint', 'run', 'demo', 'up', 'exec', 'status', 'down', 'prune', 'image', 'diff'])
    t.regex(result.stdout, new RegExp(`\\b${command}\\b`));
  t.regex(result.stdout, /Examples:/);
});

test("each command's --help lists its options and examples", async (t) => {
  for (const [command, option] of [
    ['generate', '--out'],
    ['lint', '--json'],
    ['run', '--report'],
    ['demo', '--keep'],
    ['up', '--hold'],
    ['exec', '--lab'],
    ['status', '--json'],
    ['down', '--lab'],
    ['prune', '--all'],
    ['image', '--help'],
  ] as const) {
    const result = await wglab(command, '--help');
    t.is(result.exitCode, 0, command);
    t.true(result.stdout.includes(option), `${command} --help lists ${option}`);
    t.regex(result.stdout, /Examples?:/, `${command} --help has examples`);
  }
});

test('generate writes mode-0600 wg0.conf per WireGuard endpoint and lint finds them clean', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'wglab-gen-'));
  const result = await wglab('generate', 'scenarios/article/08-snat-on-b.yaml', '--out', out);
  t.is(result.exitCode, 0, result.stderr);
  t.is(statSync(join(out, 'A', 'wg0.conf')).mode & 0o777, 0o600);
  t.throws(() => statSync(join(out, 'C')));
  t.regex(
    readFileSync(join(out, 'B', 'wg0.conf'), 'utf8'),
    /^PreUp = iptables -A INPUT -t nat -s 10\.0\.0\.1 -d 203\.0\.113\.2 -j SNAT --to-source 198\.51\.100\.1$/m,
  );
  const lint = await wglab('lint', join(out, 'A', 'wg0.conf'), join(out, 'B', 'wg0.conf'));
  t.is(lint.exitCode, 0, lint.stdout);
});

test('lint exits 1 on an error finding and prints JSON with --json', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-lint-'));
  const file = join(dir, 'a.conf');
  writeFileSync(
    file,
    readFileSync('fixtures/article/transparent-a-prefix-A.conf', 'utf8').replace('Table = 123\n', ''),
  );
  const result = await wglab('lint', file, '--json');
  t.is(result.exitCode, 1);
  const { findings } = JSON.parse(result.stdout) as { findings: Record<string, unknown>[] };
  t.true(
    findings.some(
      (finding) => finding.rule === 'endpoint-in-allowedips' && finding.severity === 'error' && finding.file === file,
    ),
  );
  for (const finding of findings)
    t.deepEqual(Object.keys(finding).sort(), ['file', 'hint', 'line', 'message', 'rule', 'severity']);
});

test('lint exits 2 on a file it cannot read or parse', async (t) => {
  t.is((await wglab('lint', '/nonexistent/wg0.conf')).exitCode, 2);
  const dir = mkdtempSync(join(tmpdir(), 'wglab-lint-'));
  writeFileSync(join(dir, 'bad.conf'), '[Interface]\nAdress = 1.2.3.4/32\n');
  const result = await wglab('lint', join(dir, 'bad.conf'));
  t.is(result.exitCode, 2);
  t.regex(result.stderr, /^wglab: unknown key Adress in \[Interface\] \(.*bad\.conf:2\)\n {2}hint: /);
});

test('a bad scenario exits 2 with file, line and field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-bad-'));
  writeFileSync(join(dir, 's.yaml'), 'name: x\nendpoints:\n  A: { publicIp: 1.2.3, wgIp: 10.0.0.1 }\n');
  const result = await wglab('generate', join(dir, 's.yaml'), '--out', dir);
  t.is(result.exitCode, 2);
  t.regex(result.stderr, /s\.yaml:3 endpoints\.A\.publicIp\)/);
  t.notRegex(result.stderr, /at .*\.ts:\d+/, 'no stack trace for a user mistake');
});

test('unknown commands and options are clear errors with exit 2', async (t) => {
  const typo = await wglab('lnt');
  t.is(typo.exitCode, 2);
  t.regex(typo.stderr, /Did you mean lint/);
  t.is((await wglab('lint', '--jsn', 'x')).exitCode, 2);
  const demoTypo = await wglab('demo', '--kep');
  t.is(demoTypo.exitCode, 2);
  t.regex(demoTypo.stderr, /unknown option '--kep'[\s\S]*Did you mean --keep/);
  const both = await wglab('run', 'x.yaml', '--report', 'a', '--artifacts', 'b');
  t.is(both.exitCode, 2);
  t.regex(both.stderr, /cannot be used with/);
});

test('run with several scenarios refuses bad input in any of them, and two of the same name, before any lab starts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-many-'));
  writeFileSync(join(dir, 'bad.yaml'), 'name: x\nendpoints:\n  A: { publicIp: 1.2.3 }\n');
  const bad = await wglab('run', 'scenarios/article/01-no-tunnel.yaml', join(dir, 'bad.yaml'));
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /bad\.yaml:3 endpoints\.A\.publicIp\)/);
  const twice = await wglab('run', 'scenarios/article/01-no-tunnel.yaml', 'scenarios/article/01-no-tunnel.yaml');
  t.is(twice.exitCode, 2);
  t.regex(
    twice.stderr,
    /^wglab: two scenarios are named no-tunnel: scenarios\/article\/01-no-tunnel\.yaml and scenarios\/article\/01-no-tunnel\.yaml\n.*give each scenario its own name/m,
  );
});

test('--engine: a bad address or an engine that does not answer is exit 2 with what to give, before any lab', async (t) => {
  for (const command of [
    ['run', 'scenarios/article/01-no-tunnel.yaml'],
    ['up', 'scenarios/article/01-no-tunnel.yaml'],
    ['status'],
    ['prune'],
    ['down', '--lab', 'wglab-x'],
    ['exec', '--lab', 'wglab-x', 'A', '--', 'true'],
  ]) {
    // Options go before the node's command (`--` ends them).
    const given = (url: string) => {
      const end = command.includes('--') ? command.indexOf('--') - 1 : command.length;
      return [...command.slice(0, end), '--engine', url, ...command.slice(end)];
    };
    const bad = await wglab(...given('http://127.0.0.1:2375'));
    t.is(bad.exitCode, 2, `${command[0]}: ${bad.stderr}`);
    t.regex(bad.stderr, /engine "http:\/\/127\.0\.0\.1:2375": http:\/\/ is not an engine address/);
    t.regex(bad.stderr, /hint: give unix:\/\/\/var\/run\/docker\.sock, tcp:\/\/HOST:PORT or ssh:\/\/USER@HOST/);
    const silent = await wglab(...given('unix:///nonexistent/wglab-test.sock'));
    t.is(silent.exitCode, 2, `${command[0]}: ${silent.stderr}`);
    t.regex(silent.stderr, /no Docker engine answers at unix:\/\/\/nonexistent\/wglab-test\.sock/);
  }
  const env = await execa('node', ['bin/wglab.js', 'status'], {
    reject: false,
    env: { WGLAB_ENGINES: 'tcp://127.0.0.1' },
  });
  t.is(env.exitCode, 2);
  t.regex(env.stderr, /engine "tcp:\/\/127\.0\.0\.1": no port/);
});

test('up starts one lab on one engine: two named (--engine or WGLAB_ENGINES) is exit 2 with a hint, before any lab', async (t) => {
  const two = ['--engine', 'unix:///nonexistent/a.sock', '--engine', 'unix:///nonexistent/b.sock'];
  const given = await wglab('up', 'scenarios/article/01-no-tunnel.yaml', ...two);
  t.is(given.exitCode, 2, given.stderr);
  t.regex(
    given.stderr,
    /^wglab: up starts one lab on one engine, and 2 are named: unix:\/\/\/nonexistent\/a\.sock, unix:\/\/\/nonexistent\/b\.sock\n {2}hint: name one: --engine URL/,
  );
  const env = await execa('node', ['bin/wglab.js', 'up', 'scenarios/article/01-no-tunnel.yaml'], {
    reject: false,
    env: { WGLAB_ENGINES: 'unix:///nonexistent/a.sock,unix:///nonexistent/b.sock' },
  });
  t.is(env.exitCode, 2, env.stderr);
  t.regex(env.stderr, /and 2 are named/);
  // The control: one engine named is taken (it is asked, and does not answer), not refused as two.
  const one = await wglab('up', 'scenarios/article/01-no-tunnel.yaml', ...two.slice(0, 2));
  t.is(one.exitCode, 2);
  t.regex(one.stderr, /no Docker engine answers at unix:\/\/\/nonexistent\/a\.sock/);
});
