import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { parseWgConfig, splitList } from './parse-wg-config.ts';
import { serializeWgConfig } from './serialize-wg-config.ts';
import { endpointAddress, readWgSettings, type SettingsProblem } from './wg-settings.ts';

const messy = [
  '# a hand-written file',
  '[interface]   # lower case section',
  '  privatekey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=',
  'ADDRESS = 10.0.0.1/32,fd00::1/128',
  'Table = off',
  'PreUp = ip rule add to 203.0.113.2 table 123 priority 456 # why',
  'PreUp = echo second',
  '',
  '\t[Peer]\r',
  'PublicKey = fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=\r',
  'AllowedIPs = 10.0.0.2/32 , 203.0.113.2/32',
  'AllowedIPs = 192.0.2.0/24',
  'Endpoint = [fd00::2]:51822',
].join('\n');

test('a file read and written back is unchanged byte for byte', (t) => {
  for (const text of [messy, `${messy}\n`, `${messy}\n\n`, '[Interface]'])
    t.is(serializeWgConfig(parseWgConfig(text)), text);
  const dir = new URL('../../fixtures/article/', import.meta.url).pathname;
  for (const file of readdirSync(dir)) {
    const text = readFileSync(dir + file, 'utf8');
    t.is(serializeWgConfig(parseWgConfig(text)), text, file);
  }
});

