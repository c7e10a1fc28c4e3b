import test from 'ava';
import {
  describeNetfilterRule,
  ifaceMatches,
  readIptables,
  readNatAddress,
  runChain,
  sameNetfilterRule,
  type FilterPacket,
  type NetfilterRule,
} from './netfilter.ts';

const read = (line: string, family: 4 | 6 = 4) => readIptables(line.split(' '), family, 'test');
const rule = (line: string, family: 4 | 6 = 4): NetfilterRule => {
  const command = read(line, family);
  if ('unreadable' in command || (command.op !== 'add' && command.op !== 'del')) throw new Error(line);
  return command.rule;
};
const packet = (fields: Partial<FilterPacket> = {}): FilterPacket => ({
  family: 4,
  src: '10.0.0.1',
  dst: '203.0.113.2',
  protocol: 'tcp',
  sport: 20000,
  dport: 443,
  mark: 0,
  oif: 'wg0',
  state: 'NEW',
  isLocal: (address) => address === '198.51.100.1',
  ...fields,
});
const run = (lines: string[], table: string, chain: string, fields: Partial<FilterPacket> = {}, policies = new Map()) =>
  runChain(
    lines.map((line) => rule(line)),
    policies,
    table,
    chain,
    packet(fields),
  );

test('the SNAT and MASQUERADE rules hooks write, in any option order', (t) => {
  const snat = run(
    ['-A POSTROUTING -t nat -s 10.0.0.1 -d 203.0.113.2 -j SNAT --to-source 198.51.100.1'],
    'nat',
    'POSTROUTING',
  );
  t.deepEqual([snat.result.kind, (snat.result as { to: string }).to], ['snat', '198.51.100.1']);
  t.is(
    run(['-t nat -A POSTROUTING -s 10.0.0.9 -j SNAT --to-source 1.2.3.4'], 'nat', 'POSTROUTING').result.kind,
    'accept',
  );
  t.is(
    run(['-t nat -A POSTROUTING -o eth0 -j MASQUERADE'], 'nat', 'POSTROUTING', { oif: 'eth0' }).result.kind,
    'masquerade',
  );
  t.is(
    run(['-t nat -A POSTROUTING -o eth0 -j MASQUERADE'], 'nat', 'POSTROUTING', { oif: 'wg0' }).result.kind,
    'accept',
  );
  t.is(
    run(['-t nat -A POSTROUTING -o eth+ -j MASQUERADE'], 'nat', 'POSTROUTING', { oif: 'eth1' }).result.kind,
    'masquerade',
  );
  t.is(run(['-t nat -A POSTROUTING ! -o wg0 -j MASQUERADE'], 'nat', 'POSTROUTING').result.kind, 'accept');
  const dnat = run(
    ['-t nat -A PREROUTING -p tcp --dport 443 -j DNAT --to-destination 10.0.0.2:8443'],
    'nat',
    'PREROUTING',
  );
  t.deepEqual(dnat.result, {
    kind: 'dnat',
    to: '10.0.0.2',
    port: 8443,
    rule: dnat.result.kind === 'dnat' ? dnat.result.rule : undefined!,
  });
  t.is(
    run(['-t nat -A POSTROUTING -j SNAT --to-source 1.2.3.4'], 'filter', 'POSTROUTING').result.kind,
    'accept',
    'another table',
  );
  t.is(
    run(['-t nat -A INPUT -j SNAT --to-source 1.2.3.4'], 'nat', 'POSTROUTING').result.kind,
    'accept',
    'another chain',
  );
});

test('filter: the first rule that decides ends the chain; policies apply after the last rule', (t) => {
  t.is(run(['-A OUTPUT -j DROP'], 'filter', 'OUTPUT').result.kind, 'drop');
  t.is(run(['-A OUTPUT -p tcp -j ACCEPT', '-A OUTPUT -j DROP'], 'filter', 'OUTPUT').result.kind, 'accept');
  t.is(
    run(['-A OUTPUT -p udp -j ACCEPT', '-A OUTPUT -j REJECT --reject-with icmp-port-unreachable'], 'filter', 'OUTPUT')
      .result.kind,
    'reject',
  );
  t.is(run(['-A OUTPUT -j RETURN', '-A OUTPUT -j DROP'], 'filter', 'OUTPUT').result.kind, 'accept');
  t.is(
    run(['-A OUTPUT -j LOG --log-prefix x', '-A OUTPUT -j DROP'], 'filter', 'OUTPUT').result.kind,
    'drop',
    'LOG goes on',
  );
  const policy = run([], 'filter', 'FORWARD', {}, new Map([['4 filter FORWARD', 'DROP']]));
  t.deepEqual(policy.result, { kind: 'drop', policy: true });
  t.is(run([], 'filter', 'FORWARD', { family: 6 }, new Map([['4 filter FORWARD', 'DROP']])).result.kind, 'accept');
  t.is(
    runChain([rule('-A OUTPUT -j DROP', 6)], new Map(), 'filter', 'OUTPUT', packet()).result.kind,
    'accept',
    'ip6tables rules leave IPv4 alone',
  );
});

