import test from 'ava';
import { readFileSync } from 'node:fs';
import { loadScenario } from './load-scenario.ts';
import { parseScenario } from './load-scenario.ts';
import { generateConfigs, keysPerEndpoint } from './generate-configs.ts';
import { keyPairOf, publicKeyOf } from './keys.ts';
import { parseWgConfig } from './parse-wg-config.ts';
import { serializeWgConfig } from './serialize-wg-config.ts';
import { readWgSettings } from './wg-settings.ts';

/** The article's own keys, so generated files can be compared byte for byte with what it prints. */
const articleKeys = (endpoint: string) =>
  keyPairOf(
    endpoint === 'A' ? 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=' : 'ABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBFA=',
  );
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/article/${name}.conf`, import.meta.url), 'utf8');
const scenario = (name: string) =>
  loadScenario(new URL(`../../scenarios/article/${name}.yaml`, import.meta.url).pathname);

const golden: [string, string, string][] = [
  ['02-point-to-point', 'point-to-point-A', 'point-to-point-B'],
  ['03-transparent-a-prefix', 'transparent-a-prefix-A', 'point-to-point-B'],
  ['04-transparent-a-route', 'transparent-a-route-A', 'point-to-point-B'],
  ['05-transparent-a-rule', 'transparent-a-rule-A', 'point-to-point-B'],
  ['06-transparent-both', 'transparent-a-prefix-A', 'transparent-both-B'],
  ['07-snat-on-a', 'snat-on-a-A', 'transparent-both-B'],
  ['08-snat-on-b', 'transparent-a-prefix-A', 'snat-on-b-B'],
];

for (const [name, a, b] of golden) {
  test(`${name} generates the article's configs`, (t) => {
    const configs = generateConfigs(scenario(name), articleKeys);
    t.deepEqual([...configs.keys()], ['A', 'B']);
    t.is(serializeWgConfig(configs.get('A')!), fixture(a));
    t.is(serializeWgConfig(configs.get('B')!), fixture(b));
  });
}

test('an endpoint outside the tunnel gets no config, and a scenario without tunnel none at all', (t) => {
  t.false(generateConfigs(scenario('03-transparent-a-prefix')).has('C'));
  t.is(generateConfigs(scenario('01-no-tunnel')).size, 0);
});

test("fresh keys pair up: each PublicKey belongs to the other end's PrivateKey", (t) => {
  const configs = generateConfigs(scenario('06-transparent-both'));
  const a = readWgSettings(configs.get('A')!);
  const b = readWgSettings(configs.get('B')!);
  t.is(publicKeyOf(a.interface.privateKey!.value), b.peers[0]!.publicKey!.value);
  t.is(publicKeyOf(b.interface.privateKey!.value), a.peers[0]!.publicKey!.value);
  t.not(a.interface.privateKey!.value, fixture('transparent-a-prefix-A').match(/PrivateKey = (\S+)/)![1]);
});

