import test from 'ava';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import { kernelRules, describeRule } from './policy-rule.ts';
import { applyInvocation, isLocal, type NodeState } from './node-state.ts';
import { describeRoute } from './route-table.ts';
import { readWgQuickFile, wgQuickDown, wgQuickUp } from './wg-quick.ts';

const keyA = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=';
const pubB = 'fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=';
const file = (iface: string[], allowed = '10.0.0.2/32') =>
  readWgQuickFile(
    'wg0',
    parseWgConfig(
      [
        '[Interface]',
        `PrivateKey = ${keyA}`,
        ...iface,
        '',
        '[Peer]',
        `PublicKey = ${pubB}`,
        `AllowedIPs = ${allowed}`,
        'Endpoint = 203.0.113.2:51822',
        '',
      ].join('\n'),
      'a.conf',
    ),
  );
const node = (): NodeState => ({
  name: 'A',
  devices: [
    { name: 'eth0', addresses: [{ address: '198.51.100.1', prefix: 32 }], link: { kind: 'internet' }, mtu: 1500 },
  ],
  rules: [...kernelRules(4), ...kernelRules(6)],
  routes: [],
  netfilter: [],
  policies: new Map(),
  sysctls: new Map(),
  wireguard: [],
  unknown: [],
  ipv6: true,
});
const up = (lines: string[], allowed?: string, files = {}) => {
  const state = node();
  wgQuickUp(state, file(lines, allowed), { files });
  return state;
};
const routes = (state: NodeState) => state.routes.filter((route) => route.table !== 'local').map(describeRoute);
const userRules = (state: NodeState) => state.rules.filter((rule) => rule.origin !== 'kernel').map(describeRule);

test('Table = auto: AllowedIPs in main, Address as connected routes; a route the connected one covers is not added', (t) => {
  t.deepEqual(routes(up(['Address = 10.0.0.1/32'])), ['10.0.0.2/32 dev wg0']);
  t.deepEqual(routes(up(['Address = 10.0.0.1/24'], '10.0.0.2/32, 192.168.2.0/24')), [
    '10.0.0.0/24 dev wg0',
    '192.168.2.0/24 dev wg0',
  ]);
  t.deepEqual(routes(up(['Address = fd00::1/64'], 'fd00::2/128')), ['fd00::/64 dev wg0 metric 256']);
  const state = up(['Address = 10.0.0.1/32, fd00::1/128']);
  t.true(isLocal(state, '10.0.0.1') && isLocal(state, 'fd00::1'));
});

test("Table = auto with a /0: wg-quick's fwmark table, `not fwmark` and `suppress_prefixlength 0`, per family", (t) => {
  const state = up(['Address = 10.0.0.1/32'], '0.0.0.0/0');
  t.deepEqual(routes(state), ['default dev wg0 table 51820']);
  t.deepEqual(userRules(state), [
    'rule 32765 not fwmark 0xca6c lookup 51820',
    'rule 32764 lookup main suppress_prefixlength 0',
  ]);
  t.is(state.wireguard[0]!.fwmark, 51820);
  t.is(state.netfilter.length, 1, "wg-quick's raw rule for the interface's address");
  const marked = up(['Address = 10.0.0.1/32', 'FwMark = 0x1234'], '0.0.0.0/0, ::/0');
  t.deepEqual(routes(marked), ['default dev wg0 table 4660', 'default dev wg0 table 4660']);
  t.deepEqual(
    marked.rules.filter((rule) => rule.origin !== 'kernel').map((rule) => `${rule.family} ${describeRule(rule)}`),
    [
      '4 rule 32765 not fwmark 0x1234 lookup 4660',
      '4 rule 32764 lookup main suppress_prefixlength 0',
      '6 rule 32765 not fwmark 0x1234 lookup 4660',
      '6 rule 32764 lookup main suppress_prefixlength 0',
    ],
  );
});