test('a kill switch: REJECT what leaves outside wg0 without its mark and not to a local address', (t) => {
  const kill = ['-I OUTPUT ! -o wg0 -m mark ! --mark 0xca6c -m addrtype ! --dst-type LOCAL -j REJECT'];
  t.is(run(kill, 'filter', 'OUTPUT', { oif: 'eth0' }).result.kind, 'reject');
  t.is(run(kill, 'filter', 'OUTPUT', { oif: 'wg0' }).result.kind, 'accept');
  t.is(run(kill, 'filter', 'OUTPUT', { oif: 'eth0', mark: 0xca6c }).result.kind, 'accept');
  t.is(run(kill, 'filter', 'OUTPUT', { oif: 'eth0', dst: '198.51.100.1' }).result.kind, 'accept');
  t.is(
    run(['-A INPUT -m addrtype --src-type LOCAL -j DROP'], 'filter', 'INPUT', { src: '198.51.100.1' }).result.kind,
    'drop',
  );
});

test('matches: addresses, interfaces, ports (lists and ranges), marks under masks, states', (t) => {
  const kind = (line: string, fields: Partial<FilterPacket> = {}) => run([line], 'filter', 'INPUT', fields).result.kind;
  t.is(kind('-A INPUT -s 10.0.0.0/24 -j DROP'), 'drop');
  t.is(kind('-A INPUT ! -s 10.0.0.0/24 -j DROP'), 'accept');
  t.is(kind('-A INPUT -d 203.0.113.0/24 -j DROP'), 'drop');
  t.is(kind('-A INPUT -i wg0 -j DROP', { iif: 'wg0' }), 'drop');
  t.is(kind('-A INPUT -i wg0 -j DROP'), 'accept', 'no input interface');
  t.is(kind('-A INPUT -p tcp --dport 443 -j DROP'), 'drop');
  t.is(kind('-A INPUT -p tcp --dport 444 -j DROP'), 'accept');
  t.is(kind('-A INPUT -p tcp --sport 19999:20000 -j DROP'), 'drop');
  t.is(kind('-A INPUT -p tcp --sport 20001:20002 -j DROP'), 'accept');
  t.is(kind('-A INPUT -p tcp -m multiport --dports 80,443 -j DROP'), 'drop');
  t.is(kind('-A INPUT -p udp -m multiport --sports 51820,51821 -j DROP', { protocol: 'udp', sport: 51821 }), 'drop');
  t.is(kind('-A INPUT -p all -j DROP'), 'drop');
  t.is(kind('-A INPUT -p 17 -j DROP'), 'accept');
  t.is(kind('-A INPUT -m mark --mark 0x10/0xf0 -j DROP', { mark: 0x1f }), 'drop');
  t.is(kind('-A INPUT -m mark --mark 0x10/0xf0 -j DROP', { mark: 0x20 }), 'accept');
  t.is(kind('-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j DROP'), 'accept');
  t.is(kind('-A INPUT -m state --state NEW -j DROP'), 'drop');
  t.is(kind('-A INPUT -m state --state NEW -j DROP', { state: 'ESTABLISHED' }), 'accept');
  t.is(kind('-A INPUT -p tcp --dport 443 -m comment --comment web -j DROP'), 'drop');
});

