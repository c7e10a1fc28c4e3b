import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const wglab = (...args: string[]) => execa('node', ['bin/wglab.js', ...args], { reject: false });
const findingsOf = (stdout: string) =>
  (JSON.parse(stdout) as { findings: { file: string; line: number; rule: string; severity: string }[] }).findings;

test('lint takes any number of files: a three-site setup is one run', async (t) => {
  const files = ['montreal', 'newyork', 'vancouver'].map((site) => `fixtures/real-world/lanbridge-${site}.conf`);
  const result = await wglab('lint', ...files);
  t.is(result.exitCode, 0, result.stdout);
  t.regex(result.stdout, /lanbridge-montreal\.conf, .*lanbridge-vancouver\.conf: 0 error\(s\), \d+ warning\(s\)/);
});

test('lint --resolve checks a hostname Endpoint as the given address (repeatable); a bad pair is exit 2', async (t) => {
  const file = 'fixtures/real-world/manpage-client-demo.conf';
  const named = findingsOf((await wglab('lint', file, '--json')).stdout);
  t.deepEqual(
    named.map((finding) => finding.rule),
    ['endpoint-hostname'],
  );
  const dir = mkdtempSync(join(tmpdir(), 'wglab-lint-'));
  const narrow = join(dir, 'wg0.conf');
  writeFileSync(
    narrow,
    readFileSync(file, 'utf8').replace('AllowedIPs = 0.0.0.0/0', 'AllowedIPs = 0.0.0.0/1, 128.0.0.0/1'),
  );
  const resolved = await wglab(
    'lint',
    narrow,
    '--resolve',
    'other.example=198.51.100.1',
    '--resolve',
    'demo.wireguard.com=163.172.161.0',
    '--json',
  );
  t.is(resolved.exitCode, 1);
  t.deepEqual(
    findingsOf(resolved.stdout).map((finding) => finding.rule),
    ['endpoint-in-allowedips'],
  );
  const bad = await wglab('lint', file, '--resolve', 'demo.wireguard.com');
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /--resolve demo\.wireguard\.com is not HOST=IP/);
  t.is((await wglab('lint', file, '--resolve', 'demo.wireguard.com=nowhere')).exitCode, 2);
});

test('a redacted key is a finding (exit 1) with the other rules still run, not a refusal (exit 2)', async (t) => {
  const result = await wglab('lint', 'fixtures/real-world/udm-server-redacted.conf', '--json');
  t.is(result.exitCode, 1);
  const rules = findingsOf(result.stdout).map((finding) => finding.rule);
  t.true(rules.includes('invalid-key'));
  t.true(rules.includes('allowedips-host-bits'));
});

test('lint SCENARIO.yaml still lints the configs a scenario runs with', async (t) => {
  const result = await wglab('lint', 'scenarios/article/07-snat-on-a.yaml');
  t.is(result.exitCode, 0, result.stdout);
  t.regex(result.stdout, /no findings/);
});