test('Table = off adds no route; Table = N puts AllowedIPs in N only; Table = main in main even for a /0', (t) => {
  t.deepEqual(routes(up(['Address = 10.0.0.1/32', 'Table = off'])), []);
  t.deepEqual(routes(up(['Address = 10.0.0.1/32', 'Table = 123'], '10.0.0.2/32, 203.0.113.2/32')), [
    '10.0.0.2/32 dev wg0 table 123',
    '203.0.113.2/32 dev wg0 table 123',
  ]);
  t.deepEqual(routes(up(['Address = 10.0.0.1/32', 'Table = main'], '0.0.0.0/0')), ['default dev wg0']);
  t.deepEqual(userRules(up(['Address = 10.0.0.1/32', 'Table = main'], '0.0.0.0/0')), []);
});

test('hooks run in order around the interface: PreUp before it exists, PostUp after', (t) => {
  const state = up([
    'Address = 10.0.0.1/32',
    'Table = 123',
    'PreUp = ip rule add to 203.0.113.2 dport 51822 table main priority 455',
    'PreUp = ip route add 10.9.0.0/16 dev %i table 123',
    'PostUp = ip route add 10.0.0.2 dev %i; sysctl -w net.ipv4.ip_forward=0',
    'PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
  ]);
  t.deepEqual(userRules(state), ['rule 455 to 203.0.113.2 dport 51822 lookup main']);
  t.deepEqual(
    routes(state),
    ['10.0.0.2/32 dev wg0 table 123', '10.0.0.2/32 dev wg0'],
    'the PreUp route found no wg0 yet',
  );
  t.is(state.sysctls.get('net.ipv4.ip_forward'), '0');
  t.is(state.netfilter.length, 1);
  t.deepEqual(state.unknown, []);
});

test('wg-quick down: PreDown, the interface and its routes gone, then PostDown; what the down hooks do not remove stays', (t) => {
  const config = file(
    [
      'Address = 10.0.0.1/30',
      'FwMark = 51820',
      'PreUp = ip rule add to 203.0.113.2 table 123 priority 456',
      'PreUp = ip rule add to 203.0.113.2 dport 51822 table main priority 455',
      'PostDown = ip rule del to 203.0.113.2 table 123',
      'PostUp = iptables -A OUTPUT ! -o %i -m mark ! --mark $(wg show %i fwmark) -j REJECT',
      'PreDown = iptables -D OUTPUT ! -o %i -m mark ! --mark $(wg show %i fwmark) -j REJECT',
      'PostDown = ip route del 10.0.0.2 dev %i',
    ],
    '0.0.0.0/0',
  );
  const state = node();
  wgQuickUp(state, config, { files: {} });
  t.is(state.netfilter.filter((rule) => rule.table === 'filter').length, 1);
  wgQuickDown(state, config, { files: {} });
  t.deepEqual(userRules(state), ['rule 455 to 203.0.113.2 dport 51822 lookup main'], 'the dport rule has no del');
  t.deepEqual(routes(state), []);
  t.deepEqual(state.netfilter, [], 'the PreDown ran while the mark was still known');
  t.deepEqual(state.wireguard, []);
  t.false(isLocal(state, '10.0.0.1'));
  wgQuickDown(state, config, { files: {} });
  t.deepEqual(
    userRules(state),
    ['rule 455 to 203.0.113.2 dport 51822 lookup main'],
    'down on a down interface does nothing',
  );
});

test('a file wg-quick refuses brings nothing up and is said', (t) => {
  const state = node();
  const refused = readWgQuickFile(
    'wg0',
    parseWgConfig('[Interface]\nPrivateKey = (hidden)\nPreUp = ip rule add table 5 priority 5\n', 'x.conf'),
  );
  wgQuickUp(state, refused, { files: {} });
  t.deepEqual(state.wireguard, []);
  t.regex(state.unknown[0]!, /wg-quick refuses wg0: PrivateKey = \(hidden\) is a placeholder/);
  t.deepEqual(userRules(state), ['rule 5 lookup 5'], 'PreUp ran first');
});

