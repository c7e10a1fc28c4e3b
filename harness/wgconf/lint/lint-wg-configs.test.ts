import test from 'ava';
import { readFileSync } from 'node:fs';
import { parseWgConfig } from '../parse-wg-config.ts';
import type { Finding } from './finding.ts';
import { hasErrors, lintWgConfigs } from './lint-wg-configs.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/article/${name}.conf`, import.meta.url), 'utf8');
const lint = (...files: [string, string][]): Finding[] =>
  lintWgConfigs(files.map(([file, text]) => ({ file, config: parseWgConfig(text, file) })));
const rules = (findings: Finding[]) => findings.map((finding) => finding.rule);

const A = fixture('transparent-a-prefix-A');
const B = fixture('transparent-both-B');

const goodPairs: [string, string][] = [
  ['point-to-point-A', 'point-to-point-B'],
  ['transparent-a-prefix-A', 'point-to-point-B'],
  ['transparent-a-route-A', 'point-to-point-B'],
  ['transparent-a-rule-A', 'point-to-point-B'],
  ['transparent-a-prefix-A', 'transparent-both-B'],
  ['snat-on-a-A', 'transparent-both-B'],
  ['transparent-a-prefix-A', 'snat-on-b-B'],
];

for (const [a, b] of goodPairs) {
  test(`the article's ${a} + ${b} lint clean, alone and together`, (t) => {
    t.deepEqual(lint([`${a}.conf`, fixture(a)]), []);
    t.deepEqual(lint([`${b}.conf`, fixture(b)]), []);
    t.deepEqual(lint([`${a}.conf`, fixture(a)], [`${b}.conf`, fixture(b)]), []);
  });
}

test('endpoint-in-allowedips: Endpoint inside AllowedIPs with routes in main', (t) => {
  const noTable = A.replace('Table = 123\n', '');
  const findings = lint(['a.conf', noTable]);
  t.true(rules(findings).includes('endpoint-in-allowedips'));
  const finding = findings.find((item) => item.rule === 'endpoint-in-allowedips')!;
  t.is(finding.line, 16);
  t.regex(finding.message, /Endpoint 203\.0\.113\.2:51822 \(line 15\)/);
  t.regex(finding.hint, /Table =/);
  t.true(rules(lint(['a.conf', A.replace('Table = 123', 'Table = auto')])).includes('endpoint-in-allowedips'));
  t.true(rules(lint(['a.conf', A.replace('Table = 123', 'Table = main')])).includes('endpoint-in-allowedips'));
  t.false(
    rules(lint(['a.conf', A.replace('Table = 123', 'Table = off')])).includes('endpoint-in-allowedips'),
    'Table = off adds no route at all',
  );
  t.false(rules(lint(['a.conf', fixture('point-to-point-A')])).includes('endpoint-in-allowedips'));
  t.false(
    rules(lint(['a.conf', fixture('point-to-point-A').replace('10.0.0.2/32', '0.0.0.0/0')])).includes(
      'endpoint-in-allowedips',
    ),
    'wg-quick handles a full tunnel itself',
  );
});

test('endpoint-bypass-missing: no dport rule through main', (t) => {
  const noBypass = A.replace(/^P\w+ = ip rule \w+ to 203\.0\.113\.2 dport.*\n/gm, '');
  const findings = lint(['a.conf', noBypass]);
  t.deepEqual(rules(findings), ['endpoint-bypass-missing']);
  t.regex(findings[0]!.message, /line 8/);
  t.false(rules(lint(['a.conf', A])).includes('endpoint-bypass-missing'));
});

test('endpoint-bypass-missing on the listening end needs the other file', (t) => {
  const noBypass = B.replace(/^P\w+ = ip rule \w+ to 198\.51\.100\.1 dport.*\n/gm, '');
  t.deepEqual(rules(lint(['b.conf', noBypass], ['a.conf', A])), ['endpoint-bypass-missing']);
  t.deepEqual(rules(lint(['b.conf', B], ['a.conf', A])), []);
});

test('endpoint-bypass-order: priorities swapped', (t) => {
  const swapped = A.replaceAll('priority 455', 'priority 999')
    .replaceAll('priority 456', 'priority 455')
    .replaceAll('priority 999', 'priority 456');
  const findings = lint(['a.conf', swapped]);
  t.deepEqual(rules(findings), ['endpoint-bypass-order']);
  t.regex(findings[0]!.message, /priority 456, not smaller than 455/);
  const equal = A.replaceAll('priority 456', 'priority 455');
  t.deepEqual(rules(lint(['a.conf', equal])), ['endpoint-bypass-order']);
});

test('endpoint-bypass-mismatch: dport or address not the Endpoint', (t) => {
  t.deepEqual(rules(lint(['a.conf', A.replaceAll('dport 51822', 'dport 51820')])), ['endpoint-bypass-mismatch']);
  t.deepEqual(rules(lint(['a.conf', A.replaceAll('to 203.0.113.2 dport', 'to 203.0.113.9 dport')])), [
    'endpoint-bypass-mismatch',
  ]);
  t.deepEqual(rules(lint(['b.conf', B.replaceAll('dport 51821', 'dport 51820')], ['a.conf', A])), [
    'endpoint-bypass-mismatch',
  ]);
});

