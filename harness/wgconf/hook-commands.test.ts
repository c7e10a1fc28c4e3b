import test from 'ava';
import {
  markValue,
  ownFwmark,
  readHookCommands,
  sameIpRule,
  sameIptablesRule,
  shellCommands,
  tableName,
  type IpRouteCommand,
  type IpRuleCommand,
  type IptablesCommand,
} from './hook-commands.ts';
import type { Hook } from './wg-settings.ts';

const hook = (command: string, key: Hook['key'] = 'PostUp'): Hook => ({ key, command, line: 3 });
const read = (command: string, name?: string) => readHookCommands(hook(command), name);
const rule = (command: string) => read(command)[0] as IpRuleCommand;
const route = (command: string, name?: string) => read(command, name)[0] as IpRouteCommand;
const iptables = (command: string) => read(command)[0] as IptablesCommand;

test('shellCommands splits at ; && || | & and newlines, keeps quotes and substitutions as one word', (t) => {
  t.deepEqual(shellCommands('a b; c && d || e | f & g\nh'), [['a', 'b'], ['c'], ['d'], ['e'], ['f'], ['g'], ['h']]);
  t.deepEqual(shellCommands(`iptables -m comment --comment "wg rule; x" -j ACCEPT`), [
    ['iptables', '-m', 'comment', '--comment', 'wg rule; x', '-j', 'ACCEPT'],
  ]);
  t.deepEqual(shellCommands(`echo 'a  b'c`), [['echo', 'a  bc']]);
  t.deepEqual(shellCommands('ip rule add fwmark $(wg show wg0 fwmark) table 7'), [
    ['ip', 'rule', 'add', 'fwmark', '$(wg show wg0 fwmark)', 'table', '7'],
  ]);
  t.deepEqual(shellCommands('x $(a $(b c) d) `e f`'), [['x', '$(a $(b c) d)', '`e f`']]);
  t.deepEqual(shellCommands('a\\;b c'), [['a;b', 'c']]);
  t.deepEqual(shellCommands(' ;; '), []);
  t.deepEqual(shellCommands('"unterminated'), [['unterminated']]);
  t.deepEqual(shellCommands(`''`), [['']]);
});

test('ip rule: aliases folded, 254 is main, marks as numbers, $(wg show %i fwmark) the own mark, family and not kept', (t) => {
  const added = rule('ip -6 rule add not from fd00::/64 lookup 254 pref 10 fwmark 0xca6c');
  t.deepEqual(
    [added.op, added.family, added.not, [...added.args]],
    [
      'add',
      6,
      true,
      [
        ['from', 'fd00::/64'],
        ['table', 'main'],
        ['priority', '10'],
        ['fwmark', '51820'],
      ],
    ],
  );
  t.deepEqual(added.words, ['not', 'from', 'fd00::/64', 'lookup', '254', 'pref', '10', 'fwmark', '0xca6c']);
  t.is(rule('ip rule add fwmark $(wg show %i fwmark) table 7').args.get('fwmark'), ownFwmark);
  t.is(rule('ip -family inet6 rule delete to fd00::2 table 7').family, 6);
  t.is(rule('ip -f inet rule del to 10.0.0.2 table 7').family, 4);
  t.is(rule('ip -4 rule add to 10.0.0.2 table 7').family, 4);
  t.deepEqual(
    [...rule('ip rule add to 10.0.0.2 prio 3 preference 4 order 5 table').args],
    [
      ['to', '10.0.0.2'],
      ['priority', '5'],
    ],
  );
  t.is(rule('/sbin/ip ru add to 10.0.0.2 table 7').kind, 'ip-rule');
  t.is(rule('sudo FOO=1 ip rule add to 10.0.0.2 table 7').kind, 'ip-rule');
  t.deepEqual(read('ip r add to 10.0.0.2 table 7'), [], '"r" is route, too short for rule');
  t.deepEqual(read('ip rule show'), []);
  t.deepEqual(read('ip rule'), []);
  t.deepEqual(read('ip -batch file'), []);
  t.deepEqual(read('ipx rule add table 7'), []);
});

test('table and mark spellings', (t) => {
  t.deepEqual(['254', '255', '253', '123', 'main'].map(tableName), ['main', 'local', 'default', '123', 'main']);
  t.deepEqual(['0xca6c', '51820', '0x1/0xff', 'abc', '0xz'].map(markValue), ['51820', '51820', '1/255', 'abc', '0xz']);
});