test('other names, addresses, ports, tables and priorities follow the scenario', (t) => {
  const other = parseScenario(`
name: lab2
endpoints:
  office: { publicIp: 100.64.7.9, wgIp: 172.16.9.5, listenPort: 40000 }
  cloud: { publicIp: 100.65.1.1, wgIp: 172.16.9.10, listenPort: 41000, serves: api.test }
tunnel: { dialer: office, listener: cloud, transparent: [office, cloud], table: 7000, priority: 1000, reachPeerWgIp: rule, snat: cloud }
`);
  const configs = generateConfigs(other);
  const office = serializeWgConfig(configs.get('office')!);
  const cloud = serializeWgConfig(configs.get('cloud')!);
  t.regex(office, /^# local settings for Endpoint office$/m);
  t.regex(office, /^Address = 172\.16\.9\.5\/32$/m);
  t.regex(office, /^Table = 7000$/m);
  t.regex(office, /^PreUp = ip rule add to 100\.65\.1\.1 dport 41000 table main priority 1000$/m);
  t.regex(office, /^PreUp = ip rule add to 100\.65\.1\.1 table 7000 priority 1001$/m);
  t.regex(office, /^PreUp = ip rule add to 172\.16\.9\.10 table 7000 priority 1002$/m);
  t.regex(office, /^PostDown = ip rule del to 172\.16\.9\.10 table 7000 priority 1002$/m);
  t.regex(office, /^Endpoint = 100\.65\.1\.1:41000$/m);
  t.regex(office, /^AllowedIPs = 172\.16\.9\.10\/32, 100\.65\.1\.1\/32$/m);
  t.notRegex(office, /iptables/);
  t.regex(cloud, /^PreUp = ip rule add to 100\.64\.7\.9 dport 40000 table main priority 1000$/m);
  t.regex(
    cloud,
    /^PreUp = iptables -A INPUT -t nat -s 172\.16\.9\.5 -d 100\.65\.1\.1 -j SNAT --to-source 100\.64\.7\.9$/m,
  );
  t.notRegex(cloud, /^Endpoint/m);
});

test('the prefix fix widens Address to the smallest prefix holding both WireGuard IPs', (t) => {
  const other = parseScenario(`
name: wide
endpoints:
  A: { publicIp: 100.64.0.1, wgIp: 10.9.0.1, listenPort: 1 }
  B: { publicIp: 100.64.0.2, wgIp: 10.9.0.6, listenPort: 2 }
tunnel: { dialer: A, listener: B, transparent: [A] }
`);
  t.regex(serializeWgConfig(generateConfigs(other).get('A')!), /^Address = 10\.9\.0\.1\/29$/m);
});

test('generated files parse back to the same text', (t) => {
  for (const config of generateConfigs(scenario('07-snat-on-a')).values()) {
    const text = serializeWgConfig(config);
    t.is(serializeWgConfig(parseWgConfig(text)), text);
  }
});

test('IPv6 and dual-stack tunnels: /128 AllowedIPs, ip -6 rules, ip6tables SNAT, the smallest IPv6 prefix holding both', (t) => {
  const configs = generateConfigs(
    parseScenario(`name: v6
endpoints:
  A: { publicIp: [198.51.100.1, "2001:db8:a::1"], wgIp: [10.0.0.1, "fd00:77::1"], listenPort: 51821 }
  B: { publicIp: [203.0.113.2, "2001:db8:b::2"], wgIp: [10.0.0.2, "fd00:77::2"], listenPort: 51822, serves: app.example.com }
tunnel: { dialer: A, listener: B, transparent: [A], snat: A }
`),
    articleKeys,
  );
  const a = serializeWgConfig(configs.get('A')!);
  t.regex(a, /^Address = 10\.0\.0\.1\/30, fd00:77::1\/126$/m);
  t.regex(a, /^PreUp = ip -6 rule add to 2001:db8:b::2 dport 51822 table main priority 455$/m);
  t.regex(a, /^PreUp = ip rule add to 203\.0\.113\.2 dport 51822 table main priority 455$/m);
  t.regex(
    a,
    /^PreUp = ip6tables -A POSTROUTING -t nat -s fd00:77::1 -d 2001:db8:b::2 -j SNAT --to-source 2001:db8:a::1$/m,
  );
  t.regex(a, /^Endpoint = 203\.0\.113\.2:51822$/m);
  t.regex(a, /^AllowedIPs = 10\.0\.0\.2\/32, fd00:77::2\/128, 203\.0\.113\.2\/32, 2001:db8:b::2\/128$/m);
  t.regex(serializeWgConfig(configs.get('B')!), /^Address = 10\.0\.0\.2\/32, fd00:77::2\/128$/m);
  const only6 = generateConfigs(
    loadScenario(new URL('../../scenarios/own-network/transparent-ipv6.yaml', import.meta.url).pathname),
    articleKeys,
  );
  t.regex(serializeWgConfig(only6.get('A')!), /^Endpoint = \[2001:db8:b::2\]:51822$/m);
  t.notThrows(() => readWgSettings(parseWgConfig(serializeWgConfig(only6.get('A')!))));
});

test('keysPerEndpoint gives an endpoint the same pair every time it is asked, and each endpoint its own', (t) => {
  const keys = keysPerEndpoint();
  const a = keys('A');
  t.is(keys('A'), a);
  t.not(keys('B').privateKey, a.privateKey);
  t.not(keysPerEndpoint()('A').privateKey, a.privateKey, 'another run gets fresh pairs');
});