test('rule-without-route: a rule to the table that no AllowedIPs covers', (t) => {
  const findings = lint(['a.conf', A.replace('AllowedIPs = 10.0.0.2/32, 203.0.113.2/32', 'AllowedIPs = 10.0.0.2/32')]);
  t.deepEqual(rules(findings), ['rule-without-route']);
  t.regex(findings[0]!.message, /falls through to main/);
  t.is(findings[0]!.line, 10);
});

test('peer-wgip-unreachable: /32 Address, Table = N and none of the three fixes', (t) => {
  const findings = lint(['a.conf', A.replace('10.0.0.1/30', '10.0.0.1/32')]);
  t.deepEqual(rules(findings), ['peer-wgip-unreachable']);
  t.regex(findings[0]!.hint, /ip route add 10\.0\.0\.2 dev %i/);
  for (const fixed of ['transparent-a-route-A', 'transparent-a-rule-A', 'transparent-a-prefix-A']) {
    t.false(rules(lint(['a.conf', fixture(fixed)])).includes('peer-wgip-unreachable'), fixed);
  }
  t.deepEqual(rules(lint(['b.conf', B.replace('10.0.0.2/30', '10.0.0.2/32')])), ['peer-wgip-unreachable']);
});

test('undo-missing: an ip rule or iptables rule without its PostDown', (t) => {
  const noDel = A.replace(/^PostDown = ip rule del to 203\.0\.113\.2 table.*\n/m, '');
  const findings = lint(['a.conf', noDel]);
  t.deepEqual(rules(findings), ['undo-missing']);
  t.regex(findings[0]!.hint, /PostDown = ip rule del to 203\.0\.113\.2 table 123 priority 456/);
  const snat = fixture('snat-on-a-A').replace(/^PostDown = iptables.*\n/m, '');
  t.deepEqual(rules(lint(['a.conf', snat])), ['undo-missing']);
  t.false(
    rules(lint(['a.conf', fixture('transparent-a-route-A')])).includes('undo-missing'),
    'routes on wg0 die with it',
  );
  const preDown = A.replace(
    'PostDown = ip rule del to 203.0.113.2 table',
    'PreDown = ip rule del to 203.0.113.2 table',
  );
  t.deepEqual(rules(lint(['a.conf', preDown])), []);
});

test('keys-mismatch: keys that do not pair', (t) => {
  const otherKey = B.replace(
    '/TOE4TKtAqVsePRVR+5AA43HkAK5DSntkOCO7nYq5xU=',
    'fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=',
  );
  const findings = lint(['a.conf', A], ['b.conf', otherKey]);
  t.deepEqual(rules(findings), ['keys-mismatch']);
  t.is(findings[0]!.file, 'b.conf');
  t.regex(findings[0]!.hint, /\/TOE4TKtAqVsePRVR\+5AA43HkAK5DSntkOCO7nYq5xU=/);
});

test('endpoint-port-mismatch: Endpoint port is not the other ListenPort', (t) => {
  const findings = lint(['a.conf', A], ['b.conf', B.replace('ListenPort = 51822', 'ListenPort = 51823')]);
  t.true(rules(findings).includes('endpoint-port-mismatch'));
});

test('allowedips-missing-peer-address: AllowedIPs do not cover the other Address', (t) => {
  const findings = lint(['a.conf', A], ['b.conf', B.replace('Address = 10.0.0.2/30', 'Address = 10.0.0.3/30')]);
  t.deepEqual(rules(findings), ['allowedips-missing-peer-address']);
  t.is(findings[0]!.file, 'a.conf');
});

test('snat-source-mismatch: --to-source is not the client public IP the server accepts', (t) => {
  const wrongA = fixture('snat-on-a-A').replaceAll('--to-source 198.51.100.1', '--to-source 198.51.100.7');
  t.deepEqual(rules(lint(['a.conf', wrongA], ['b.conf', B])), ['snat-source-mismatch']);
  const wrongB = fixture('snat-on-b-B').replaceAll('--to-source 198.51.100.1', '--to-source 10.0.0.1');
  t.deepEqual(rules(lint(['a.conf', A], ['b.conf', wrongB])), ['snat-source-mismatch']);
  t.deepEqual(
    rules(lint(['a.conf', fixture('snat-on-a-A')], ['b.conf', fixture('point-to-point-B')])),
    ['snat-source-mismatch'],
    'a plain B does not route replies to the public IP back',
  );
});

test('every finding has a rule id, a severity, a line and a hint', (t) => {
  const broken = A.replace('Table = 123\n', '').replace(/^PostDown.*\n/gm, '');
  const findings = lint(['a.conf', broken], ['b.conf', B.replace('ListenPort = 51822', 'ListenPort = 1')]);
  t.true(hasErrors(findings));
  for (const finding of findings) {
    t.truthy(finding.rule);
    t.truthy(finding.hint);
    t.is(typeof finding.line, 'number');
  }
});
