import test from 'ava';
import { readFileSync } from 'node:fs';
import { generateKeyPair } from '../keys.ts';
import { parseWgConfig } from '../parse-wg-config.ts';
import type { Finding } from './finding.ts';
import { snatAddress } from './lint-pair.ts';
import { lintWgConfigs, type LintOptions } from './lint-wg-configs.ts';

// Keys are made at test time; the article's pair (A's private key, B's public key) where a file stands alone.
const keyA = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=';
const pubB = 'fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=';

const lint = (files: [string, string][], options?: LintOptions): Finding[] =>
  lintWgConfigs(
    files.map(([file, text]) => ({ file, config: parseWgConfig(text, file) })),
    options,
  );
const one = (text: string, options?: LintOptions) => lint([['wg0.conf', text]], options);
const rules = (findings: Finding[]) => findings.map((finding) => finding.rule);
const errors = (findings: Finding[]) =>
  findings.filter((finding) => finding.severity === 'error').map((finding) => finding.rule);
const only = (findings: Finding[], rule: string) => findings.filter((finding) => finding.rule === rule);

/** A one-peer file: Interface lines, then Peer lines. */
const article = (name: string) =>
  readFileSync(new URL(`../../../fixtures/article/${name}.conf`, import.meta.url), 'utf8');
const A = article('transparent-a-prefix-A');
const B = article('transparent-both-B');

const conf = (iface: string[], peer: string[] = [`PublicKey = ${pubB}`, 'AllowedIPs = 10.0.0.2/32']) =>
  ['[Interface]', `PrivateKey = ${keyA}`, ...iface, '', '[Peer]', ...peer, ''].join('\n');

/** The article's transparent tunnel on A with a hook-free /30 (lines: Table 5, hooks from 6). */
const tableHead = ['Address = 10.0.0.1/30', 'ListenPort = 51821', 'Table = 123'];
const transparent = (hooks: string[], allowed = '10.0.0.2/32, 203.0.113.2/32', iface = tableHead) =>
  conf([...iface, ...hooks], [`PublicKey = ${pubB}`, 'Endpoint = 203.0.113.2:51822', `AllowedIPs = ${allowed}`]);
const bypass = [
  'PreUp = ip rule add to 203.0.113.2 dport 51822 table main priority 455',
  'PostDown = ip rule del to 203.0.113.2 dport 51822 table main priority 455',
];
const intoTable = [
  'PreUp = ip rule add to 203.0.113.2 table 123 priority 456',
  'PostDown = ip rule del to 203.0.113.2 table 123 priority 456',
];

// ---- configs people run every day: no error, and no finding at all where nothing is doubtful ----

test('a full-tunnel client (0.0.0.0/0, ::/0, Endpoint inside, DNS, MTU) has no finding: wg-quick adds its own fwmark rules', (t) => {
  const client = conf(
    ['Address = 10.8.0.2/32, fd00::2/128', 'DNS = 1.1.1.1, 2606:4700:4700::1111', 'MTU = 1420'],
    [
      `PublicKey = ${pubB}`,
      'PresharedKey = fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=',
      'Endpoint = 203.0.113.2:51820',
      'AllowedIPs = 0.0.0.0/0, ::/0',
      'PersistentKeepalive = 25',
    ],
  );
  t.deepEqual(one(client), []);
  t.deepEqual(one(client.replace('203.0.113.2:51820', '[2001:db8::2]:51820')), []);
});

test('a road-warrior server with several peers and MASQUERADE undone in PostDown has no finding', (t) => {
  const server = [
    '[Interface]',
    `PrivateKey = ${keyA}`,
    'Address = 10.8.0.1/24',
    'ListenPort = 51820',
    'PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE # NAT',
    'PostDown = iptables -D FORWARD -i %i -j ACCEPT; iptables -t nat -D POSTROUTING -o eth0 -j MASQUERADE',
    'PostUp = sysctl -w net.ipv4.ip_forward=1',
    ...[2, 3, 4].flatMap((n) => [
      '',
      '[Peer]',
      `PublicKey = ${generateKeyPair().publicKey}`,
      `AllowedIPs = 10.8.0.${n}/32`,
    ]),
    '',
  ].join('\n');
  t.deepEqual(one(server), []);
});

test('a site-to-site pair with LAN prefixes in AllowedIPs has no finding, alone and together', (t) => {
  const [a, b] = [generateKeyPair(), generateKeyPair()];
  const site = (own: typeof a, other: typeof a, n: number, m: number) =>
    [
      '[Interface]',
      `PrivateKey = ${own.privateKey}`,
      `Address = 10.10.0.${n}/24`,
      'ListenPort = 51820',
      'PostUp = iptables -t nat -A POSTROUTING -s 192.168.0.0/16 -o eth0 -j MASQUERADE',
      'PostDown = iptables -t nat -D POSTROUTING -s 192.168.0.0/16 -o eth0 -j MASQUERADE',
      '[Peer]',
      `PublicKey = ${other.publicKey}`,
      `Endpoint = 198.51.100.${m}:51820`,
      `AllowedIPs = 10.10.0.${m}/32, 192.168.${m}.0/24`,
      '',
    ].join('\n');
  t.deepEqual(
    lint([
      ['a.conf', site(a, b, 1, 2)],
      ['b.conf', site(b, a, 2, 1)],
    ]),
    [],
  );
});

test('the split-tunnel router (Table = 101, 0.0.0.0/1, 128.0.0.0/1, ::/1, 8000::/1, rules in a script) has no error', (t) => {
  const router = conf(
    [
      'Address = 10.13.13.4/32',
      'DNS = 10.13.13.1',
      'Table = 101',
      'PostUp = sh /etc/split-vpn/vpn/updown.sh %i up',
      'PreDown = sh /etc/split-vpn/vpn/updown.sh %i down',
    ],
    [`PublicKey = ${pubB}`, 'AllowedIPs = 0.0.0.0/1, 128.0.0.0/1, ::/1, 8000::/1', 'Endpoint = 198.51.100.9:51820'],
  );
  t.deepEqual(one(router), []);
  const withRules = router
    .replace('PostUp = sh', 'PostUp = ip rule add from 192.168.1.0/24 table 101 priority 100; sh')
    .replace('PreDown = sh', 'PreDown = ip rule del from 192.168.1.0/24 table 101 priority 100; sh');
  t.deepEqual(one(withRules), []);
});

// ---- rule-priority-missing: a rule of its own ----

test('rule-priority-missing: a lone ip rule without priority is a warning on its line; any priority spelling silences it', (t) => {
  const lone = conf([
    'Address = 10.0.0.1/32',
    'Table = 123',
    'PostUp = ip rule add to 10.0.0.2 table 123',
    'PostDown = ip rule del to 10.0.0.2 table 123',
  ]);
  const findings = one(lone);
  t.deepEqual(rules(findings), ['rule-priority-missing']);
  t.is(findings[0]!.severity, 'warning');
  t.is(findings[0]!.line, 5);
  t.regex(findings[0]!.hint, /ip rule add to 10\.0\.0\.2 table 123 priority 456/);
  for (const word of ['priority', 'pref', 'preference', 'prio', 'order']) {
    t.deepEqual(one(lone.replaceAll('table 123\n', `table 123 ${word} 457\n`)), [], word);
  }
  t.deepEqual(
    one(
      lone.replace(
        'PostUp = ip rule add to 10.0.0.2 table 123',
        'PostUp = ip rule add to 10.0.0.2 table 123 priority abc',
      ),
    )
      .map((f) => f.rule)
      .filter((r) => r === 'rule-priority-missing').length,
    1,
    'a priority that is no number is none',
  );
  t.deepEqual(
    one(conf(['Address = 10.0.0.1/24', 'Table = 123', 'PostDown = ip rule del to 10.0.0.2 table 123'])),
    [],
    'a rule deleted is not added',
  );
});

test('rule-priority-missing with the endpoint rules: the order check needs both priorities, the warning names the one without', (t) => {
  const noPriority = transparent([...bypass, ...intoTable].map((line) => line.replace(' priority 456', '')));
  const findings = one(noPriority);
  t.deepEqual(rules(findings), ['rule-priority-missing']);
  t.is(findings[0]!.line, 8);
  const bypassWithout = transparent([...bypass, ...intoTable].map((line) => line.replace(' priority 455', '')));
  t.deepEqual(rules(one(bypassWithout)), ['rule-priority-missing']);
  t.is(one(bypassWithout)[0]!.line, 6);
});

// ---- peer-missing ----

test("peer-missing: among several [Peer]s none holds the other file's key", (t) => {
  const [a, b] = [generateKeyPair(), generateKeyPair()];
  const fileB = [
    '[Interface]',
    `PrivateKey = ${b.privateKey}`,
    'Address = 10.0.0.2/24',
    'ListenPort = 51820',
    '[Peer]',
    `PublicKey = ${a.publicKey}`,
    'AllowedIPs = 10.0.0.1/32',
    '',
  ].join('\n');
  const peers = (key: string) =>
    [
      '[Interface]',
      `PrivateKey = ${a.privateKey}`,
      'Address = 10.0.0.1/24',
      '[Peer]',
      `PublicKey = ${key}`,
      'Endpoint = 198.51.100.2:51820',
      'AllowedIPs = 10.0.0.2/32',
      '[Peer]',
      `PublicKey = ${generateKeyPair().publicKey}`,
      'AllowedIPs = 10.0.0.3/32',
      '',
    ].join('\n');
  const findings = lint([
    ['a.conf', peers(generateKeyPair().publicKey)],
    ['b.conf', fileB],
  ]);
  t.deepEqual(rules(findings), ['peer-missing']);
  t.deepEqual([findings[0]!.file, findings[0]!.line, findings[0]!.severity], ['a.conf', 1, 'error']);
  t.deepEqual(
    lint([
      ['a.conf', peers(b.publicKey)],
      ['b.conf', fileB],
    ]),
    [],
  );
  const placeholderKey = fileB.replace(b.privateKey, '<redacted>');
  t.deepEqual(
    rules(
      lint([
        ['a.conf', peers(generateKeyPair().publicKey)],
        ['b.conf', placeholderKey],
      ]),
    ),
    ['invalid-key'],
    'an unknown key cannot be looked for',
  );
});

