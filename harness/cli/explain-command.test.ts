import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const wglab = (...args: string[]) => execa('node', ['bin/wglab.js', ...args], { reject: false });

test('explain: exit 0 when every prediction agrees, with the chain of each check', async (t) => {
  const result = await wglab('explain', 'scenarios/article/03-transparent-a-prefix.yaml');
  t.is(result.exitCode, 0, result.stderr);
  t.regex(result.stdout, /^1 A https:\/\/app\.example\.com\/: predicted tunnel as 10\.0\.0\.1; agrees with expect/m);
  t.regex(result.stdout, /^ {2}A: rule 456 to 203\.0\.113\.2 lookup 123 → 203\.0\.113\.2\/32 dev wg0 table 123 → /m);
  t.regex(result.stdout, /^5 A https:\/\/app\.example\.com\/ \[peer-down\]: predicted none; agrees/m);
  t.regex(result.stdout, /^6 check\(s\) explained: 6 agree, 0 contradict$/m);
});

test('explain: exit 1 naming each contradicted check and the step where the prediction parts from it', async (t) => {
  const result = await wglab('explain', 'scenarios/negative/a-priorities-swapped.yaml');
  t.is(result.exitCode, 1);
  t.regex(
    result.stdout,
    /^1 A https:\/\/app\.example\.com\/: predicted none; CONTRADICTS expect \(tunnel as 10\.0\.0\.1\)/m,
  );
  t.regex(
    result.stdout,
    /expected tunnel, predicted none; parts at step \d+: A: WireGuard's own packets to 203\.0\.113\.2 would go into wg0 itself/,
  );
});

test('explain --json: { checks: [ { scenario, index, predicted, why } ] } over several files', async (t) => {
  const result = await wglab(
    'explain',
    'scenarios/article/01-no-tunnel.yaml',
    'scenarios/negative/wrong-expectations.yaml',
    '--json',
  );
  t.is(result.exitCode, 1, 'wrong-expectations contradicts');
  const json = JSON.parse(result.stdout) as {
    checks: { scenario: string; index: number; predicted: object; why: string[] }[];
  };
  t.deepEqual(Object.keys(json), ['checks']);
  t.deepEqual(
    json.checks.map((check) => `${check.scenario} ${check.index}`),
    [
      'no-tunnel 1',
      'no-tunnel 2',
      'wrong-expectations 1',
      'wrong-expectations 2',
      'wrong-expectations 3',
      'wrong-expectations 4',
    ],
  );
  t.deepEqual(json.checks[0]!.predicted, { path: 'internet', sourceIp: '198.51.100.1' });
  t.true(json.checks.every((check) => check.why.length > 0));
});

test('explain: a file it cannot read is exit 2 in the error style of the other commands', async (t) => {
  const missing = await wglab('explain', 'no-such-scenario.yaml');
  t.is(missing.exitCode, 2);
  t.regex(missing.stderr, /^wglab: cannot read scenario no-such-scenario\.yaml/m);
  t.regex(missing.stderr, /hint: /);
  const dir = mkdtempSync(join(tmpdir(), 'wglab-explain-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    readFileSync('scenarios/article/01-no-tunnel.yaml', 'utf8').replace('198.51.100.1, wgIp', '198.51.100.999, wgIp'),
  );
  const bad = await wglab('explain', file);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /^wglab: endpoints\.A\.publicIp: .*\(.*bad\.yaml:\d+ endpoints\.A\.publicIp\)/m);
});

test('explain: a hook script missing from files: makes its checks unknown, with the reason; unknown is not a contradiction', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-explain-'));
  const file = join(dir, 'two-tunnels.yaml');
  const text = readFileSync('scenarios/own-network/two-tunnels.yaml', 'utf8')
    .replace('files: { /etc/wireguard/updown.sh: ./files/updown.sh } ', '')
    .replaceAll('../../fixtures/', `${process.cwd()}/fixtures/`);
  writeFileSync(file, text);
  const result = await wglab('explain', file, '--json');
  t.is(result.exitCode, 0, result.stdout);
  const checks = (JSON.parse(result.stdout) as { checks: { predicted: { path: string }; why: string[] }[] }).checks;
  t.is(checks[0]!.predicted.path, 'unknown');
  t.regex(
    checks[0]!.why.at(-1)!,
    /unknown: gw: the script \/etc\/wireguard\/updown\.sh is not among the node's files:/,
  );
  const text2 = await wglab('explain', file);
  t.regex(text2.stdout, /unknown because gw: /);
  t.regex(text2.stdout, /1 agree, 0 contradict, 4 unknown/);
  t.regex(
    text2.stdout,
    /unknown because peer gw wg1 of west wg0 has no Endpoint, and whether it heard from it depends on an earlier check that is unknown/,
  );
});

test('--help lists explain with an example', async (t) => {
  const result = await wglab('--help');
  t.regex(result.stdout, /\bexplain\b/);
  t.regex(result.stdout, /wglab explain scenarios\//);
  const own = await wglab('explain', '--help');
  t.regex(own.stdout, /--json/);
  t.regex(own.stdout, /Examples?:/);
});