test('ip route: destination among keywords, default by family, type, dev/oif, via, table 254 as main; %i is the interface', (t) => {
  t.like(route('ip route add 10.0.0.2 dev %i'), { op: 'add', destination: '10.0.0.2', dev: 'wg0', type: 'unicast' });
  t.like(route('ip route add 10.0.0.2 dev %i', 'office'), { dev: 'office' });
  t.like(route('ip route add table 254 dev wg0 to 10.0.0.0/24'), {
    destination: '10.0.0.0/24',
    table: 'main',
    dev: 'wg0',
  });
  t.like(route('ip -6 route replace default via fe80::1 oif eth0 metric 5'), {
    op: 'replace',
    destination: '::/0',
    via: 'fe80::1',
    dev: 'eth0',
  });
  t.like(route('ip ro append default dev wg0 table 101'), { op: 'append', destination: '0.0.0.0/0', table: '101' });
  t.like(route('ip route add blackhole 10.0.0.0/8'), { type: 'blackhole', destination: '10.0.0.0/8' });
  t.like(route('ip route add unreachable default onlink'), { type: 'unreachable', destination: '0.0.0.0/0' });
  t.like(route('ip route del 10.0.0.2'), { op: 'del' });
  t.is(route('ip route add 10.0.0.2').dev, undefined);
  t.is(route('ip route add 10.0.0.2').table, undefined);
  t.deepEqual(read('ip route add dev wg0'), [], 'no destination');
  t.deepEqual(read('ip route show table 7'), []);
  t.deepEqual(read('ip route flush table 7'), []);
});

test('iptables: table, operation, chain and the rule words; -I position and -w dropped', (t) => {
  t.like(iptables('iptables -t nat -A POSTROUTING -s 10.0.0.1 -d 203.0.113.2 -j SNAT --to-source 198.51.100.1'), {
    program: 'iptables',
    op: 'add',
    table: 'nat',
    chain: 'POSTROUTING',
    source: '10.0.0.1',
    destination: '203.0.113.2',
    jump: 'SNAT',
    toSource: '198.51.100.1',
  });
  t.deepEqual(iptables('iptables -w 2 -I FORWARD 1 -i %i -j ACCEPT').rule, ['-i', 'wg0', '-j', 'ACCEPT']);
  t.deepEqual(iptables('iptables --wait --insert FORWARD -i wg0 -j ACCEPT').rule, ['-i', 'wg0', '-j', 'ACCEPT']);
  t.like(
    iptables('/usr/sbin/ip6tables --table mangle --delete OUTPUT --source fd00::1 --destination fd00::2 --jump MARK'),
    {
      program: 'ip6tables',
      op: 'del',
      table: 'mangle',
      chain: 'OUTPUT',
      source: 'fd00::1',
      destination: 'fd00::2',
      jump: 'MARK',
    },
  );
  t.is(iptables('iptables-legacy -A INPUT -j DROP').program, 'iptables-legacy');
  t.deepEqual(read('iptables -L'), []);
  t.deepEqual(read('iptables -P FORWARD ACCEPT'), []);
  t.deepEqual(read('nft add rule inet wg x accept; sysctl -w net.ipv4.ip_forward=1; sh up.sh %i'), []);
});

test('sameIpRule: del names a subset of the added selectors, with the same not', (t) => {
  const added = rule('ip rule add to 10.0.0.2 table 7 priority 5');
  t.true(sameIpRule(added, rule('ip rule del to 10.0.0.2 lookup 7 pref 5')));
  t.true(sameIpRule(added, rule('ip rule del priority 5')));
  t.false(sameIpRule(added, rule('ip rule del priority 6')));
  t.false(sameIpRule(added, rule('ip rule del to 10.0.0.2 table 7 priority 5 fwmark 1')));
  t.false(sameIpRule(added, rule('ip rule del not to 10.0.0.2 table 7 priority 5')));
  t.false(sameIpRule(added, rule('ip rule del')));
  const inverted = rule('ip -4 rule add not fwmark 51820 table 51820');
  t.true(sameIpRule(inverted, rule('ip -4 rule delete table 51820')), 'the kernel does not compare not');
  t.true(sameIpRule(inverted, rule('ip rule del not fwmark 51820 table 51820')));
});

test('sameIptablesRule: same program family, table, chain and option groups in any order', (t) => {
  const added = iptables('iptables -A FORWARD ! -s 10.0.0.0/8 -i wg0 -m comment --comment x -j ACCEPT');
  t.true(
    sameIptablesRule(
      added,
      iptables('iptables-nft -D FORWARD -i wg0 ! -s 10.0.0.0/8 -j ACCEPT -m comment --comment x'),
    ),
  );
  t.false(
    sameIptablesRule(added, iptables('iptables -D FORWARD -s 10.0.0.0/8 ! -i wg0 -m comment --comment x -j ACCEPT')),
    '! goes with its option',
  );
  t.false(
    sameIptablesRule(added, iptables('ip6tables -D FORWARD ! -s 10.0.0.0/8 -i wg0 -m comment --comment x -j ACCEPT')),
  );
  t.false(
    sameIptablesRule(
      added,
      iptables('iptables -t raw -D FORWARD ! -s 10.0.0.0/8 -i wg0 -m comment --comment x -j ACCEPT'),
    ),
  );
  t.false(
    sameIptablesRule(added, iptables('iptables -D INPUT ! -s 10.0.0.0/8 -i wg0 -m comment --comment x -j ACCEPT')),
  );
  t.false(
    sameIptablesRule(added, iptables('iptables -D FORWARD ! -s 10.0.0.0/8 -i wg0 -m comment --comment y -j ACCEPT')),
  );
});