// ---- undo-missing compares values, spellings folded ----

test('undo-missing: a PostDown with as many words but another value does not undo the rule', (t) => {
  const wrongValue = transparent([
    ...bypass,
    intoTable[0]!,
    'PostDown = ip rule del to 203.0.113.9 table 123 priority 456',
  ]);
  t.deepEqual(rules(one(wrongValue)), ['undo-missing']);
  const wrongPriority = transparent([
    ...bypass,
    intoTable[0]!,
    'PostDown = ip rule del to 203.0.113.2 table 123 priority 457',
  ]);
  t.deepEqual(rules(one(wrongPriority)), ['undo-missing']);
  const wrongNot = transparent([
    ...bypass,
    intoTable[0]!,
    'PostDown = ip rule del not to 203.0.113.2 table 123 priority 456',
  ]);
  t.deepEqual(rules(one(wrongNot)), ['undo-missing']);
  const empty = transparent([...bypass, intoTable[0]!, 'PostDown = ip rule del']);
  t.deepEqual(rules(one(empty)), ['undo-missing']);
});

test('undo-missing: pref/priority, lookup/table, 254/main, a del naming fewer words, ip -4 all undo the rule', (t) => {
  for (const del of [
    'PostDown = ip rule del to 203.0.113.2 lookup 123 pref 456',
    'PostDown = ip rule delete to 203.0.113.2 table 123 preference 456',
    'PostDown = ip -4 rule del priority 456',
    'PostDown = ip ru del to 203.0.113.2 table 123',
  ])
    t.deepEqual(rules(one(transparent([...bypass, intoTable[0]!, del]))), [], del);
  const mainAs254 = transparent([
    'PreUp = ip rule add to 203.0.113.2 dport 51822 table 254 priority 455',
    'PostDown = ip rule del to 203.0.113.2 dport 51822 lookup main priority 455',
    ...intoTable,
  ]);
  t.deepEqual(one(mainAs254), []);
});

test('undo-missing: iptables rules match whatever the option order, -I position, -nft/-legacy; not another table, chain, program or value', (t) => {
  const up = 'PostUp = iptables -A FORWARD -i wg0 -o eth0 -j ACCEPT';
  const base = (down: string) => conf(['Address = 10.0.0.1/24', up, down]);
  for (const down of [
    'PostDown = iptables -D FORWARD -i wg0 -o eth0 -j ACCEPT',
    'PostDown = iptables -D FORWARD -o eth0 -i wg0 -j ACCEPT',
    'PostDown = iptables-nft --delete FORWARD -i %i -o eth0 -j ACCEPT',
    'PostDown = iptables -w 5 -D FORWARD -i wg0 -o eth0 -j ACCEPT',
  ])
    t.deepEqual(one(base(down)), [], down);
  t.deepEqual(
    one(
      conf([
        'Address = 10.0.0.1/24',
        'PostUp = iptables -I FORWARD 1 -i wg0 -j ACCEPT',
        'PostDown = iptables -D FORWARD -i wg0 -j ACCEPT',
      ]),
    ),
    [],
  );
  for (const down of [
    'PostDown = iptables -D FORWARD -i wg0 -o eth1 -j ACCEPT',
    'PostDown = iptables -D INPUT -i wg0 -o eth0 -j ACCEPT',
    'PostDown = iptables -t nat -D FORWARD -i wg0 -o eth0 -j ACCEPT',
    'PostDown = ip6tables -D FORWARD -i wg0 -o eth0 -j ACCEPT',
    'PostDown = iptables -D FORWARD ! -i wg0 -o eth0 -j ACCEPT',
  ]) {
    const findings = one(base(down));
    t.deepEqual(rules(findings), ['undo-missing'], down);
    t.is(findings[0]!.line, 4);
  }
  t.regex(one(base('PostDown = true'))[0]!.hint, /^add PostDown = iptables -D FORWARD -i wg0 -o eth0 -j ACCEPT$/);
  t.regex(
    one(conf(['Address = 10.0.0.1/24', 'PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE']))[0]!.hint,
    /iptables -t nat -D POSTROUTING -o eth0 -j MASQUERADE/,
  );
});

// ---- down-adds ----

test('down-adds: a PostDown or PreDown that adds what the up hook added is an error (and not also undo-missing)', (t) => {
  const findings = one(
    conf([
      'Address = 10.0.0.1/24',
      'PostUp = iptables -A FORWARD -i wg0 -j ACCEPT',
      'PostDown = iptables -A FORWARD -i wg0 -j ACCEPT',
    ]),
  );
  t.deepEqual(rules(findings), ['down-adds']);
  t.deepEqual([findings[0]!.severity, findings[0]!.line], ['error', 5]);
  t.regex(findings[0]!.hint, /PostDown = iptables -D FORWARD -i wg0 -j ACCEPT/);
  const rule = one(
    conf([
      'Address = 10.0.0.1/24',
      'PostUp = ip rule add from 10.0.0.0/24 table main priority 9',
      'PreDown = ip rule add from 10.0.0.0/24 table main priority 9',
    ]),
  );
  t.deepEqual(rules(rule), ['down-adds']);
  t.regex(rule[0]!.hint, /^write PreDown = ip rule del from 10\.0\.0\.0\/24 table main priority 9$/);
  const other = one(conf(['Address = 10.0.0.1/24', 'PostDown = iptables -I INPUT -j DROP']));
  t.deepEqual(rules(other), ['down-adds']);
  t.is(other[0]!.severity, 'warning');
  t.deepEqual(one(conf(['Address = 10.0.0.1/24', 'PostDown = iptables -D INPUT -j DROP; ip rule del priority 9'])), []);
});

// ---- endpoint-in-allowedips: wg-quick's Table semantics ----

test('endpoint-in-allowedips follows wg-quick: off adds no route, auto handles /0 itself, main and narrower prefixes loop', (t) => {
  const client = (allowed: string, table?: string, hooks: string[] = []) =>
    conf(
      ['Address = 10.8.0.2/32', ...(table ? [`Table = ${table}`] : []), ...hooks],
      [`PublicKey = ${pubB}`, 'Endpoint = 203.0.113.2:51820', `AllowedIPs = ${allowed}`],
    );
  const loops = (text: string) => rules(one(text)).includes('endpoint-in-allowedips');
  t.false(loops(client('0.0.0.0/0')));
  t.false(loops(client('0.0.0.0/0', 'auto')));
  t.true(loops(client('0.0.0.0/0', 'main')));
  t.true(loops(client('0.0.0.0/0', '254')), 'table 254 is main');
  t.false(loops(client('0.0.0.0/0', 'off')));
  t.false(loops(client('0.0.0.0/0', '123')));
  t.true(loops(client('0.0.0.0/1, 128.0.0.0/1')));
  t.true(
    loops(client('0.0.0.0/0, 203.0.113.0/24')),
    "wg-quick's rules still look up main, where the /24 goes into the tunnel",
  );
  t.false(loops(client('10.8.0.0/24')));
  const finding = one(client('0.0.0.0/1, 128.0.0.0/1'))[0]!;
  t.deepEqual([finding.line, finding.severity], [8, 'error']);
  t.regex(finding.message, /Endpoint 203\.0\.113\.2:51820 \(line 7\) is inside AllowedIPs 128\.0\.0\.0\/1 \(line 8\)/);
  t.false(
    loops(
      client('0.0.0.0/1, 128.0.0.0/1', undefined, ['PostUp = ip route add 203.0.113.2/32 via 192.168.1.1 dev eth0']),
    ),
    'a host route outside the tunnel wins',
  );
  t.true(loops(client('0.0.0.0/1, 128.0.0.0/1', undefined, ['PostUp = ip route add 203.0.113.2/32 dev wg0'])));
  t.false(
    loops(client('0.0.0.0/1, 128.0.0.0/1', undefined, ['PostUp = ip route add 203.0.0.0/8 via 192.168.1.1'])),
    '/8 is more specific than /1',
  );
  t.true(
    loops(client('203.0.113.0/24', undefined, ['PostUp = ip route add 203.0.0.0/8 via 192.168.1.1'])),
    '/8 is less specific than /24',
  );
  t.true(
    loops(client('203.0.113.0/24', undefined, ['PostUp = ip route add 203.0.113.2/32 via 192.168.1.1 table 7'])),
    'not in main',
  );
  t.true(
    loops(client('203.0.113.0/24', undefined, ['PostUp = ip route add 203.0.113.2/32'])),
    'a route going nowhere named',
  );
  t.true(loops(client('203.0.113.0/24', undefined, ['PostUp = ip route add blackhole 203.0.113.2/32'])));
  t.false(loops(client('203.0.113.0/24', undefined, ['PostUp = ip route add 203.0.113.2/32 dev eth0 table main'])));
  t.true(
    loops(
      client('10.8.0.0/24', 'off', [
        'PostUp = ip route add 0.0.0.0/1 dev %i',
        'PostUp = ip route add 128.0.0.0/1 dev %i',
      ]),
    ),
    'Table = off, but a hook routes it into the tunnel',
  );
  t.false(loops(client('10.8.0.0/24', 'off', ['PostUp = ip route add 128.0.0.0/1 dev %i table 7'])));
  t.false(loops(client('10.8.0.0/24', 'off', ['PostUp = ip route add blackhole 128.0.0.0/1'])));
  t.true(
    loops(client('10.8.0.0/24', undefined, ['PostUp = ip route add default dev wg0'])),
    "a hook default route is not wg-quick's: no fwmark rules",
  );
  t.false(
    loops(client('0.0.0.0/0', undefined, ['PostUp = ip route add default dev wg0'])),
    "wg-quick's suppress_prefixlength 0 rule hides a /0 in main",
  );
});

