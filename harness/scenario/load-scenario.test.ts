import test from 'ava';
import { readdirSync } from 'node:fs';
import { WglabError, WglabErrors } from '../errors.ts';
import { loadScenario, parseScenario } from '../wgconf/load-scenario.ts';

const base = `name: t
endpoints:
  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }
  B: { publicIp: 203.0.113.2, wgIp: 10.0.0.2, listenPort: 51822, serves: app.example.com }
  C: { publicIp: 192.0.2.3 }
`;
const tunnel = `tunnel: { dialer: A, listener: B, transparent: [A] }
`;

function problems(text: string, file = 'bad.yaml'): WglabError[] {
  try {
    parseScenario(text, file);
  } catch (error) {
    if (error instanceof WglabErrors) return error.errors;
    if (error instanceof WglabError) return [error];
    throw error;
  }
  throw new Error('expected the scenario to be rejected');
}

test('every article scenario loads', (t) => {
  const dir = new URL('../../scenarios/article/', import.meta.url).pathname;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
    t.notThrows(() => loadScenario(dir + file), file);
  }
});

test('defaults fill the article values', (t) => {
  const scenario = parseScenario(base + tunnel);
  t.like(scenario.tunnel, { table: 123, priority: 455, reachPeerWgIp: 'prefix', snat: 'none' });
});

const rejected: [string, string, RegExp, number, string][] = [
  ['unknown field', base.replace('serves:', 'serve:'), /unknown field "serve"/, 4, 'endpoints.B.serve'],
  ['bad IP', base.replace('198.51.100.1', '198.51.100.300'), /not an IPv4 or IPv6 address/, 3, 'endpoints.A.publicIp'],
  ['bad port', base.replace('51822', '70000'), /at most 65535/, 4, 'endpoints.B.listenPort'],
  [
    'duplicate address',
    base.replace('192.0.2.3', '203.0.113.2'),
    /already used by endpoints\.B\.publicIp/,
    5,
    'endpoints.C.publicIp',
  ],
  [
    'wgIp equal to publicIp',
    base.replace('wgIp: 10.0.0.1', 'wgIp: 198.51.100.1'),
    /equals the endpoint's publicIp/,
    3,
    'endpoints.A.wgIp',
  ],
  ['unknown tunnel end', `${base}tunnel: { dialer: A, listener: D }\n`, /"D" does not exist/, 6, 'tunnel.listener'],
  [
    'unknown check endpoint',
    `${base}checks:\n  - { from: Z, url: "https://app.example.com/", expect: { sourceIp: 1.2.3.4, path: internet } }\n`,
    /"Z" does not exist/,
    7,
    'checks.0.from',
  ],
  [
    'transparent non-end',
    `${base}tunnel: { dialer: A, listener: B, transparent: [C] }\n`,
    /"C" is not an end of the tunnel/,
    6,
    'tunnel.transparent.0',
  ],
  [
    'table out of range',
    `${base}tunnel: { dialer: A, listener: B, table: 254 }\n`,
    /kernel's own tables/,
    6,
    'tunnel.table',
  ],
  [
    'priority out of range',
    `${base}tunnel: { dialer: A, listener: B, priority: 40000 }\n`,
    /at most 32763/,
    6,
    'tunnel.priority',
  ],
  ['tunnel and configs', `${base}${tunnel}configs: { A: ./a.conf }\n`, /both tunnel and configs/, 7, 'configs'],
  [
    'bad fault',
    `${base}${tunnel}checks:\n  - { from: A, url: "https://app.example.com/", fault: unplug, expect: { path: none } }\n`,
    /"unplug" is not one of/,
    8,
    'checks.0.fault',
  ],
  [
    'sourceIp with none',
    `${base}${tunnel}checks:\n  - { from: A, url: "https://app.example.com/", expect: { sourceIp: 10.0.0.1, path: none } }\n`,
    /has no source IP/,
    8,
    'checks.0.expect.sourceIp',
  ],
  [
    'unserved host',
    `${base}checks:\n  - { from: A, url: "https://nowhere.example/", expect: { sourceIp: 10.0.0.1, path: tunnel } }\n`,
    /no endpoint serves nowhere\.example/,
    7,
    'checks.0.url',
  ],
  [
    'a check that sends two things',
    `${base}checks:\n  - { from: A, url: "https://app.example.com/", dns: app.example.com, expect: { path: tunnel } }\n`,
    /names http and dns: a check sends one thing/,
    7,
    'checks.0',
  ],
  [
    'a check that sends nothing',
    `${base}checks:\n  - { from: A, expect: { path: tunnel } }\n`,
    /names nothing to send/,
    7,
    'checks.0',
  ],
  [
    'size without ping',
    `${base}checks:\n  - { from: A, tcp: "203.0.113.2:22", size: 100 }\n`,
    /payload of a ping/,
    7,
    'checks.0.size',
  ],
  ['tcp without a port', `${base}checks:\n  - { from: A, tcp: "203.0.113.2" }\n`, /not host:port/, 7, 'checks.0.tcp'],
  [
    'resolver expected of a URL check',
    `${base}checks:\n  - { from: A, url: "https://app.example.com/", expect: { path: internet, resolver: B } }\n`,
    /only with dns:/,
    7,
    'checks.0.expect.resolver',
  ],
  [
    'resolver expected of a node that runs none',
    `${base}checks:\n  - { from: A, dns: app.example.com, expect: { path: internet, resolver: B } }\n`,
    /B runs no resolver/,
    7,
    'checks.0.expect.resolver',
  ],
  [
    'a tcp check to an address no node holds',
    `${base}checks:\n  - { from: A, tcp: "192.0.2.99:22", expect: { path: internet } }\n`,
    /no endpoint, LAN host or config Address has the address 192\.0\.2\.99/,
    7,
    'checks.0.tcp',
  ],
  [
    'a NAT whose inside address is of another family than the public one',
    `name: t\nendpoints:\n  A: { publicIp: 198.51.100.1, nat: { address: "fd00:1::2/64" } }\n`,
    /an endpoint behind a NAT takes public addresses of its inside address's family \(IPv6\)/,
    3,
    'endpoints.A.publicIp',
  ],
  [
    'an IPv6 NAT prefix with no room for the NAT',
    `name: t\nendpoints:\n  A: { publicIp: "2001:db8:1::1", nat: { address: "fd00:1::2/127" } }\n`,
    /fd00:1::2\/127 is not an address in a prefix with room for the NAT \(at most \/126\)/,
    3,
    'endpoints.A.nat.address',
  ],
  [
    'snat on non-end',
    `${base}tunnel: { dialer: A, listener: B, snat: C }\n`,
    /"C" is not none or an end/,
    6,
    'tunnel.snat',
  ],
];