test('keys and sections are case-insensitive, repeated keys kept in order, comments stripped', (t) => {
  const settings = readWgSettings(parseWgConfig(messy));
  t.is(settings.interface.privateKey?.value, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=');
  t.deepEqual(
    settings.interface.addresses.map((address) => address.value),
    [
      { address: '10.0.0.1', prefix: 32 },
      { address: 'fd00::1', prefix: 128 },
    ],
  );
  t.deepEqual(settings.interface.table.value, { kind: 'off' });
  t.deepEqual(
    settings.interface.hooks.map((hook) => [hook.key, hook.command, hook.line]),
    [
      ['PreUp', 'ip rule add to 203.0.113.2 table 123 priority 456', 6],
      ['PreUp', 'echo second', 7],
    ],
  );
  const [peer] = settings.peers;
  t.deepEqual(
    peer!.allowedIps.map((allowed) => [allowed.value.address, allowed.value.prefix, allowed.line]),
    [
      ['10.0.0.2', 32, 11],
      ['203.0.113.2', 32, 11],
      ['192.0.2.0', 24, 12],
    ],
  );
  t.deepEqual(peer!.endpoint?.value, { host: 'fd00::2', port: 51822 });
});

test('Table takes off, auto, main and numbers', (t) => {
  const table = (value: string) =>
    readWgSettings(parseWgConfig(`[Interface]\nTable = ${value}\n`)).interface.table.value;
  t.deepEqual(table('auto'), { kind: 'auto' });
  t.deepEqual(table('OFF'), { kind: 'off' });
  t.deepEqual(table('main'), { kind: 'main' });
  t.deepEqual(table('123'), { kind: 'number', table: 123 });
  t.deepEqual(readWgSettings(parseWgConfig('[Interface]\n')).interface.table.value, { kind: 'auto' });
});

const broken: [string, string, number, RegExp][] = [
  ['unknown key', '[Interface]\nAdress = 10.0.0.1/32\n', 2, /unknown key Adress/],
  ['key in the wrong section', '[Interface]\nEndpoint = 1.2.3.4:5\n', 2, /unknown key Endpoint in \[Interface\]/],
  ['entry before a section', 'Address = 10.0.0.1/32\n[Interface]\n', 1, /before any \[Interface\]/],
  ['unknown section', '[Interface]\n[Peers]\n', 2, /unknown section \[Peers\]/],
  ['a line without =', '[Interface]\nAddress 10.0.0.1\n', 2, /expected Key = Value/],
  ['two [Interface]', '[Interface]\n[Interface]\n', 2, /second \[Interface\]/],
];

for (const [title, text, line, message] of broken) {
  test(`parse errors carry line numbers: ${title}`, (t) => {
    const error = t.throws(() => parseWgConfig(text, 'x.conf'), { instanceOf: WglabError })!;
    t.regex(error.message, message);
    t.deepEqual([error.location.file, error.location.line], ['x.conf', line]);
    t.truthy(error.hint);
  });
}

const badValues: [string, number, RegExp][] = [
  ['[Interface]\nListenPort = 70000\n', 2, /ListenPort = 70000/],
  ['[Interface]\nAddress = 10.0.0.300/32\n', 2, /Address/],
  ['[Interface]\nPrivateKey = short=\n', 2, /PrivateKey/],
  ['[Interface]\n[Peer]\nEndpoint = 203.0.113.2\n', 3, /Endpoint/],
  ['[Interface]\n[Peer]\nAllowedIPs = 10.0.0.2/40\n', 3, /AllowedIPs/],
];

for (const [text, line, message] of badValues) {
  test(`bad values carry line numbers: ${text.split('\n').at(-2)}`, (t) => {
    const error = t.throws(() => readWgSettings(parseWgConfig(text, 'x.conf')), { instanceOf: WglabError })!;
    t.regex(error.message, message);
    t.is(error.location.line, line);
  });
}

test('with a problems list, bad values are collected with their line and left out; the rest is read', (t) => {
  const problems: SettingsProblem[] = [];
  const settings = readWgSettings(
    parseWgConfig(
      [
        '[Interface]',
        'PrivateKey = <redacted>',
        'Address = 10.0.0.1/24, nonsense',
        'ListenPort = 0',
        'FwMark = 0xca6c',
        'SaveConfig = true',
        '[Peer]',
        'PublicKey = (hidden)',
        'PresharedKey = fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=',
        'Endpoint = nowhere',
        'AllowedIPs = 10.0.0.2/32',
      ].join('\n'),
      'x.conf',
    ),
    { problems },
  );
  t.deepEqual(
    problems.map((problem) => [problem.key, problem.line]),
    [
      ['PrivateKey', 2],
      ['Address', 3],
      ['ListenPort', 4],
      ['PublicKey', 8],
      ['Endpoint', 10],
    ],
  );
  t.regex(problems[0]!.message, /PrivateKey = <redacted> is a placeholder/);
  t.is(problems[1]!.message, 'Address = 10.0.0.1/24, nonsense: nonsense is not valid');
  const whole: SettingsProblem[] = [];
  readWgSettings(parseWgConfig('[Interface]\nAddress = <redacted>\n'), { problems: whole });
  t.is(whole[0]!.message, 'Address = <redacted> is not valid');
  t.is(settings.interface.privateKey, undefined);
  t.deepEqual(
    settings.interface.addresses.map((address) => address.value.address),
    ['10.0.0.1'],
  );
  t.is(settings.interface.listenPort, undefined);
  t.deepEqual(settings.interface.fwMark, { value: 51820, line: 5 });
  t.deepEqual(settings.interface.saveConfig, { value: true, line: 6 });
  t.is(settings.peers[0]!.publicKey, undefined);
  t.is(settings.peers[0]!.presharedKey?.line, 9);
  t.is(settings.peers[0]!.endpoint, undefined);
  t.is(settings.peers[0]!.allowedIps.length, 1);
});

test('FwMark off or 0 is no mark; SaveConfig false; without a problems list a bad key still throws', (t) => {
  const read = (line: string) => readWgSettings(parseWgConfig(`[Interface]\n${line}\n`)).interface;
  t.is(read('FwMark = off').fwMark, undefined);
  t.is(read('FwMark = 0').fwMark, undefined);
  t.is(read('FwMark = 1234').fwMark?.value, 1234);
  for (const bad of ['mark', '12x', 'x12', '0x123456789'])
    t.throws(() => read(`FwMark = ${bad}`), { instanceOf: WglabError }, bad);
  t.is(read('SaveConfig = false').saveConfig?.value, false);
  t.throws(() => read('PrivateKey = <redacted>'), { instanceOf: WglabError, message: /placeholder/ });
  t.throws(() => readWgSettings(parseWgConfig('[Interface]\n[Peer]\nPresharedKey = abc\n')), {
    instanceOf: WglabError,
    message: /PresharedKey = abc is not a key: 3 characters/,
  });
});

test('endpointAddress: an address as written, a name only through resolve', (t) => {
  const peer = (endpoint: string) =>
    readWgSettings(parseWgConfig(`[Interface]\n[Peer]\nEndpoint = ${endpoint}\n`)).peers[0]!;
  t.is(endpointAddress(peer('203.0.113.2:51820')), '203.0.113.2');
  t.is(endpointAddress(peer('[2001:db8::2]:51820')), '2001:db8::2');
  t.is(endpointAddress(peer('vpn.example.net:51820')), undefined);
  t.is(endpointAddress(peer('vpn.example.net:51820'), { 'VPN.Example.net': '203.0.113.9' }), '203.0.113.9');
  t.is(endpointAddress(peer('vpn.example.net:51820'), { 'vpn.example.net': 'elsewhere' }), undefined);
  t.is(endpointAddress(readWgSettings(parseWgConfig('[Interface]\n[Peer]\n')).peers[0]!), undefined);
});

test('the parser reads each kind of line exactly: blank, comment, section, entry, with CRLF and inline comments', (t) => {
  const text =
    '# top note  \r\n\r\n[ interface ]  # the host\r\nPrivateKey = k= # inline\r\nAddress=10.0.0.1/32,, 10.0.0.2/32\r\n[PEER]\r\nPublicKey = p\r\n';
  const config = parseWgConfig(text, 'crlf.conf');
  t.true(config.finalNewline);
  t.deepEqual(
    config.lines.map((line) => line.type),
    ['comment', 'blank', 'section', 'entry', 'entry', 'section', 'entry'],
  );
  t.deepEqual(config.lines[0], { type: 'comment', text: 'top note', raw: '# top note  \r', line: 1 });
  t.deepEqual(config.lines[1], { type: 'blank', raw: '\r', line: 2 });
  t.like(config.lines[2]!, { type: 'section', name: 'Interface', line: 3 });
  t.like(config.lines[3]!, { type: 'entry', key: 'PrivateKey', value: 'k=', line: 4 });
  t.like(config.lines[5]!, { type: 'section', name: 'Peer', line: 6 });
  t.false(parseWgConfig('[Interface]\nPrivateKey = k').finalNewline);
  t.deepEqual(splitList('10.0.0.1/32,, 10.0.0.2/32 , '), ['10.0.0.1/32', '10.0.0.2/32']);
});

test('the parser refuses what wg-quick refuses, naming the line', (t) => {
  const refused = (text: string) => t.throws(() => parseWgConfig(text, 'x.conf'), { instanceOf: WglabError });
  t.regex(refused('[Interface]\nPrivateKey = k\n[Interface]\n')!.message, /a second \[Interface\] section/);
  t.is((refused('[Interface]\nPrivateKey = k\n[Interface]\n') as WglabError).location.line, 3);
  t.notThrows(
    () => parseWgConfig('[Interface]\nPrivateKey = k\n[Peer]\nPublicKey = a\n[Peer]\nPublicKey = b\n'),
    'several [Peer] sections are fine',
  );
  t.regex(refused('[Interface]\n= value\n')!.message, /unknown key  in \[Interface\]|unknown key/);
  t.regex(refused('[Interface]\nno equals sign\n')!.message, /expected Key = Value/);
  t.regex(refused('[Peer]\nPublicKey = p\n')!.message, /no \[Interface\] section/);
  t.regex(refused('# only a comment\n')!.message, /no \[Interface\] section/);
  t.regex(refused('[Interface] trailing\n')!.message, /expected Key = Value/);
  t.regex(refused('x[Interface]\n')!.message, /expected Key = Value/);
  t.regex(refused('[Wireguard]\n')!.message, /unknown section \[Wireguard\]/);
});
