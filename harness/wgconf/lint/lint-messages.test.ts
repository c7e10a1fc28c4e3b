import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseWgConfig } from '../parse-wg-config.ts';
import { formatFinding, type Finding } from './finding.ts';
import { lintWgConfigs } from './lint-wg-configs.ts';

/**
 * The exact text of every rule's finding, as users read it: one case per rule (or way a rule fires), kept in
 * fixtures/lint/messages.json. After a deliberate wording change, rewrite it with WGLAB_UPDATE_GOLDEN=1 and read the diff.
 */
const article = (name: string) =>
  readFileSync(new URL(`../../../fixtures/article/${name}.conf`, import.meta.url), 'utf8');
const A = article('transparent-a-prefix-A');
const B = article('transparent-both-B');
const keyA = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=';
const pubB = 'fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=';
const conf = (iface: string[], peer: string[] = [`PublicKey = ${pubB}`, 'AllowedIPs = 10.0.0.2/32']) =>
  ['[Interface]', `PrivateKey = ${keyA}`, ...iface, '', '[Peer]', ...peer, ''].join('\n');

const cases: Record<string, [string, string][]> = {
  'endpoint-in-allowedips (no Table)': [['a.conf', A.replace('Table = 123\n', '')]],
  'endpoint-in-allowedips (Table = main)': [['a.conf', A.replace('Table = 123', 'Table = main')]],
  'endpoint-in-allowedips (hook route)': [
    ['a.conf', A.replace('Table = 123', 'Table = off\nPostUp = ip route add 203.0.113.0/24 dev %i')],
  ],
  'endpoint-bypass-missing': [['a.conf', A.replace(/^P\w+ = ip rule \w+ to 203\.0\.113\.2 dport.*\n/gm, '')]],
  'endpoint-bypass-missing (listening end, guessed port)': [
    ['b.conf', B.replace(/^P\w+ = ip rule \w+ to 198\.51\.100\.1 dport.*\n/gm, '')],
    ['a.conf', A],
  ],
  'endpoint-bypass-order': [['a.conf', A.replaceAll('priority 456', 'priority 455')]],
  'endpoint-bypass-order (listening end alone)': [['b.conf', B.replaceAll('priority 456', 'priority 454')]],
  'endpoint-bypass-mismatch': [['a.conf', A.replaceAll('dport 51822', 'dport 51820')]],
  'rule-without-route': [['a.conf', A.replace('AllowedIPs = 10.0.0.2/32, 203.0.113.2/32', 'AllowedIPs = 10.0.0.2/32')]],
  'rule-without-route (Table = off)': [
    [
      'a.conf',
      A.replace('Table = 123', 'Table = off\nPostUp = ip route add 203.0.113.2 via 169.254.0.1 dev eth0').replace(
        'priority 456',
        'priority 456\nPostUp = ip rule add to 192.0.2.0/24 table 124 priority 457\nPostDown = ip rule del to 192.0.2.0/24 table 124 priority 457',
      ),
    ],
  ],
  'peer-wgip-unreachable': [['a.conf', A.replace('10.0.0.1/30', '10.0.0.1/32')]],
  'undo-missing (ip rule, iptables)': [
    [
      'a.conf',
      conf([
        'Address = 10.0.0.1/24',
        'PostUp = ip -6 rule add to fd00::2 table main priority 9',
        'PreUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
      ]),
    ],
  ],
  'down-adds': [
    [
      'a.conf',
      conf([
        'Address = 10.0.0.1/24',
        'PostUp = iptables -A FORWARD -i wg0 -j ACCEPT',
        'PostDown = iptables -A FORWARD -i wg0 -j ACCEPT',
        'PreDown = ip rule add priority 7 table main',
      ]),
    ],
  ],
  'rule-priority-missing': [
    [
      'a.conf',
      conf([
        'Address = 10.0.0.1/24',
        'PostUp = ip rule add to 10.9.0.0/16 table main',
        'PostDown = ip rule del to 10.9.0.0/16 table main',
      ]),
    ],
  ],
  'hook-comment-cut (more commands)': [
    [
      'a.conf',
      conf([
        'Address = 10.0.0.1/24',
        'PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE #; ip6tables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
        'PostDown = iptables -t nat -D POSTROUTING -o eth0 -j MASQUERADE',
      ]),
    ],
  ],
  'hook-comment-cut (quoted)': [['a.conf', conf(['Address = 10.0.0.1/24', 'PostUp = logger "wg #%i up"'])]],
  'allowedips-host-bits': [
    [
      'a.conf',
      conf(['Address = 10.6.0.1/24'], [`PublicKey = ${pubB}`, 'AllowedIPs = 10.6.0.2/24, fd00::5/64, 10.7.0.1/32']),
    ],
  ],
  'allowedips-duplicate': [
    ['a.conf', `${conf(['Address = 10.0.0.1/24'])}[Peer]\nPublicKey = ${keyA}\nAllowedIPs = 10.0.0.2/32\n`],
  ],
  'endpoint-hostname': [
    [
      'a.conf',
      conf(
        ['Address = 10.0.0.1/24'],
        [`PublicKey = ${pubB}`, 'Endpoint = vpn.example.net:51820', 'AllowedIPs = 10.0.0.2/32'],
      ),
    ],
  ],
  'mtu-below-ipv6': [
    [
      'a.conf',
      conf(
        ['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1200'],
        [`PublicKey = ${pubB}`, 'AllowedIPs = 10.70.0.0/24, fd70::/64'],
      ),
    ],
  ],
  'mtu-below-ipv6 (Address only)': [
    [
      'a.conf',
      conf(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1200'], [`PublicKey = ${pubB}`, 'AllowedIPs = 10.70.0.0/24']),
    ],
  ],
  'saveconfig-rewrites': [
    [
      'a.conf',
      conf(
        ['# note', 'Address = 10.0.0.1/24', 'SaveConfig = true', 'PostUp = echo up', 'PostDown = echo down'],
        [`PublicKey = ${pubB}`, 'Endpoint = vpn.example.net:51820', 'AllowedIPs = 10.0.0.2/32'],
      ),
    ],
  ],
  'invalid-key, invalid-value': [
    [
      'a.conf',
      conf(['Address = 10.0.0.1/24', 'ListenPort = 0'], ['PublicKey = <redacted>', 'AllowedIPs = 10.0.0.2/32, x']),
    ],
  ],
  'keys-mismatch': [
    ['a.conf', A],
    ['b.conf', B.replace('/TOE4TKtAqVsePRVR+5AA43HkAK5DSntkOCO7nYq5xU=', pubB)],
  ],
  'endpoint-port-mismatch': [
    ['a.conf', A],
    ['b.conf', B.replace('ListenPort = 51822', 'ListenPort = 51823')],
  ],
  'endpoint-port-mismatch (no ListenPort)': [
    ['a.conf', A],
    ['b.conf', B.replace('ListenPort = 51822\n', '')],
  ],
  'allowedips-missing-peer-address': [
    ['a.conf', A],
    ['b.conf', B.replace('Address = 10.0.0.2/30', 'Address = 10.0.0.3/30')],
  ],
  'snat-source-mismatch': [
    ['a.conf', article('snat-on-a-A').replaceAll('--to-source 198.51.100.1', '--to-source 198.51.100.7')],
    ['b.conf', B],
  ],
  'peer-missing': [
    [
      'a.conf',
      `${A}[Peer]\nPublicKey = ${keyA}\nAllowedIPs = 10.0.0.9/32\n`.replace(
        pubB,
        'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      ),
    ],
    ['b.conf', B],
  ],
};

const golden = new URL('../../../fixtures/lint/messages.json', import.meta.url);
const wordsOf = (files: [string, string][]) =>
  lintWgConfigs(files.map(([file, text]) => ({ file, config: parseWgConfig(text, file) }))).map(formatFinding);
if (process.env.WGLAB_UPDATE_GOLDEN) {
  writeFileSync(
    golden,
    `${JSON.stringify(Object.fromEntries(Object.entries(cases).map(([name, files]) => [name, wordsOf(files)])), null, 2)}\n`,
  );
}
const expected = JSON.parse(readFileSync(golden, 'utf8')) as Record<string, string[]>;

for (const [name, files] of Object.entries(cases)) {
  test(`the words of ${name}`, (t) => {
    t.deepEqual(wordsOf(files), expected[name]);
    t.true(expected[name]!.length > 0);
  });
}

test('formatFinding: file:line, severity, rule, message, then the hint; lines() lists sorted unique lines', async (t) => {
  const finding: Finding = { file: 'a.conf', line: 3, rule: 'r', severity: 'warning', message: 'm', hint: 'h' };
  t.is(formatFinding(finding), 'a.conf:3: warning [r] m\n  hint: h');
  t.is(formatFinding({ ...finding, line: undefined }), 'a.conf: warning [r] m\n  hint: h');
  const { lines } = await import('./finding.ts');
  t.is(lines(), 'not set');
  t.is(lines(undefined), 'not set');
  t.is(lines(8), 'line 8');
  t.is(lines(10, 8, undefined, 10, 9), 'lines 8, 9, 10');
  t.is(lines(12, 9), 'lines 9, 12');
});