for (const [title, text, message, line, field] of rejected) {
  test(`rejects ${title} with file, line, field and a hint`, (t) => {
    const found = problems(text);
    const match = found.find((error) => message.test(error.message));
    t.truthy(match, found.map((error) => error.format()).join('\n'));
    t.is(match!.location.file, 'bad.yaml');
    t.is(match!.location.line, line);
    t.is(match!.location.field, field);
    t.truthy(match!.hint);
    t.regex(
      match!.format(),
      new RegExp(`^wglab: .+ \\(bad\\.yaml:${line} ${field.replaceAll('.', '\\.')}\\)\\n  hint: `),
    );
  });
}

test('a missing configs file is reported before anything runs', (t) => {
  const [error] = problems(`${base}configs: { A: ./does-not-exist.conf }\n`, '/tmp/wglab-x/s.yaml');
  t.regex(error!.message, /does-not-exist\.conf does not exist/);
});

test('YAML syntax errors carry their line', (t) => {
  const [error] = problems('name: x\nendpoints:\n  A: { publicIp: 1.2.3.4\n');
  t.regex(error!.message, /^YAML:/);
  t.is(typeof error!.location.line, 'number');
});

test('addresses take IPv4, IPv6 or one of each; LANs, names, files and per-interface configs load', (t) => {
  const scenario = parseScenario(`name: own
endpoints:
  A: { publicIp: [198.51.100.1, "2001:db8::1"], wgIp: "fd00:1::1", listenPort: 51821, names: [vpn.example.net], lan: { address: 192.168.1.1/24, hosts: { pc: 192.168.1.10 } } }
  B: { publicIp: "2001:db8::2", wgIp: [10.0.0.2, "fd00:1::2"], listenPort: 51822, serves: app.example.com }
tunnel: { dialer: A, listener: B }
checks:
  - { from: pc, url: "http://[fd00:1::2]/", expect: { sourceIp: "fd00:1::1", path: tunnel } }
  - { from: A, url: "https://pc/", expect: { sourceIp: 192.168.1.1, path: internet } }
`);
  t.like(scenario.endpoints.A, {
    publicIp: '198.51.100.1',
    publicIps: ['198.51.100.1', '2001:db8::1'],
    wgIp: 'fd00:1::1',
    wgIps: ['fd00:1::1'],
    names: ['vpn.example.net'],
  });
  t.deepEqual(scenario.endpoints.A!.lan, { address: '192.168.1.1/24', hosts: { pc: '192.168.1.10' } });
  t.deepEqual(scenario.endpoints.B!.wgIps, ['10.0.0.2', 'fd00:1::2']);
  const configs = parseScenario(
    `name: own
endpoints:
  A: { publicIp: 198.51.100.1 }
configs:
  A: { wg0: ../../fixtures/article/snat-on-a-A.conf, wg1: ../../fixtures/article/transparent-both-B.conf }
`,
    new URL('../../scenarios/examples/x.yaml', import.meta.url).pathname,
  );
  t.deepEqual(Object.keys(configs.configs!.A!), ['wg0', 'wg1']);
});