test('endpoint-in-allowedips in IPv6, and under Table = N none (nothing is in main)', (t) => {
  const client = (allowed: string, table = '') =>
    conf(
      ['Address = fd00::2/128', ...(table ? [`Table = ${table}`] : [])],
      [`PublicKey = ${pubB}`, 'Endpoint = [2001:db8::2]:51820', `AllowedIPs = ${allowed}`],
    );
  t.deepEqual(rules(one(client('2001:db8::/64'))), ['endpoint-in-allowedips']);
  t.deepEqual(one(client('::/0')), []);
  t.deepEqual(one(client('0.0.0.0/0')), [], 'another family');
  t.deepEqual(errors(one(client('2001:db8::/64', '123'))), []);
});

// ---- endpoint-hostname and --resolve ----

test('endpoint-hostname: a name is a warning saying the loop check did not run; resolve checks it as that address', (t) => {
  const named = conf(
    ['Address = 10.8.0.2/32'],
    [`PublicKey = ${pubB}`, 'Endpoint = vpn.example.net:51820', 'AllowedIPs = 0.0.0.0/1, 128.0.0.0/1'],
  );
  const findings = one(named);
  t.deepEqual(rules(findings), ['endpoint-hostname']);
  t.deepEqual([findings[0]!.line, findings[0]!.severity], [7, 'warning']);
  t.regex(findings[0]!.hint, /--resolve vpn\.example\.net=/);
  t.deepEqual(rules(one(named, { resolve: { 'vpn.example.net': '203.0.113.2' } })), ['endpoint-in-allowedips']);
  t.deepEqual(
    rules(one(named, { resolve: { 'VPN.example.net': '203.0.113.2' } })),
    ['endpoint-in-allowedips'],
    'names are case-insensitive',
  );
  t.deepEqual(
    rules(
      one(named.replace('0.0.0.0/1, 128.0.0.0/1', '10.8.0.0/24'), { resolve: { 'vpn.example.net': '203.0.113.2' } }),
    ),
    [],
  );
  t.deepEqual(rules(one(named, { resolve: { 'other.example.net': '203.0.113.2' } })), ['endpoint-hostname']);
  t.deepEqual(rules(one(named, { resolve: { 'vpn.example.net': 'not-an-ip' } })), ['endpoint-hostname']);
  t.regex(one(named.replace('vpn.example.net', '<FQDN>'))[0]!.message, /placeholder/);
  t.notRegex(findings[0]!.message, /placeholder/);
});

// ---- the article's endpoint rules with FwMark, not-rules and aliases ----

test("endpoint bypass through the interface's mark: FwMark (or wg set fwmark) and a fwmark rule to main", (t) => {
  const markRule = [
    'PreUp = ip rule add fwmark 51820 table main priority 455',
    'PostDown = ip rule del fwmark 51820 table main priority 455',
  ];
  t.deepEqual(one(transparent([...markRule, ...intoTable], undefined, [...tableHead, 'FwMark = 51820'])), []);
  t.deepEqual(one(transparent([...markRule, ...intoTable], undefined, [...tableHead, 'FwMark = 0xca6c'])), []);
  t.deepEqual(one(transparent([...markRule, ...intoTable, 'PostUp = wg set %i fwmark 51820'])), []);
  t.deepEqual(
    rules(one(transparent([...markRule, ...intoTable]))),
    ['endpoint-bypass-missing'],
    'without a mark on its packets the rule does not pick them',
  );
  t.deepEqual(rules(one(transparent([...markRule, ...intoTable], undefined, [...tableHead, 'FwMark = 51821']))), [
    'endpoint-bypass-missing',
  ]);
  t.deepEqual(rules(one(transparent([...markRule, ...intoTable], undefined, [...tableHead, 'FwMark = off']))), [
    'endpoint-bypass-missing',
  ]);
  const suppress = [
    'PreUp = ip rule add table main suppress_prefixlength 0 priority 455',
    'PostDown = ip rule del table main suppress_prefixlength 0 priority 455',
  ];
  t.deepEqual(
    rules(one(transparent([...suppress, ...intoTable]))),
    ['endpoint-bypass-missing'],
    'suppress_prefixlength 0 hides the default route the endpoint needs',
  );
});

test('endpoint bypass with wg-quick-style catch-all rules: not fwmark $(wg show %i fwmark) skips the own packets', (t) => {
  const catchAll = (mark: string) => [
    'PostUp = ip rule add not fwmark ' + mark + ' table 123 priority 456',
    'PreDown = ip rule del not fwmark ' + mark + ' table 123 priority 456',
  ];
  t.deepEqual(one(transparent(catchAll('51820'), '0.0.0.0/0', [...tableHead, 'FwMark = 51820'])), []);
  t.deepEqual(one(transparent(catchAll('$(wg show %i fwmark)'), '0.0.0.0/0', [...tableHead, 'FwMark = 51820'])), []);
  const unmarked = one(transparent(catchAll('51820'), '0.0.0.0/0'));
  t.deepEqual(
    rules(unmarked),
    ['endpoint-bypass-missing'],
    'no FwMark: the own packets are unmarked and go into table 123',
  );
  t.is(unmarked[0]!.line, 6);
  t.deepEqual(
    one(
      transparent(
        [
          'PostUp = ip rule add from 192.168.1.0/24 table 123 priority 456',
          'PreDown = ip rule del from 192.168.1.0/24 table 123 priority 456',
        ],
        '0.0.0.0/0',
      ),
    ),
    [],
    'a rule for a LAN source does not pick the own packets',
  );
  t.deepEqual(
    one(
      transparent(
        [
          'PostUp = ip rule add iif eth1 table 123 priority 456',
          'PreDown = ip rule del iif eth1 table 123 priority 456',
        ],
        '0.0.0.0/0',
      ),
    ),
    [],
  );
  t.deepEqual(
    one(
      transparent(
        [
          'PostUp = ip rule add dport 443 table 123 priority 456',
          'PreDown = ip rule del dport 443 table 123 priority 456',
        ],
        '0.0.0.0/0',
      ),
    ),
    [],
  );
});

test('endpoint bypass: the dport rule may say sport, ipproto udp, table 254 or lookup main; another port or protocol does not bypass', (t) => {
  const pass = (rule: string) =>
    transparent([
      `PreUp = ip rule add ${rule} priority 455`,
      `PostDown = ip rule del ${rule} priority 455`,
      ...intoTable,
    ]);
  for (const rule of [
    'to 203.0.113.2 dport 51822 lookup main',
    'to 203.0.113.2 dport 51822 table 254',
    'to 203.0.113.2 ipproto udp dport 51822 table main',
    'sport 51821 table main',
    'iif lo dport 51822 table main',
  ]) {
    t.deepEqual(one(pass(rule)), [], rule);
  }
  for (const rule of [
    'sport 51820 table main',
    'to 203.0.113.2 ipproto tcp dport 51822 table main',
    'iif eth0 dport 51822 table main',
    'from 198.51.100.1 dport 51822 table main',
  ]) {
    t.deepEqual(errors(one(pass(rule))).filter((rule) => rule.startsWith('endpoint-bypass')).length, 1, rule);
  }
  t.deepEqual(rules(one(pass('not to 203.0.113.2 dport 51822 table main'))), ['endpoint-bypass-mismatch']);
});

test('endpoint bypass with an unreadable or negated table rule', (t) => {
  const notRule = transparent([
    ...bypass,
    'PreUp = ip rule add not to 203.0.113.2 table 123 priority 456',
    'PostDown = ip rule del not to 203.0.113.2 table 123 priority 456',
  ]);
  t.false(
    rules(one(notRule)).some((rule) => rule.startsWith('endpoint-bypass')),
    'not to X does not send X to the table',
  );
  const variable = transparent([
    ...bypass,
    'PreUp = ip rule add to $PEER table 123 priority 456',
    'PostDown = ip rule del to $PEER table 123 priority 456',
  ]);
  t.deepEqual(one(variable), []);
  t.deepEqual(
    one(
      transparent([
        ...bypass,
        'PreUp = ip rule add to all table 123 priority 456',
        'PostDown = ip rule del to all table 123 priority 456',
      ]),
    ),
    [],
  );
  t.deepEqual(
    rules(
      one(
        transparent([
          'PreUp = ip rule add to all table 123 priority 456',
          'PostDown = ip rule del to all table 123 priority 456',
        ]),
      ),
    ),
    ['endpoint-bypass-missing'],
  );
});