test('MARK sets the mark and goes on; later rules see it', (t) => {
  const marked = run(
    ['-t mangle -A OUTPUT -p tcp -j MARK --set-mark 0x5', '-t mangle -A OUTPUT -m mark --mark 5 -j ACCEPT'],
    'mangle',
    'OUTPUT',
  );
  t.is(marked.mark, 5);
  t.is(marked.result.kind, 'accept');
  t.is(run(['-t mangle -A OUTPUT -j MARK --set-xmark 0x1/0xff'], 'mangle', 'OUTPUT', { mark: 0x300 }).mark, 0x301);
  t.is(
    run(['-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu'], 'mangle', 'FORWARD')
      .result.kind,
    'accept',
    'the MSS clamp as hooks write it',
  );
  t.is(run(['-A INPUT -p tcp --syn -j DROP'], 'filter', 'INPUT').result.kind, 'unknown', 'TCP flags beside a DROP');
  t.is(run(['-A INPUT -p tcp --frobnicate -j DROP'], 'filter', 'INPUT').result.kind, 'unknown', 'an unknown option');
  t.is(
    run(['-t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 1380'], 'mangle', 'FORWARD').result.kind,
    'accept',
    'MSS clamping changes no path',
  );
});

test('TCPMSS goes on and reports the clamp, to the path MTU or a number, for TCP only', (t) => {
  const clamp = ['-t mangle -A FORWARD -o wg0 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu'];
  t.deepEqual(run(clamp, 'mangle', 'FORWARD', { oif: 'wg0' }).mss, ['pmtu']);
  t.deepEqual(run(clamp, 'mangle', 'FORWARD', { oif: 'eth0' }).mss, [], 'only where its matches hold');
  t.deepEqual(
    run(
      ['-t mangle -A POSTROUTING -j TCPMSS --set-mss 1300', '-t mangle -A POSTROUTING -j TCPMSS --clamp-mss-to-pmtu'],
      'mangle',
      'POSTROUTING',
    ).mss,
    [1300, 'pmtu'],
  );
  t.deepEqual(
    run(['-t mangle -A POSTROUTING -j TCPMSS --set-mss 1300'], 'mangle', 'POSTROUTING', { protocol: 'udp' }).mss,
    [],
  );
  t.is(run(['-t mangle -A FORWARD -p tcp -j TCPMSS'], 'mangle', 'FORWARD').result.kind, 'unknown', 'no MSS given');
  t.is(run(['-t mangle -A FORWARD -p tcp -j TCPMSS --set-mss x'], 'mangle', 'FORWARD').result.kind, 'unknown');
});

test('a rule it cannot read is unknown only when its readable matches hold', (t) => {
  const line = '-A OUTPUT -p tcp -m owner --uid-owner 1000 -j DROP';
  const unknown = run([line], 'filter', 'OUTPUT');
  t.is(unknown.result.kind, 'unknown');
  t.regex((unknown.result as { reason: string }).reason, /-m owner is not modelled/);
  t.is(run([line], 'filter', 'OUTPUT', { protocol: 'udp' }).result.kind, 'accept');
  t.is(run(['-A OUTPUT -j MYCHAIN'], 'filter', 'OUTPUT').result.kind, 'unknown');
  t.is(run(['-A OUTPUT -g MYCHAIN'], 'filter', 'OUTPUT').result.kind, 'unknown');
  t.is(run(['-A OUTPUT -s $NET -j DROP'], 'filter', 'OUTPUT').result.kind, 'unknown');
  t.is(run(['-A OUTPUT -p tcp --dport x -j DROP'], 'filter', 'OUTPUT').result.kind, 'unknown');
  t.is(run(['-A OUTPUT -m mark --mark x -j DROP'], 'filter', 'OUTPUT').result.kind, 'unknown');
  t.is(run(['-A OUTPUT -m addrtype --dst-type UNICAST -j DROP'], 'filter', 'OUTPUT').result.kind, 'unknown');
  t.is(run(['-t nat -A POSTROUTING -j SNAT'], 'nat', 'POSTROUTING').result.kind, 'unknown');
  t.is(run(['-t mangle -A OUTPUT -j MARK'], 'mangle', 'OUTPUT').result.kind, 'unknown');
});