test('edges of reading commands: prefixes, ip options, batch files, incomplete iptables', (t) => {
  t.deepEqual(read('mysudo ip rule add to 10.0.0.2 table 7'), []);
  t.deepEqual(read('sudox ip rule add to 10.0.0.2 table 7'), []);
  t.deepEqual(read('x-y=1 ip rule add to 10.0.0.2 table 7'), []);
  t.is(rule('exec command ip rule add to 10.0.0.2 table 7').kind, 'ip-rule');
  t.is(rule('ip -6 -4 rule add to 10.0.0.2 table 7').family, 4);
  t.is(rule('ip -s -d rule add to 10.0.0.2 table 7').kind, 'ip-rule', 'flags before the object are skipped');
  t.deepEqual(read('ip -b rule add to 10.0.0.2 table 7'), [], 'the commands come from a file');
  t.deepEqual(read('iptables -A'), []);
  t.deepEqual(read('iptables -t nat'), []);
  t.like(route('ip route add 10.0.0.0/24 via 192.0.2.1 onlink dev wg0'), {
    destination: '10.0.0.0/24',
    via: '192.0.2.1',
    dev: 'wg0',
  });
  t.like(route('ip route add all dev wg0'), { destination: '0.0.0.0/0' });
  t.like(route('ip -6 route add default dev wg0'), { destination: '::/0' });
  t.deepEqual(['a12', '12a', '0x10/0xff', '7/x'].map(markValue), ['a12', '12a', '16/255', '7/NaN']);
  t.deepEqual(iptables('iptables -I FORWARD 12 -j ACCEPT').rule, ['-j', 'ACCEPT']);
  t.deepEqual(iptables('iptables -I FORWARD 1x -j ACCEPT').rule, ['1x', '-j', 'ACCEPT']);
  t.deepEqual(iptables('iptables --insert FORWARD 3 -j ACCEPT').rule, ['-j', 'ACCEPT']);
  t.deepEqual(iptables('iptables -w 10 -A FORWARD -j ACCEPT').rule, ['-j', 'ACCEPT']);
  t.deepEqual(iptables('iptables -w -A FORWARD -j ACCEPT').rule, ['-j', 'ACCEPT']);
  t.deepEqual(iptables('iptables -w x1 -A FORWARD -j ACCEPT').rule, ['x1', '-j', 'ACCEPT']);
  t.is(iptables('iptables -t nat -A POSTROUTING -j SNAT --to-source').toSource, undefined);
  t.is(rule('ip rule add fwmark $(wg show wg0 fwmark)x table 7').args.get('fwmark'), '$(wg show wg0 fwmark)x');
  t.is(rule('ip rule add fwmark x$(wg show wg0 fwmark) table 7').args.get('fwmark'), 'x$(wg show wg0 fwmark)');
  t.is(rule('ip rule add fwmark $( wg  show  wg1  fwmark ) table 7').args.get('fwmark'), ownFwmark);
  t.true(sameIptablesRule(iptables('iptables -A FORWARD x -j ACCEPT'), iptables('iptables -D FORWARD x -j ACCEPT')));
  t.false(
    sameIptablesRule(
      { ...iptables('iptables -A FORWARD -j ACCEPT'), program: 'iptables-nftx' },
      iptables('iptables -D FORWARD -j ACCEPT'),
    ),
  );
  t.false(
    sameIptablesRule(
      { ...iptables('iptables -A FORWARD -j ACCEPT'), program: 'iptables-nft-x' },
      iptables('iptables -D FORWARD -j ACCEPT'),
    ),
  );
});

test('ip route via with its family as a word of its own reads the address after it, as the routing model does', (t) => {
  t.like(route('ip route add 10.9.0.0/24 via inet6 fe80::1 dev eth0 table 7'), {
    destination: '10.9.0.0/24',
    via: 'fe80::1',
    dev: 'eth0',
    table: '7',
  });
  t.like(route('ip -6 route add ::/0 via inet6 fd00::1 dev wg0'), { via: 'fd00::1', dev: 'wg0' });
  t.like(route('ip route add 10.9.0.0/24 via 192.0.2.1 dev eth0'), { via: '192.0.2.1', dev: 'eth0' });
});