test('hook chains with ;, && and || are each read, quotes and inline comments handled', (t) => {
  const chained = (join: string) =>
    transparent([
      `PreUp = ${bypass[0]!.slice(8)} ${join} ${intoTable[0]!.slice(8)}`,
      `PostDown = ${bypass[1]!.slice(11)} ${join} ${intoTable[1]!.slice(11)} # both`,
    ]);
  for (const join of [';', '&&', '||']) t.deepEqual(one(chained(join)), [], join);
  const swapped = chained('&&')
    .replace('priority 455 &&', 'priority 457 &&')
    .replace('priority 455 #', 'priority 457 #')
    .replace(/priority 455/g, 'priority 457');
  t.deepEqual(rules(one(swapped)), ['endpoint-bypass-order']);
});

// ---- peer-wgip-unreachable: peer addresses, not routed prefixes ----

test("peer-wgip-unreachable: only a host entry that is plausibly the peer's WireGuard address must be reachable", (t) => {
  const head = ['Address = 10.0.0.1/32', 'Table = 123'];
  const file = (allowed: string) => conf(head, [`PublicKey = ${pubB}`, `AllowedIPs = ${allowed}`]);
  t.deepEqual(rules(one(file('10.0.0.2/32'))), ['peer-wgip-unreachable']);
  t.deepEqual(rules(one(file('10.0.200.9/32'))), ['peer-wgip-unreachable'], 'same /16');
  t.deepEqual(one(file('10.1.0.2/32')), [], 'another /16: a routed host');
  t.deepEqual(one(file('10.0.0.0/24')), [], 'a routed prefix');
  t.deepEqual(one(file('192.168.1.10/32')), []);
  t.deepEqual(
    one(conf(['Address = fd00::1/128', 'Table = 123'], [`PublicKey = ${pubB}`, 'AllowedIPs = fd00::2/128'])).map(
      (f) => f.rule,
    ),
    ['peer-wgip-unreachable'],
  );
  t.deepEqual(
    one(conf(['Address = fd00::1/128', 'Table = 123'], [`PublicKey = ${pubB}`, 'AllowedIPs = fd01::2/128'])),
    [],
  );
  t.deepEqual(
    one(
      conf(
        ['Address = 10.0.0.1/32', 'Table = 123'],
        [`PublicKey = ${pubB}`, 'Endpoint = 10.0.0.9:51820', 'AllowedIPs = 10.0.0.9/32'],
      ),
    ),
    [],
    "the endpoint's own address",
  );
  const reached = (hook: string) =>
    one(conf([...head, hook], [`PublicKey = ${pubB}`, 'AllowedIPs = 10.0.0.2/32']))
      .map((f) => f.rule)
      .includes('peer-wgip-unreachable');
  t.false(reached('PostUp = ip route add 10.0.0.2 dev wg0'));
  t.false(reached('PostUp = ip route add 10.0.0.2/32 dev %i'));
  t.false(reached('PostUp = ip route add 10.0.0.0/24 dev wg0 table main'));
  t.false(reached('PostUp = ip route replace 10.0.0.0/24 dev wg0 table 254'));
  t.false(reached('PostUp = ip route add to 10.0.0.2 dev wg0 metric 10'));
  t.true(reached('PostUp = ip route add 10.0.0.2 dev eth0'));
  t.true(reached('PostUp = ip route add 10.0.0.2 dev wg0 table 200'));
  t.true(reached('PostUp = ip route add 10.0.0.3 dev wg0'));
  t.true(reached('PostUp = ip route add unreachable 10.0.0.2 dev wg0'));
  t.true(reached('PostUp = ip route del 10.0.0.2 dev wg0'));
  t.false(
    reached('PostUp = ip rule add to 10.0.0.2 table 123 priority 7; ip rule del to 10.0.0.2 table 123 priority 7'),
  );
  t.false(
    reached('PostUp = ip rule add not to 10.9.9.9 table 123 priority 7'),
    'not to elsewhere sends 10.0.0.2 to the table',
  );
  t.true(reached('PostUp = ip rule add not to 10.0.0.0/24 table 123 priority 7'));
  t.true(reached('PostUp = ip rule add fwmark 7 table 123 priority 7'), 'ordinary traffic carries no mark');
  t.false(reached('PostUp = ip rule add not fwmark 7 table 123 priority 7'));
  t.true(reached('PostUp = ip rule add to 10.0.0.2 table 124 priority 7'));
});

test("peer-wgip-unreachable: with the other file, its Address is the peer's WireGuard address however far", (t) => {
  const [a, b] = [generateKeyPair(), generateKeyPair()];
  const fileA = [
    '[Interface]',
    `PrivateKey = ${a.privateKey}`,
    'Address = 172.16.0.1/32',
    'ListenPort = 51820',
    'Table = 123',
    '[Peer]',
    `PublicKey = ${b.publicKey}`,
    'AllowedIPs = 10.0.0.2/32',
    '',
  ].join('\n');
  const fileB = [
    '[Interface]',
    `PrivateKey = ${b.privateKey}`,
    'Address = 10.0.0.2/24',
    'ListenPort = 51820',
    '[Peer]',
    `PublicKey = ${a.publicKey}`,
    'Endpoint = 198.51.100.1:51820',
    'AllowedIPs = 172.16.0.1/32',
    '',
  ].join('\n');
  t.deepEqual(one(fileA), []);
  t.deepEqual(
    rules(
      lint([
        ['a.conf', fileA],
        ['b.conf', fileB],
      ]),
    ),
    ['peer-wgip-unreachable'],
  );
});

// ---- AllowedIPs: host bits, duplicates ----

test('allowedips-host-bits: 10.6.0.2/24 is a warning naming the network wg takes; a clean prefix is not', (t) => {
  const file = (allowed: string) => conf(['Address = 10.6.0.1/24'], [`PublicKey = ${pubB}`, `AllowedIPs = ${allowed}`]);
  const findings = one(file('10.6.0.2/24'));
  t.deepEqual(rules(findings), ['allowedips-host-bits']);
  t.deepEqual([findings[0]!.line, findings[0]!.severity], [7, 'warning']);
  t.regex(findings[0]!.message, /10\.6\.0\.0\/24/);
  t.regex(findings[0]!.hint, /10\.6\.0\.2\/32 .* 10\.6\.0\.0\/24/);
  t.deepEqual(rules(one(file('fd00::5/64'))), ['allowedips-host-bits']);
  t.regex(one(file('fd00::5/64'))[0]!.hint, /fd00::5\/128/);
  t.deepEqual(rules(one(file('10.0.0.0/0'))), ['allowedips-host-bits']);
  for (const clean of ['10.6.0.0/24', '10.6.0.2/32', 'fd00::/64', '0.0.0.0/0, ::/0', '10.6.0.2'])
    t.deepEqual(one(file(clean)), [], clean);
});

test('allowedips-duplicate: one prefix in two [Peer]s is an error on the later one; overlaps and repeats in one peer are not', (t) => {
  const file = (first: string, second: string) =>
    [
      '[Interface]',
      `PrivateKey = ${keyA}`,
      'Address = 10.0.0.1/24',
      '[Peer]',
      `PublicKey = ${pubB}`,
      `AllowedIPs = ${first}`,
      '[Peer]',
      `PublicKey = ${generateKeyPair().publicKey}`,
      `AllowedIPs = ${second}`,
      '',
    ].join('\n');
  const findings = one(file('10.0.0.2/32', '10.0.0.2/32'));
  t.deepEqual(rules(findings), ['allowedips-duplicate']);
  t.deepEqual([findings[0]!.line, findings[0]!.severity], [9, 'error']);
  t.regex(findings[0]!.message, /line 4 \(line 6\)/);
  t.deepEqual(rules(one(file('10.0.0.2/32', '10.0.0.3/32, 10.0.0.2'))), ['allowedips-duplicate']);
  t.deepEqual(one(file('10.0.0.0/24', '10.0.0.3/32')), []);
  t.deepEqual(one(file('10.0.0.2/32, 10.0.0.2/32', '10.0.0.3/32')), []);
});

// ---- MTU ----