test('readWgQuickFile reads DNS = addresses, MTU = and PersistentKeepalive per peer, in seconds', (t) => {
  const read = readWgQuickFile(
    'wg1',
    parseWgConfig(
      `[Interface]\nPrivateKey = ${keyA}\nDNS = 1.1.1.1, example.com, fd00::53\nMTU = 1380\n[Peer]\nPublicKey = ${pubB}\nPersistentKeepalive = 25\n[Peer]\nPublicKey = ${pubB}\nPersistentKeepalive = 0\n[Peer]\nPublicKey = ${pubB}\n`,
    ),
  );
  t.deepEqual(read.dns, ['1.1.1.1', 'fd00::53']);
  t.deepEqual(read.keepalive, [25, 0, 0]);
  t.is(read.mtu, 1380);
  t.is(read.refused, undefined);
});

test('readWgQuickFile: of several MTU lines the last wins, as wg-quick reads them; an empty last one unsets it', (t) => {
  const mtu = (lines: string) =>
    readWgQuickFile('wg0', parseWgConfig(`[Interface]\nPrivateKey = ${keyA}\n${lines}\n`)).mtu;
  t.is(mtu('MTU = 1200\nMTU = 1420'), 1420);
  t.is(mtu('MTU = 1420\nMTU = 1200'), 1200);
  t.is(mtu('MTU = 1420\nMTU ='), undefined);
  t.is(mtu(''), undefined);
});

test('applyInvocation: ip rule del removes the first rule naming at least its words; routes need their device; the rest is said', (t) => {
  const state = node();
  const run = (command: string) => applyInvocation(state, { words: command.split(' '), origin: 'test' });
  run('ip rule add to 10.9.0.0/16 table 5 priority 10');
  run('ip rule add to 10.8.0.0/16 table 5 priority 11');
  run('ip -6 rule add to fd00::/8 table 5 priority 12');
  run('ip rule del table 5');
  t.deepEqual(userRules(state), ['rule 11 to 10.8.0.0/16 lookup 5', 'rule 12 to fd00::/8 lookup 5']);
  run('ip rule del to 10.8.0.0/16 priority 99');
  t.is(userRules(state).length, 2, 'another priority removes nothing');
  run('ip rule delete priority 11');
  t.deepEqual(userRules(state), ['rule 12 to fd00::/8 lookup 5']);
  run('ip route add 10.7.0.0/16 dev wg9');
  t.deepEqual(routes(state), [], 'no wg9: the command fails');
  run('ip route add 192.0.2.0/24 dev eth0');
  run('ip route add 10.7.0.0/16 via 192.0.2.1');
  t.deepEqual(routes(state), ['192.0.2.0/24 dev eth0', '10.7.0.0/16 via 192.0.2.1 dev eth0']);
  run('ip route replace 10.7.0.0/16 dev eth0 metric 5');
  t.deepEqual(routes(state), ['192.0.2.0/24 dev eth0', '10.7.0.0/16 dev eth0 metric 5']);
  run('ip route del 10.7.0.0/16');
  run('ip address add 10.5.0.1/24 dev eth0');
  t.true(isLocal(state, '10.5.0.1'));
  run('ip address del 10.5.0.1/24 dev eth0');
  t.false(isLocal(state, '10.5.0.1'));
  run('iptables -P FORWARD DROP');
  t.is(state.policies.get('4 filter FORWARD'), 'DROP');
  run('iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE');
  run('iptables -t nat -D POSTROUTING -o eth0 -j MASQUERADE');
  t.deepEqual(state.netfilter, []);
  for (const harmless of [
    'echo hi',
    'logger up',
    'resolvconf -a wg0',
    'ip link set wg0 up',
    'ip route show',
    'wg show',
    'sudo ip rule list',
  ])
    run(harmless);
  t.deepEqual(state.unknown, []);
  for (const command of [
    'ip -b file',
    'ip route flush table 5',
    'ip rule flush',
    'ip link del wg0',
    'nft -f /etc/nft.conf',
    'nft add rule inet f input drop',
    'wg set wg0 peer x allowed-ips 1.2.3.4/32',
    'python3 x.py',
    'iptables -t nat -F',
    'ip rule add frob 1',
    'ip route add $x dev eth0',
    'ip address add 1.2.3.4/24',
    'ip xfrm state',
  ])
    run(command);
  t.is(state.unknown.length, 13, state.unknown.join('\n'));
  run('nft add table inet wg1');
  run('nft add rule inet wg1 input iifname wg1 counter');
  t.is(state.unknown.length, 13, 'nft that only counts changes no path');
});

