import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WglabError } from '../../errors.ts';
import { hasErrors, lint, parseResolve, readLintInputs } from './lint.ts';

const dir = mkdtempSync(join(tmpdir(), 'wglab-lint-lib-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const client = write(
  'client.conf',
  [
    '[Interface]',
    'PrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=',
    'Address = 10.8.0.2/32',
    '[Peer]',
    'PublicKey = fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=',
    'Endpoint = vpn.example.net:51820',
    'AllowedIPs = 0.0.0.0/1, 128.0.0.0/1',
    '',
  ].join('\n'),
);

test('lint(files) returns { findings } in the JSON shape; resolve checks a name as that address', (t) => {
  const { findings } = lint([client]);
  t.deepEqual(findings, [
    {
      file: client,
      line: 6,
      rule: 'endpoint-hostname',
      severity: 'warning',
      message: findings[0]!.message,
      hint: 'run lint with --resolve vpn.example.net=<its address> to check it',
    },
  ]);
  t.deepEqual(
    lint([client], { resolve: { 'vpn.example.net': '203.0.113.2' } }).findings.map((finding) => finding.rule),
    ['endpoint-in-allowedips'],
  );
});

test('lint refuses what cannot be read or parsed with exit-2 errors naming the file', (t) => {
  const missing = t.throws(() => lint([join(dir, 'nope.conf')]), { instanceOf: WglabError })!;
  t.is(missing.exitCode, 2);
  t.regex(missing.message, /cannot read .*nope\.conf: ENOENT/);
  t.deepEqual([missing.location.file, missing.hint], [join(dir, 'nope.conf'), 'check the path']);
  const unparsable = t.throws(() => lint([write('bad.conf', '[Interface]\nAdress = 1.2.3.4/32\n')]), {
    instanceOf: WglabError,
  })!;
  t.is(unparsable.location.line, 2);
  t.truthy(t.throws(() => lint([]), { instanceOf: WglabError, message: /no file to lint/ })!.hint);
});

test('lint(SCENARIO.yaml) lints the configs the scenario runs with', async (t) => {
  t.deepEqual(lint(['scenarios/article/07-snat-on-a.yaml']).files, ['A/wg0.conf', 'B/wg0.conf']);
  const yml = write(
    'article.YML',
    (await import('node:fs')).readFileSync('scenarios/article/07-snat-on-a.yaml', 'utf8'),
  );
  t.is(lint([yml]).files.length, 2);
  t.throws(() => readLintInputs([yml, yml]), { instanceOf: WglabError }, 'two YAML files are read as wg-quick files');
  t.deepEqual(lint(['scenarios/article/07-snat-on-a.yaml']).findings, []);
  const empty = write('empty.yaml', 'name: x\nendpoints:\n  A: { publicIp: 198.51.100.1 }\n');
  t.truthy(t.throws(() => lint([empty]), { instanceOf: WglabError, message: /nothing to lint/ })!.hint);
});

test('parseResolve reads HOST=IP pairs and refuses anything else', (t) => {
  t.deepEqual(parseResolve(['a.example=203.0.113.2', 'b.example=2001:db8::2']), {
    'a.example': '203.0.113.2',
    'b.example': '2001:db8::2',
  });
  t.deepEqual(parseResolve([]), {});
  for (const bad of ['a.example', 'a.example=', '=1.2.3.4', 'a.example=name', 'a b=1.2.3.4', 'a.example=1.2.3.4 x']) {
    t.truthy(t.throws(() => parseResolve([bad]), { instanceOf: WglabError }, bad)!.hint);
  }
});

test('hasErrors: any error finding; warnings alone are none', (t) => {
  const finding = { file: 'a', rule: 'r', message: 'm', hint: 'h' };
  t.false(hasErrors([]));
  t.false(hasErrors([{ ...finding, severity: 'warning' }]));
  t.true(
    hasErrors([
      { ...finding, severity: 'warning' },
      { ...finding, severity: 'error' },
    ]),
  );
});