test('mtu-below-ipv6: MTU under 1280 with an IPv6 route is an error (wg-quick up fails); with an IPv6 Address alone a warning', (t) => {
  const file = (iface: string[], allowed: string) => conf(iface, [`PublicKey = ${pubB}`, `AllowedIPs = ${allowed}`]);
  const routed = one(file(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1200'], '10.70.0.0/24, fd70::/64'));
  t.deepEqual(rules(routed), ['mtu-below-ipv6']);
  t.deepEqual([routed[0]!.line, routed[0]!.severity], [4, 'error']);
  t.regex(routed[0]!.message, /AllowedIPs fd70::\/64 \(line 8\)/);
  const addressOnly = one(file(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1279'], '10.70.0.0/24'));
  t.deepEqual(
    addressOnly.map((finding) => [finding.rule, finding.severity]),
    [['mtu-below-ipv6', 'warning']],
  );
  t.regex(addressOnly[0]!.message, /Address fd70::2\/64 \(line 3\)/);
  t.deepEqual(
    rules(one(file(['Address = 10.70.0.2/24', 'MTU = 1200'], '10.70.0.0/24, ::/0'))),
    ['mtu-below-ipv6'],
    'a route alone',
  );
  t.deepEqual(one(file(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1280'], '10.70.0.0/24, fd70::/64')), [], '1280');
  t.deepEqual(one(file(['Address = 10.70.0.2/24', 'MTU = 1200'], '10.70.0.0/24')), [], 'no IPv6');
  t.deepEqual(
    one(file(['Address = 10.70.0.2/24', 'MTU = 1200', 'Table = off'], '10.70.0.0/24, fd70::/64')),
    [],
    'Table = off: no route to fail',
  );
  t.deepEqual(
    rules(one(file(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1200', 'Table = off'], '10.70.0.0/24, fd70::/64'))),
    ['mtu-below-ipv6'],
  );
  t.deepEqual(
    rules(one(file(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = x'], '10.70.0.0/24, fd70::/64'))),
    ['invalid-value'],
    'no number: invalid-value alone',
  );
});

// ---- SaveConfig ----

test('saveconfig-rewrites: SaveConfig = true with comments, hooks or a named Endpoint; not alone, not when false', (t) => {
  const file = (extra: string[], endpoint = '203.0.113.2:51820') =>
    conf(
      ['Address = 10.0.0.1/24', ...extra],
      [`PublicKey = ${pubB}`, `Endpoint = ${endpoint}`, 'AllowedIPs = 10.0.0.2/32'],
    );
  const fires = (text: string) =>
    rules(one(text, { resolve: { 'vpn.example.net': '198.51.100.7' } })).includes('saveconfig-rewrites');
  t.false(fires(file(['SaveConfig = true'])));
  t.true(fires(file(['SaveConfig = true', '# a note'])));
  t.true(fires(file(['SaveConfig = true # keep'])));
  t.true(fires(file(['SaveConfig = true', 'PostUp = echo up'])));
  t.true(fires(file(['SaveConfig = true'], 'vpn.example.net:51820')));
  t.false(fires(file(['SaveConfig = false', '# a note', 'PostUp = echo up'])));
  t.false(fires(file(['# a note', 'PostUp = echo up'])));
  const finding = one(file(['SaveConfig = True', 'PostUp = echo up'])).find((f) => f.rule === 'saveconfig-rewrites')!;
  t.deepEqual([finding.line, finding.severity], [4, 'warning']);
  t.regex(finding.message, /hooks \(line 5\)/);
});

// ---- keys and values wg-quick refuses: findings on their line, every other rule still runs ----

test('invalid-key: placeholders, redactions and wrong lengths are findings on their line, and the other rules still run', (t) => {
  for (const placeholder of ['<redacted>', '(hidden)', 'xxxxx', 'YOUR_PRIVATE_KEY', 'Lm0BA4...', '0MCG...XG0=']) {
    const text = conf(
      ['Address = 10.8.0.2/32'],
      [`PublicKey = ${placeholder}`, 'Endpoint = 203.0.113.2:51820', 'AllowedIPs = 203.0.113.0/24'],
    ).replace(keyA, placeholder);
    const findings = one(text);
    t.deepEqual(rules(findings), ['invalid-key', 'invalid-key', 'endpoint-in-allowedips'], placeholder);
    t.deepEqual(
      findings.map((f) => f.line),
      [2, 6, 8],
    );
    t.regex(findings[0]!.message, /placeholder/);
  }
  const short = one(conf(['Address = 10.8.0.2/32']).replace(keyA, 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo='));
  t.deepEqual(rules(short), ['invalid-key']);
  t.regex(short[0]!.message, /36 characters/);
  t.notRegex(short[0]!.message, /QUJD/, 'a private key is never echoed');
  const not32 = one(
    conf(
      ['Address = 10.8.0.2/32'],
      ['PublicKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=', 'AllowedIPs = 10.0.0.2/32'],
    ),
  );
  t.deepEqual(rules(not32), ['invalid-key']);
  t.regex(not32[0]!.message, /not the base64 of 32 bytes/);
  t.deepEqual(
    rules(
      one(conf(['Address = 10.8.0.2/32'], [`PublicKey = ${pubB}`, 'PresharedKey = <psk>', 'AllowedIPs = 10.0.0.2/32'])),
    ),
    ['invalid-key'],
  );
  t.regex(one(conf([]).replace(keyA, ''))[0]!.message, /PrivateKey is empty/);
});

test('invalid-value: a bad port, address, Endpoint or AllowedIPs item is a finding; the good items of a list are kept', (t) => {
  const findings = one(
    conf(
      ['Address = 10.0.0.300/32', 'ListenPort = 70000', 'FwMark = mark', 'Table = 123'],
      [`PublicKey = ${pubB}`, 'Endpoint = server ip:51820', 'AllowedIPs = 10.0.0.2/32, ://0'],
    ),
  );
  t.deepEqual(rules(findings), ['invalid-value', 'invalid-value', 'invalid-value', 'invalid-value', 'invalid-value']);
  t.deepEqual(
    findings.map((f) => f.line),
    [3, 4, 5, 10, 11],
  );
  t.regex(findings[4]!.message, /:\/\/0 is not valid/);
  t.true(findings.every((f) => f.severity === 'error'));
});

test('invalid-value: MTU is a whole number of bytes from 68 to 65535 (wg-quick hands it to ip link); empty is unset', (t) => {
  const mtu = (value: string) => rules(one(conf(['Address = 10.0.0.1/24', `MTU = ${value}`])));
  for (const bad of ['fd00::1', '1420.5', '67', '65536', '-1', '1420 bytes'])
    t.deepEqual(mtu(bad), ['invalid-value'], bad);
  for (const good of ['68', '1280', '1420', '65535', '']) t.deepEqual(mtu(good), [], good || 'empty');
  t.regex(one(conf(['Address = 10.0.0.1/24', 'MTU = fd00::1']))[0]!.hint, /whole number of bytes from 68 to 65535/);
});

// ---- any number of files: pairs by keys ----

test("a three-site mesh is linted as one setup: every pair that names each other's keys is cross-checked", (t) => {
  const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const site = (n: number, allowedFor = (m: number) => `10.0.0.${m + 1}/32, 192.168.${m + 1}.0/24`) =>
    [
      '[Interface]',
      `PrivateKey = ${keys[n]!.privateKey}`,
      `Address = 10.0.0.${n + 1}/24`,
      'ListenPort = 51820',
      ...[0, 1, 2]
        .filter((m) => m !== n)
        .flatMap((m) => [
          '[Peer]',
          `PublicKey = ${keys[m]!.publicKey}`,
          `Endpoint = 198.51.100.${m + 1}:51820`,
          `AllowedIPs = ${allowedFor(m)}`,
        ]),
      '',
    ].join('\n');
  const mesh = [0, 1, 2].map((n): [string, string] => [`site${n + 1}.conf`, site(n)]);
  t.deepEqual(lint(mesh), []);
  const broken = [...mesh];
  broken[2] = ['site3.conf', site(2, (m) => (m === 0 ? '192.168.1.0/24' : `10.0.0.${m + 1}/32`))];
  const findings = lint(broken);
  t.deepEqual(rules(findings), ['allowedips-missing-peer-address']);
  t.deepEqual([findings[0]!.file, findings[0]!.line], ['site3.conf', 8]);
  t.regex(findings[0]!.message, /10\.0\.0\.1, site1\.conf's Address/);
  const wrongPort = [...mesh];
  wrongPort[1] = ['site2.conf', site(1).replace('ListenPort = 51820', 'ListenPort = 51821')];
  t.deepEqual(
    lint(wrongPort).map((f) => [f.file, f.rule]),
    [
      ['site1.conf', 'endpoint-port-mismatch'],
      ['site3.conf', 'endpoint-port-mismatch'],
    ],
  );
});

test('among three or more files, files that do not name each other are not paired; one naming the other is', (t) => {
  const [hub, s1, s2] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const spoke = (own: typeof hub, n: number) =>
    [
      '[Interface]',
      `PrivateKey = ${own.privateKey}`,
      `Address = 10.0.0.${n}/32`,
      '[Peer]',
      `PublicKey = ${hub.publicKey}`,
      'Endpoint = 198.51.100.1:51820',
      'AllowedIPs = 10.0.0.0/24',
      '',
    ].join('\n');
  const hubFile = (peers: (typeof hub)[]) =>
    [
      '[Interface]',
      `PrivateKey = ${hub.privateKey}`,
      'Address = 10.0.0.1/24',
      'ListenPort = 51820',
      ...peers.flatMap((peer, index) => [
        '[Peer]',
        `PublicKey = ${peer.publicKey}`,
        `AllowedIPs = 10.0.0.${index + 2}/32`,
      ]),
      '',
    ].join('\n');
  t.deepEqual(
    lint([
      ['hub.conf', hubFile([s1!, s2!])],
      ['s1.conf', spoke(s1!, 2)],
      ['s2.conf', spoke(s2!, 3)],
    ]),
    [],
  );
  const forgotten = lint([
    ['hub.conf', hubFile([s1!])],
    ['s1.conf', spoke(s1!, 2)],
    ['s2.conf', spoke(s2!, 3)],
  ]);
  t.deepEqual(
    forgotten.map((f) => [f.file, f.rule]),
    [['hub.conf', 'peer-missing']],
  );
  t.regex(forgotten[0]!.message, /none holds the public key of s2\.conf/);
  t.deepEqual(
    lint([
      ['s1.conf', spoke(s1!, 2)],
      ['s2.conf', spoke(s2!, 3)],
      ['x.conf', spoke(generateKeyPair(), 4)],
    ]),
    [],
    'spokes never name each other',
  );
});

test('findings come sorted by the order of the files, then by line', (t) => {
  const bad = conf(
    [
      'Address = 10.0.0.1/32',
      'PostUp = ip rule add to 10.0.0.2 table 123',
      'PostDown = ip rule del to 10.0.0.2 table 123',
    ],
    [`PublicKey = ${pubB}`, 'AllowedIPs = 10.6.0.2/24'],
  );
  const findings = lint([
    ['z.conf', bad],
    ['a.conf', bad.replace('10.6.0.2/24', '10.6.0.0/24')],
    ['m.conf', bad],
  ]);
  t.deepEqual(
    findings.map((f) => [f.file, f.line]),
    [
      ['z.conf', 4],
      ['z.conf', 9],
      ['a.conf', 4],
      ['m.conf', 4],
      ['m.conf', 9],
    ],
  );
});

// ---- edges of the rules above ----

test('up hooks that delete, and down hooks, are not rules added; a file without PrivateKey still lints', (t) => {
  t.deepEqual(
    one(
      conf([
        'Address = 10.0.0.1/24',
        'PreUp = ip rule del to 10.9.9.9 table main priority 5 ; iptables -D FORWARD -j ACCEPT',
      ]),
    ),
    [],
  );
  t.deepEqual(
    one(
      conf(['Address = 10.0.0.1/24', 'PostUp = wg set %i private-key /etc/wireguard/key']).replace(
        `PrivateKey = ${keyA}\n`,
        '',
      ),
    ),
    [],
  );
  t.deepEqual(
    rules(
      one(
        conf([
          'Address = 10.0.0.1/24',
          'PostDown = iptables -A FORWARD -j ACCEPT',
          'PostDown = ip rule add priority 5 table main',
        ]),
      ),
    ),
    ['down-adds', 'down-adds'],
  );
  const mixed = one(
    conf([
      'Address = 10.0.0.1/24',
      'PostUp = iptables -A FORWARD -j ACCEPT',
      'PostDown = ip rule add priority 5 table main',
    ]),
  );
  t.deepEqual(
    mixed.map((f) => [f.rule, f.severity]),
    [
      ['undo-missing', 'error'],
      ['down-adds', 'warning'],
    ],
  );
});

test('the interface is named after the file, as %i is; wg0 also counts', (t) => {
  const file = (dev: string) =>
    conf(['Address = 10.0.0.1/32', 'Table = 123', `PostUp = ip route add 10.0.0.2 dev ${dev}`]);
  const unreachable = (name: string, dev: string) =>
    lint([[name, file(dev)]]).some((f) => f.rule === 'peer-wgip-unreachable');
  t.false(unreachable('/etc/wireguard/office.conf', 'office'));
  t.false(unreachable('office.conf', '%i'));
  t.false(unreachable('wg-home.conf', 'wg-home'));
  t.false(unreachable('dir/wg1.conf', 'wg0'));
  t.true(unreachable('dir/wg1.conf', 'office'));
  t.true(unreachable('a-name-too-long-for-linux.conf', 'a-name-too-long-for-linux'));
  t.true(unreachable('office.txt', 'office'));
  t.true(unreachable('xoffice.conf', 'office'));
});

test('priorities: hex is read as ip reads it; a rule without table looks up main', (t) => {
  const hex = transparent([
    'PreUp = ip rule add to 203.0.113.2 dport 51822 table main priority 0x1c8',
    'PostDown = ip rule del to 203.0.113.2 dport 51822 table main priority 0x1c8',
    ...intoTable,
  ]);
  t.deepEqual(rules(one(hex)), ['endpoint-bypass-order'], "0x1c8 is 456, the table rule's");
  t.deepEqual(rules(one(hex.replaceAll('0x1c8', '0x1c7'))), []);
  t.deepEqual(rules(one(hex.replaceAll('0x1c8', '0x1c9'))), ['endpoint-bypass-order']);
  const noTable = transparent([
    'PreUp = ip rule add to 203.0.113.2 dport 51822 priority 455',
    'PostDown = ip rule del to 203.0.113.2 dport 51822 priority 455',
    ...intoTable,
  ]);
  t.deepEqual(one(noTable), [], 'ip rule add without table sends to main');
  const gotoRule = transparent([
    'PreUp = ip rule add to 203.0.113.2 dport 51822 goto 500 priority 455',
    'PostDown = ip rule del to 203.0.113.2 dport 51822 goto 500 priority 455',
    ...intoTable,
  ]);
  t.deepEqual(rules(one(gotoRule)), ['endpoint-bypass-missing']);
  t.deepEqual(
    rules(
      one(
        transparent([
          ...bypass,
          'PreUp = ip rule add to 203.0.113.2 table 123 priority -1',
          'PostDown = ip rule del to 203.0.113.2 table 123 priority -1',
        ]),
      ),
    ),
    ['rule-priority-missing'],
  );
});

test('endpoint bypass: the first tunnel rule by priority counts; unreadable and "all" targets; no ListenPort with a sport rule', (t) => {
  const twoTunnelRules = transparent(
    [
      ...bypass,
      'PreUp = ip rule add to 203.0.113.2 table 123 priority 450; ip rule add to 203.0.113.0/24 table 123 priority 460',
      'PostDown = ip rule del to 203.0.113.2 table 123 priority 450; ip rule del to 203.0.113.0/24 table 123 priority 460',
    ],
    '10.0.0.2/32, 203.0.113.0/24',
  );
  t.deepEqual(rules(one(twoTunnelRules)), ['endpoint-bypass-order']);
  t.regex(one(twoTunnelRules)[0]!.message, /not smaller than 450/);
  const reversed = twoTunnelRules.replaceAll('priority 450', 'priority 470');
  t.deepEqual(rules(one(reversed)), []);
  const twoBypass = transparent([
    ...bypass,
    'PreUp = ip rule add to 203.0.113.0/24 dport 51822 table main priority 460',
    'PostDown = ip rule del to 203.0.113.0/24 dport 51822 table main priority 460',
    ...intoTable,
  ]);
  t.deepEqual(one(twoBypass), [], 'the earliest dport rule counts');
  t.deepEqual(
    one(
      transparent([
        'PreUp = ip rule add to $PEER table 123 priority 456',
        'PostDown = ip rule del to $PEER table 123 priority 456',
      ]),
    ),
    [],
  );
  t.deepEqual(
    rules(
      one(
        transparent([
          'PreUp = ip rule add from all table 123 priority 456',
          'PostDown = ip rule del from all table 123 priority 456',
        ]),
      ),
    ),
    ['endpoint-bypass-missing'],
  );
  const sport = transparent(
    [
      'PreUp = ip rule add sport 51821 table main priority 455',
      'PostDown = ip rule del sport 51821 table main priority 455',
      ...intoTable,
    ],
    undefined,
    ['Address = 10.0.0.1/30', 'Table = 123'],
  );
  t.deepEqual(rules(one(sport)), ['endpoint-bypass-missing']);
});

test("a listening end alone: the hosts of its dport rules are its peer's endpoint", (t) => {
  t.deepEqual(rules(lint([['b.conf', B]])), []);
  t.deepEqual(rules(lint([['b.conf', B.replaceAll('priority 456', 'priority 454')]])), ['endpoint-bypass-order']);
  t.deepEqual(
    rules(lint([['b.conf', B.replaceAll('to 198.51.100.1 dport', 'to 198.51.100.9 dport')]])),
    [],
    'alone, a dport rule for another host names no endpoint',
  );
  t.deepEqual(
    rules(
      lint([
        [
          'b.conf',
          B.replace('Address = 10.0.0.2/30', 'Address = 10.0.0.2/30, 198.51.100.0/24').replaceAll(
            'priority 456',
            'priority 454',
          ),
        ],
      ]),
    ),
    [],
    'a rule for its own network is no endpoint',
  );
  const threeFiles = lint([
    ['b.conf', B.replace(/^P\w+ = ip rule \w+ to 198\.51\.100\.1 dport.*\n/gm, '')],
    ['a.conf', A],
    ['c.conf', A.replace('ListenPort = 51821', 'ListenPort = 51829')],
  ]);
  t.deepEqual(
    threeFiles.filter((f) => f.file === 'b.conf').map((f) => [f.rule, f.severity]),
    [['endpoint-bypass-missing', 'warning']],
    'two partners with different ports: the port is a guess',
  );
});

test('table routes from hooks count for rule-without-route; a rule to another table or without Table is not checked', (t) => {
  const head = ['Address = 10.0.0.1/24', 'Table = 123'];
  const file = (hooks: string[]) => conf([...head, ...hooks]);
  const rule = [
    'PostUp = ip rule add to 10.9.0.0/24 table 123 priority 5',
    'PostDown = ip rule del to 10.9.0.0/24 table 123 priority 5',
  ];
  t.deepEqual(rules(one(file(rule))), ['rule-without-route']);
  t.deepEqual(one(file([...rule, 'PostUp = ip route add 10.9.0.0/16 dev %i table 123'])), []);
  t.deepEqual(rules(one(file([...rule, 'PostUp = ip route add 10.9.0.0/16 dev %i table 124']))), [
    'rule-without-route',
  ]);
  t.deepEqual(rules(one(file([...rule, 'PostUp = ip route add 10.9.1.0/24 dev %i table 123']))), [
    'rule-without-route',
  ]);
  t.deepEqual(rules(one(file([...rule, 'PostUp = ip route add $NET dev %i table 123']))), ['rule-without-route']);
  t.deepEqual(one(file(rule.map((line) => line.replaceAll('table 123', 'table 7')))), []);
  // Table = off fills no table: the routing model finds table 123 empty and 10.9.0.0/24 outside the tunnel.
  t.deepEqual(rules(one(conf(['Address = 10.0.0.1/24', 'Table = off', ...rule]))), ['rule-without-route']);
});

test('rule-without-route with Table = off, through the routing model: a rule into a table nothing fills is never the tunnel', (t) => {
  const rule = [
    'PostUp = ip rule add to 10.9.0.0/24 lookup 123 priority 5',
    'PostDown = ip rule del to 10.9.0.0/24 lookup 123 priority 5',
  ];
  const off = (hooks: string[], allowed = '10.9.0.0/24') =>
    one(
      conf(
        ['Address = 10.0.0.1/24', 'Table = off', ...rule, ...hooks],
        [`PublicKey = ${pubB}`, `AllowedIPs = ${allowed}`],
      ),
    );
  const [finding] = off([]);
  t.is(finding?.rule, 'rule-without-route');
  t.is(finding?.severity, 'error');
  t.is(finding?.line, 5);
  t.regex(
    finding!.message,
    /sends 10\.9\.0\.0\/24 to table 123, but nothing fills table 123 \(Table = off on line 4: wg-quick puts no AllowedIPs there/,
  );
  t.regex(finding!.hint, /PostUp = ip route add 10\.9\.0\.0\/24 dev %i table 123/);
  t.deepEqual(off(['PostUp = ip route add 10.9.0.0/16 dev %i table 123']), [], 'a hook fills the table');
  t.deepEqual(off(['PostUp = ip route add blackhole 10.9.0.0/24 table 123']), [], 'a blackhole is a decision too');
  t.deepEqual(
    rules(off(['PostUp = ip route add 10.9.1.0/24 dev %i table 123'])),
    ['rule-without-route'],
    'not for this address',
  );
  t.deepEqual(off(['PostUp = ip route add 10.9.0.0/24 dev %i']), [], 'main sends it into the interface anyway');
  t.deepEqual(off(['PostUp = /etc/wireguard/routes.sh %i']), [], 'a script it cannot read may fill the table');
  t.deepEqual(
    one(
      conf([
        'Address = 10.0.0.1/24',
        'Table = off',
        'PostUp = ip rule add to 10.9.0.0/24 lookup main priority 5',
        'PostDown = ip rule del to 10.9.0.0/24 lookup main priority 5',
      ]),
    ),
    [],
    'main is not a custom table',
  );
  t.deepEqual(
    one(
      conf([
        'Address = 10.0.0.1/24',
        'Table = off',
        'PostUp = ip rule add not to 10.9.0.0/24 lookup 123 priority 5',
        'PostDown = ip rule del not to 10.9.0.0/24 lookup 123 priority 5',
      ]),
    ),
    [],
    'a not rule sends everything else',
  );
});

test("edges of the loop check: wg-quick's own rules only for a /0 of the Endpoint's family; equal prefixes do not escape", (t) => {
  const client = (allowed: string, hooks: string[] = []) =>
    one(
      conf(
        ['Address = 10.8.0.2/32', ...hooks],
        [`PublicKey = ${pubB}`, 'Endpoint = 203.0.113.2:51820', `AllowedIPs = ${allowed}`],
      ),
    );
  t.deepEqual(rules(client('0.0.0.0/0, 10.0.0.0/24', ['PostUp = ip route add default dev %i'])), []);
  t.deepEqual(
    rules(client('::/0', ['PostUp = ip route add default dev %i'])),
    ['endpoint-in-allowedips'],
    'an IPv6 /0 brings no IPv4 rules',
  );
  t.deepEqual(rules(client('203.0.113.0/24', ['PostUp = ip route add 203.0.113.0/24 via 192.168.1.1'])), [
    'endpoint-in-allowedips',
  ]);
  t.deepEqual(
    rules(
      client('203.0.113.0/24', ['PostUp = ip route add $HOST via 192.168.1.1', 'PostUp = ip route add $NET dev %i']),
    ),
    ['endpoint-in-allowedips'],
  );
  t.regex(
    client('0.0.0.0/0, 203.0.113.0/24', [])[0]!.message,
    /AllowedIPs 203\.0\.113\.0\/24/,
    'the most specific route is named',
  );
  t.regex(
    one(
      conf(
        ['Address = 10.8.0.2/32', 'Table = main'],
        [`PublicKey = ${pubB}`, 'Endpoint = 203.0.113.2:51820', 'AllowedIPs = 0.0.0.0/0, 203.0.113.0/24'],
      ),
    )[0]!.message,
    /AllowedIPs 203\.0\.113\.0\/24/,
  );
});

test('peer-wgip-unreachable: an Address list reaches a peer if any of its prefixes holds it; unreadable rule targets send nothing', (t) => {
  const file = (address: string, hooks: string[] = []) =>
    one(conf([`Address = ${address}`, 'Table = 123', ...hooks], [`PublicKey = ${pubB}`, 'AllowedIPs = 10.0.0.2/32']));
  t.deepEqual(file('10.1.0.1/32, 10.0.0.1/24'), []);
  t.deepEqual(rules(file('10.0.0.1/32, 10.1.0.1/24')), ['peer-wgip-unreachable']);
  t.deepEqual(
    rules(
      file('10.0.0.1/32', [
        'PostUp = ip rule add to $PEER table 123 priority 5',
        'PostDown = ip rule del to $PEER table 123 priority 5',
      ]),
    ),
    ['peer-wgip-unreachable'],
  );
  t.deepEqual(
    file('10.0.0.1/32', [
      'PostUp = ip rule add to all table 123 priority 5',
      'PostDown = ip rule del to all table 123 priority 5',
    ]),
    [],
  );
  t.deepEqual(rules(file('10.0.0.1/32', ['PostUp = ip route add $NET dev %i'])), ['peer-wgip-unreachable']);
});

test('endpoint-hostname tells names from placeholders', (t) => {
  const message = (host: string) =>
    one(
      conf(['Address = 10.0.0.1/24'], [`PublicKey = ${pubB}`, `Endpoint = ${host}:51820`, 'AllowedIPs = 10.0.0.2/32']),
    )[0]!.message;
  for (const name of ['vpn.example.net', 'server1.example.net', 'a.b', 'x', 'my-vpn.example.net.', 'VPN01'])
    t.regex(message(name), /is a name/, name);
  for (const placeholder of ['<FQDN>', 'vpn.example.net<x>', '<x>vpn', 'public_ip_', '-vpn', 'vpn-', 'a..b'])
    t.regex(message(placeholder), /placeholder/, placeholder);
});

test('SaveConfig: only a comment, a hostname or a hook counts, each named', (t) => {
  const saved = (extra: string[]) =>
    one(conf(['Address = 10.0.0.1/24', 'SaveConfig = true', ...extra]))
      .filter((f) => f.rule === 'saveconfig-rewrites')
      .map((f) => f.message)[0];
  t.is(saved([]), undefined);
  t.regex(saved(['# x'])!, /comments \(line 5\) are lost$/);
  t.regex(
    saved(['PreDown = echo'])!,
    /^SaveConfig = true \(line 4\): wg-quick down rewrites this file from the live interface: its hooks \(line 5\)/,
  );
});

test('sorting: by the order of the files, then by line, whatever order the rules found them in', (t) => {
  const late = conf(
    [
      'Address = 10.0.0.1/24',
      'PostUp = ip rule add to 10.9.0.0/16 table main',
      'PostDown = ip rule del to 10.9.0.0/16 table main',
    ],
    [`PublicKey = ${pubB}`, 'AllowedIPs = 10.0.0.2/32, nonsense'],
  );
  t.deepEqual(
    one(late).map((f) => [f.rule, f.line]),
    [
      ['rule-priority-missing', 4],
      ['invalid-value', 9],
    ],
  );
  const [a, b] = [generateKeyPair(), generateKeyPair()];
  const fileA = [
    '[Interface]',
    `PrivateKey = ${a.privateKey}`,
    'Address = 10.0.0.1/24',
    '[Peer]',
    `PublicKey = ${b.publicKey}`,
    'AllowedIPs = 10.0.0.9/32',
    '',
  ].join('\n');
  const fileB = [
    '[Interface]',
    `PrivateKey = ${b.privateKey}`,
    'Address = 10.0.0.2/24',
    'PostUp = ip rule add to 10.9.0.0/16 table main',
    'PostDown = ip rule del to 10.9.0.0/16 table main',
    '[Peer]',
    `PublicKey = ${a.publicKey}`,
    'AllowedIPs = 10.0.0.1/32',
    '',
  ].join('\n');
  t.deepEqual(
    lint([
      ['a.conf', fileA],
      ['b.conf', fileB],
    ]).map((f) => [f.file, f.rule]),
    [
      ['a.conf', 'allowedips-missing-peer-address'],
      ['b.conf', 'rule-priority-missing'],
    ],
  );
  t.deepEqual(
    lint([
      ['b.conf', fileB],
      ['a.conf', fileA],
    ]).map((f) => [f.file, f.rule]),
    [
      ['b.conf', 'rule-priority-missing'],
      ['a.conf', 'allowedips-missing-peer-address'],
    ],
  );
});

test("two files are always one tunnel's ends, even when no key pairs them; an unknown key is not a mismatch", (t) => {
  const strangers = lint([
    [
      'a.conf',
      conf(['Address = 10.0.0.1/24'], [`PublicKey = ${generateKeyPair().publicKey}`, 'AllowedIPs = 10.0.0.2/32']),
    ],
    [
      'b.conf',
      conf(
        ['Address = 10.0.0.2/24'],
        [`PublicKey = ${generateKeyPair().publicKey}`, 'AllowedIPs = 10.0.0.1/32'],
      ).replace(keyA, generateKeyPair().privateKey),
    ],
  ]);
  t.deepEqual(rules(strangers), ['keys-mismatch', 'keys-mismatch']);
  const redacted = lint([
    [
      'a.conf',
      conf(['Address = 10.0.0.1/24'], [`PublicKey = ${generateKeyPair().publicKey}`, 'AllowedIPs = 10.0.0.2/32']),
    ],
    [
      'b.conf',
      conf(['Address = 10.0.0.2/24'], ['PublicKey = <redacted>', 'AllowedIPs = 10.0.0.1/32']).replace(
        keyA,
        '<redacted>',
      ),
    ],
  ]);
  t.deepEqual(rules(redacted), ['invalid-key', 'invalid-key']);
});

test('the paired file tells the peer address wherever it stands in the list', (t) => {
  const [a, b] = [generateKeyPair(), generateKeyPair()];
  const fileA = [
    '[Interface]',
    `PrivateKey = ${a.privateKey}`,
    'Address = 172.16.0.1/32',
    'Table = 123',
    '[Peer]',
    `PublicKey = ${b.publicKey}`,
    'AllowedIPs = 10.0.0.2/32',
    '',
  ].join('\n');
  const fileB = [
    '[Interface]',
    `PrivateKey = ${b.privateKey}`,
    'Address = 10.0.0.2/24',
    '[Peer]',
    `PublicKey = ${a.publicKey}`,
    'AllowedIPs = 172.16.0.1/32',
    '',
  ].join('\n');
  t.deepEqual(
    lint([
      ['b.conf', fileB],
      ['a.conf', fileA],
    ]).map((f) => [f.file, f.rule]),
    [['a.conf', 'peer-wgip-unreachable']],
  );
  const third = [
    '[Interface]',
    `PrivateKey = ${generateKeyPair().privateKey}`,
    'Address = 10.0.0.2/24',
    '[Peer]',
    `PublicKey = ${generateKeyPair().publicKey}`,
    'AllowedIPs = 10.0.0.0/24',
    '',
  ].join('\n');
  t.deepEqual(
    lint([
      ['b.conf', fileB],
      ['a.conf', fileA],
      ['c.conf', third],
    ]).map((f) => [f.file, f.rule]),
    [['a.conf', 'peer-wgip-unreachable']],
  );
});

test('SNAT --to-source with a port range is read as its address', (t) => {
  const snat = article('snat-on-a-A').replaceAll('--to-source 198.51.100.1', '--to-source 198.51.100.1:1024-2048');
  t.deepEqual(
    lint([
      ['a.conf', snat],
      ['b.conf', B],
    ]),
    [],
  );
  t.deepEqual(
    lint([
      ['a.conf', snat.replaceAll(':1024-2048', ':1024')],
      ['b.conf', B],
    ]),
    [],
  );
  t.deepEqual(
    rules(
      lint([
        ['a.conf', snat.replaceAll('198.51.100.1:1024-2048', '198.51.100.7:1024-2048')],
        ['b.conf', B],
      ]),
    ),
    ['snat-source-mismatch'],
  );
});

test('endpoint bypass: any earlier rule to main that picks the own packets will do; none is needed when the table has no route for the endpoint', (t) => {
  const wholeHost = transparent([
    'PreUp = ip rule add to 203.0.113.2 table main priority 455',
    'PostDown = ip rule del to 203.0.113.2 table main priority 455',
    ...intoTable,
  ]);
  t.deepEqual(one(wholeHost), []);
  t.deepEqual(rules(one(wholeHost.replaceAll('priority 455', 'priority 457'))), ['endpoint-bypass-order']);
  t.deepEqual(
    rules(one(transparent(intoTable, '10.0.0.2/32'))),
    ['rule-without-route'],
    'the lookup falls through to main: no loop',
  );
});

test('undo-missing: a del naming only the table removes a not-fwmark rule, as the kernel matches it', (t) => {
  const file = (down: string) =>
    conf([
      'Address = 10.0.0.1/24',
      'Table = off',
      'FwMark = 51820',
      'PostUp = ip -4 rule add not fwmark 51820 table 51820 priority 10; ip -4 route add 0.0.0.0/0 dev %i table 51820',
      down,
    ]);
  t.deepEqual(one(file('PostDown = ip -4 rule delete table 51820')), []);
  t.deepEqual(rules(one(file('PostDown = ip -4 rule delete table 51821'))), ['undo-missing']);
});

test('snatAddress reads IPv4 and IPv6 --to-source with ports and ranges', (t) => {
  t.deepEqual(
    [
      '198.51.100.1',
      '198.51.100.1:1024',
      '198.51.100.1:1024-2048',
      '198.51.100.1-198.51.100.9',
      'fd00::1',
      '[fd00::1]:1024',
      '[fd00::1]:1024-2048',
      'fd00::1-fd00::9',
    ].map(snatAddress),
    ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.1', 'fd00::1', 'fd00::1', 'fd00::1', 'fd00::1'],
  );
});

// ---- hook-comment-cut: wg-quick drops a line from its first # ----

test('hook-comment-cut: a # that cuts off more commands, a quoted string or a shell expansion warns on its line; a plain trailing comment does not', (t) => {
  const hook = (line: string) => only(one(conf(['Address = 10.0.0.1/24', line])), 'hook-comment-cut');
  const cut = (line: string) => hook(line).map((finding) => [finding.line, finding.severity, finding.message]);
  t.deepEqual(cut('PostUp = iptables -A FORWARD -i %i -j ACCEPT #; ip6tables -A FORWARD -i %i -j ACCEPT'), [
    [
      4,
      'warning',
      'the `#` in PostUp (line 4) starts a comment for wg-quick, so it cuts off more commands (`#; ip6tables -A FORWARD -i %i -j ACCEPT`): the hook runs only `iptables -A FORWARD -i %i -j ACCEPT`',
    ],
  ]);
  t.regex(hook('PreUp = true #&& echo more')[0]!.message, /cuts off more commands/);
  t.regex(hook('PreDown = true # | tee /tmp/log')[0]!.message, /cuts off more commands/, 'spaces before it');
  t.regex(hook("PostUp = logger 'wg #%i up'")[0]!.message, /cuts off the rest of a quoted string/);
  t.regex(hook('PostDown = logger "wg #%i down"')[0]!.message, /cuts off the rest of a quoted string/);
  t.regex(hook('PostUp = echo ${#HOME}')[0]!.message, /cuts off a shell expansion/);
  t.regex(hook('PostUp = echo $#')[0]!.message, /cuts off a shell expansion/);
  t.deepEqual(hook('PostUp = iptables -A FORWARD -i %i -j ACCEPT # let the tunnel forward'), [], 'a comment');
  t.deepEqual(hook('PostUp = logger "wg up" # quotes closed before it'), [], 'quotes closed');
  t.deepEqual(hook('PostUp = iptables -A FORWARD -i %i -j ACCEPT'), [], 'no #');
  t.deepEqual(hook('PostUp = logger "wg up"'), [], 'quotes and no #');
  t.deepEqual(hook('PostUp = iptables -A FORWARD -i %i -j ACCEPT # allow; forward'), [], 'a comment with a ; inside');
  t.deepEqual(hook('PostUp = echo $HOME # where'), [], 'a $ before, not at the #');
  t.regex(
    hook('PostUp =#; true')[0]!.message,
    /cuts off more commands \(`#; true`\): the hook runs nothing$/,
    'a # right after =',
  );
  t.regex(hook('PostUp = #; true')[0]!.message, /: the hook runs nothing$/, 'only a space before the #');
  t.regex(
    hook('PostUp = #&& true')[0]!.hint,
    /^remove the `#` to run the rest \(`&& true`\)/,
    'nothing kept: the rest alone',
  );
  t.deepEqual(
    hook(`PostUp = iptables -A INPUT -m comment --comment "don't drop" -j ACCEPT # let it in`),
    [],
    "a ' inside double quotes opens nothing",
  );
  t.deepEqual(hook('PostUp = echo \\" # an escaped quote'), [], 'an escaped " opens nothing');
  t.deepEqual(hook(`PostUp = echo 'a\\' # the backslash is literal in single quotes`), [], "'a\\' is closed");
  t.regex(
    hook('PostUp = echo "a\\" #b"')[0]!.message,
    /the rest of a quoted string/,
    'an escaped " inside double quotes',
  );
  t.is(
    hook('PreUp = true #&& echo more')[0]!.hint,
    'remove the `#` to run the rest (`true && echo more`), or put what it cut off on a PreUp line of its own',
  );
  t.deepEqual(only(one(conf(['Address = 10.0.0.1/24 #; 10.0.0.9/24'])), 'hook-comment-cut'), [], 'not a hook');
  t.regex(
    hook('PostUp = a #; b')[0]!.hint,
    /^remove the `#` to run the rest \(`a; b`\), or put what it cut off on a PostUp line of its own$/,
  );
  t.regex(hook('PostUp = logger "#x"')[0]!.hint, /^keep `#` out of hooks/);
});