test('wg set %i fwmark sets the mark later hooks and WireGuard use', (t) => {
  const state = up(['Address = 10.0.0.1/32', 'PostUp = wg set %i fwmark 1234']);
  t.is(state.wireguard[0]!.fwmark, 1234);
  const off = up(['Address = 10.0.0.1/32', 'FwMark = 7', 'PostUp = wg set %i fwmark off']);
  t.is(off.wireguard[0]!.fwmark, 0);
});

test('an MTU below 1280 turns IPv6 off on the interface: its IPv6 addresses go; an IPv6 route then fails wg-quick up', (t) => {
  const up = (iface: string[], allowed: string) => {
    const state = node();
    wgQuickUp(state, file(iface, allowed), { files: {} });
    return state;
  };
  const v6Address = up(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1200'], '10.70.0.0/24');
  t.deepEqual(
    v6Address.devices.find((device) => device.name === 'wg0')!.addresses.map((cidr) => cidr.address),
    ['10.70.0.2'],
  );
  t.false(
    v6Address.routes.some((route) => route.dev === 'wg0' && route.family === 6),
    'no IPv6 route on wg0',
  );
  t.true(
    v6Address.routes.some((route) => route.dev === 'wg0' && route.table === 'local' && route.family === 4),
    "IPv4's own routes stay",
  );
  t.deepEqual(
    v6Address.routes.filter((route) => route.dev !== 'wg0').map(describeRoute),
    node().routes.map(describeRoute),
    "other devices' routes stay",
  );
  t.deepEqual(v6Address.unknown, []);
  t.is(v6Address.wireguard.length, 1);

  const v6Route = up(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1279'], '10.70.0.0/24, fd70::/64');
  t.false(
    v6Route.devices.some((device) => device.name === 'wg0'),
    'wg-quick deleted wg0',
  );
  t.deepEqual(v6Route.wireguard, []);
  t.false(v6Route.routes.some((route) => route.dev === 'wg0'));
  t.deepEqual(v6Route.unknown, [
    "wg-quick up wg0 fails: its MTU 1279 is below IPv6's minimum of 1280, so Linux turns IPv6 off on wg0 and the route for AllowedIPs fd70::/64 cannot be added (RTNETLINK answers: No such device); wg-quick deletes wg0",
  ]);

  const beside = node();
  wgQuickUp(
    beside,
    readWgQuickFile('wg1', parseWgConfig(`[Interface]\nPrivateKey = ${keyA}\nAddress = 10.9.0.1/24\n`, 'b.conf')),
    {
      files: {},
    },
  );
  wgQuickUp(beside, file(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1200'], '10.70.0.0/24, fd70::/64'), {
    files: {},
  });
  t.deepEqual(
    beside.wireguard.map((face) => face.iface),
    ['wg1'],
    'another interface stays up',
  );

  const kept = up(['Address = 10.70.0.2/24, fd70::2/64', 'MTU = 1280'], '10.70.0.0/24, fd70::/64');
  t.true(
    kept.routes.some((route) => route.dev === 'wg0' && route.family === 6),
    'at 1280 IPv6 stays',
  );
  t.deepEqual(kept.unknown, []);
  const off = up(['Address = 10.70.0.2/24', 'MTU = 1200', 'Table = off'], '10.70.0.0/24, fd70::/64');
  t.deepEqual(off.unknown, [], 'Table = off adds no route to fail');
  t.is(off.wireguard.length, 1);
});