test('readIptables: -I with a position, -D, -P, -C, -N and -w; a flush is unreadable', (t) => {
  const insert = read('-w 5 -I FORWARD 1 -i wg0 -j ACCEPT');
  t.deepEqual('op' in insert && insert.op === 'add' ? [insert.insert, insert.rule.chain, insert.rule.text] : [], [
    true,
    'FORWARD',
    '-i wg0 -j ACCEPT',
  ]);
  const append = read('-A FORWARD -i wg0 -j ACCEPT');
  t.is('op' in append && append.op === 'add' ? append.insert : undefined, false);
  t.is((read('-D FORWARD -i wg0 -j ACCEPT') as { op: string }).op, 'del');
  t.deepEqual(read('-P FORWARD DROP'), { op: 'policy', family: 4, table: 'filter', chain: 'FORWARD', policy: 'DROP' });
  t.regex((read('-P FORWARD QUEUE') as { unreadable: string }).unreadable, /not ACCEPT or DROP/);
  t.deepEqual(read('-C FORWARD -j ACCEPT'), { op: 'none' });
  t.deepEqual(read('-N MYCHAIN'), { op: 'none' });
  t.deepEqual(read('-L'), { op: 'none' });
  t.regex((read('-t nat -F') as { unreadable: string }).unreadable, /flushes/);
  t.is(rule('-t nat -A POSTROUTING -j MASQUERADE', 6).family, 6);
});

test('sameNetfilterRule compares table, chain and words in any order; describe as iptables prints it', (t) => {
  const added = rule('-t nat -A POSTROUTING -o eth0 -j MASQUERADE');
  t.true(sameNetfilterRule(added, rule('-t nat -D POSTROUTING -j MASQUERADE -o eth0')));
  t.false(sameNetfilterRule(added, rule('-t nat -D POSTROUTING -o eth1 -j MASQUERADE')));
  t.false(sameNetfilterRule(added, rule('-D POSTROUTING -o eth0 -j MASQUERADE')));
  t.false(sameNetfilterRule(added, rule('-t nat -D INPUT -o eth0 -j MASQUERADE')));
  t.false(sameNetfilterRule(added, rule('-t nat -D POSTROUTING -o eth0 -j MASQUERADE', 6)));
  t.is(describeNetfilterRule(added), 'iptables -t nat POSTROUTING -o eth0 -j MASQUERADE');
  t.is(describeNetfilterRule(rule('-A INPUT -j DROP', 6)), 'ip6tables INPUT -j DROP');
});

test('readNatAddress: an address with ports or a range, IPv6 in brackets; ifaceMatches takes a trailing +', (t) => {
  t.deepEqual(readNatAddress('198.51.100.1'), { address: '198.51.100.1' });
  t.deepEqual(readNatAddress('198.51.100.1:1024-2048'), { address: '198.51.100.1', port: 1024 });
  t.deepEqual(readNatAddress('198.51.100.1-198.51.100.9'), { address: '198.51.100.1' });
  t.deepEqual(readNatAddress('[fd00::1]:80'), { address: 'fd00::1', port: 80 });
  t.deepEqual(readNatAddress('fd00::1'), { address: 'fd00::1' });
  t.is(readNatAddress('nowhere'), undefined);
  t.true(ifaceMatches('wg+', 'wg1'));
  t.false(ifaceMatches('wg+', 'eth0'));
  t.true(ifaceMatches('wg0', 'wg0'));
  t.false(ifaceMatches('wg0', 'wg01'));
});

test('readIptables reads the long options as the short ones: --table, --append, --insert, --delete, --check, --policy, --flush, --wait', (t) => {
  const long = read(
    '--wait 10 --table nat --append POSTROUTING --source 10.0.0.1 --out-interface eth0 --jump MASQUERADE',
  );
  t.like(long, {
    op: 'add',
    insert: false,
    rule: { table: 'nat', chain: 'POSTROUTING', target: { kind: 'MASQUERADE' } },
  });
  t.deepEqual('rule' in long ? long.rule.matches.map((match) => match.kind) : [], ['src', 'out']);
  t.like(read('--insert FORWARD --in-interface wg0 --jump ACCEPT'), { op: 'add', insert: true });
  t.deepEqual(rule('--insert FORWARD --in-interface wg0 --jump ACCEPT').matches, [
    { kind: 'in', iface: 'wg0', negate: false },
  ]);
  t.like(read('--delete FORWARD --destination 10.0.0.2 --jump ACCEPT'), {
    op: 'del',
    rule: { matches: [{ kind: 'dst' }] },
  });
  t.false('insert' in read('-D FORWARD -j ACCEPT'), 'a deletion says nothing of inserting');
  t.deepEqual(read('--check FORWARD --jump ACCEPT'), { op: 'none' });
  t.deepEqual(read('--policy FORWARD DROP'), {
    op: 'policy',
    family: 4,
    table: 'filter',
    chain: 'FORWARD',
    policy: 'DROP',
  });
  t.deepEqual(read('-P INPUT ACCEPT'), { op: 'policy', family: 4, table: 'filter', chain: 'INPUT', policy: 'ACCEPT' });
  t.regex((read('--table nat --flush') as { unreadable: string }).unreadable, /flushes/);
  t.like(read('-w -A FORWARD -j ACCEPT'), { op: 'add', rule: { chain: 'FORWARD' } }, '-w without seconds');
});