for (const [name, text, message, field] of [
  [
    'two IPv4 addresses',
    base.replace('publicIp: 198.51.100.1', 'publicIp: [198.51.100.1, 198.51.100.9]'),
    /one IPv4 and one IPv6/,
    'endpoints.A.publicIp',
  ],
  [
    'LAN host outside its LAN',
    base.replace(
      'publicIp: 192.0.2.3',
      'publicIp: 192.0.2.3, lan: { address: 192.168.1.1/24, hosts: { pc: 192.168.2.10 } }',
    ),
    /outside the LAN/,
    'endpoints.C.lan.hosts.pc',
  ],
  [
    'LAN host named like an endpoint',
    base.replace(
      'publicIp: 192.0.2.3',
      'publicIp: 192.0.2.3, lan: { address: 192.168.1.1/24, hosts: { A: 192.168.1.10 } }',
    ),
    /already taken/,
    'endpoints.C.lan.hosts.A',
  ],
  [
    'check from an unknown node',
    `${base}checks:\n  - { from: pc, url: "https://app.example.com/", expect: { path: none } }\n`,
    /endpoint or LAN host "pc" does not exist/,
    'checks.0.from',
  ],
  [
    'URL to an address nobody has',
    `${base}checks:\n  - { from: A, url: "http://[fd00::9]/", expect: { path: none } }\n`,
    /no endpoint, LAN host or config Address has the address fd00::9/,
    'checks.0.url',
  ],
  [
    'missing file in files:',
    base.replace('publicIp: 192.0.2.3', 'publicIp: 192.0.2.3, files: { /etc/wireguard/up.sh: ./nope.sh }'),
    /does not exist/,
    'endpoints.C.files./etc/wireguard/up.sh',
  ],
] as const) {
  test(`rejects ${name} with its field`, (t) => {
    const found = problems(text);
    const match = found.find((error) => message.test(error.message));
    t.truthy(match, found.map((error) => error.format()).join('\n'));
    t.is(match!.location.field, field);
  });
}

test("a URL may name an address only a config file holds; peer-down then acts on that file's endpoint", (t) => {
  const scenario = loadScenario(new URL('../../scenarios/own-network/three-site-mesh.yaml', import.meta.url).pathname);
  t.is(scenario.checks[2]!.url, 'https://10.10.0.2/');
  t.deepEqual(Object.keys(scenario.configs!), ['siteA', 'siteB', 'siteC']);
});