test('readIptables: a position or wait is a whole number; a command without an operation or chain changes nothing', (t) => {
  t.like(read('-I FORWARD 12 -j ACCEPT'), { op: 'add', rule: { text: '-j ACCEPT' } });
  t.like(read('-w 10 -A FORWARD -j ACCEPT'), { op: 'add', rule: { text: '-j ACCEPT' } });
  t.like(read('-I FORWARD 1x -j ACCEPT'), { rule: { unreadable: 'the iptables option 1x is not modelled' } });
  t.like(read('-A FORWARD -4 -j ACCEPT'), { rule: { unreadable: 'the iptables option -4 is not modelled' } });
  t.deepEqual(read('-A'), { op: 'none' });
  t.deepEqual(read('-t nat'), { op: 'none' });
  t.deepEqual(read('-j ACCEPT'), { op: 'none' });
});

test('readRule: no jump goes on; LOG goes on; TCP flags beside such a target are read; ! binds to the next match only', (t) => {
  const plain = rule('-A FORWARD -i wg0');
  t.deepEqual(plain.target, { kind: 'continue' });
  t.false('unreadable' in plain);
  t.deepEqual(rule('-A FORWARD -j LOG').target, { kind: 'continue' });
  t.false('unreadable' in rule('-A FORWARD -p tcp --syn -j LOG'));
  const clamp = rule('-t mangle -A FORWARD -p tcp ! --syn -s 10.0.0.1 -j TCPMSS --clamp-mss-to-pmtu');
  t.false('unreadable' in clamp);
  t.deepEqual(clamp.target, { kind: 'TCPMSS', mss: 'pmtu' });
  t.false(clamp.matches.find((match) => match.kind === 'src')!.negate, '! went to --syn');
  const unknownThen = rule('-A FORWARD ! --foo -s 10.0.0.1 -j ACCEPT');
  t.false(unknownThen.matches.find((match) => match.kind === 'src')!.negate, '! went to --foo');
  t.like(rule('-A FORWARD -p udp --dports 443,x -j DROP'), { unreadable: '--dports 443,x is no port list' });
  t.like(rule('-A FORWARD -p tcp --dport 80x -j DROP'), { unreadable: '--dport 80x is no port list' });
  t.like(rule('-A FORWARD -p tcp --dport x80 -j DROP'), { unreadable: '--dport x80 is no port list' });
  t.deepEqual(rule('-A FORWARD -p tcp --dport 80:90 -j DROP').matches[1], {
    kind: 'dport',
    ports: [{ from: 80, to: 90 }],
    negate: false,
  });
  for (const mss of ['12x0', 'x1200'])
    t.regex(rule(`-t mangle -A FORWARD -p tcp -j TCPMSS --set-mss ${mss}`).unreadable ?? '', /TCPMSS without/);
  t.deepEqual(rule('-t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 1200').target, { kind: 'TCPMSS', mss: 1200 });
});

test('interface matches: a packet without that interface does not match, a trailing + is a prefix of the whole name', (t) => {
  t.is(run(['-A FORWARD -i wg+ -j DROP'], 'filter', 'FORWARD', { iif: undefined }).result.kind, 'accept');
  t.is(run(['-A FORWARD ! -i wg+ -j DROP'], 'filter', 'FORWARD', { iif: undefined }).result.kind, 'drop');
  t.is(run(['-A OUTPUT -o wg+ -j DROP'], 'filter', 'OUTPUT', { oif: undefined }).result.kind, 'accept');
  t.is(run(['-A FORWARD -i wg+ -j DROP'], 'filter', 'FORWARD', { iif: 'wlan0' }).result.kind, 'accept');
  t.false(ifaceMatches('wg+', 'wlan0'));
  t.deepEqual(readNatAddress('[fd00::1]'), { address: 'fd00::1' });
});
