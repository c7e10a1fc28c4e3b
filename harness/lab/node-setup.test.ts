import test from 'ava';
import {
  natRebindLines,
  natRebindUndoLines,
  natRuleLines,
  internetRules,
  linkConditionLines,
  needsNetem,
  sysctlLines,
} from './node-setup.ts';

test('a link with no conditions changes nothing', (t) => {
  t.deepEqual(linkConditionLines('eth0', {}), []);
  t.false(needsNetem({}));
  t.false(needsNetem({ mtu: 1492 }));
});

test('a link MTU sets the interface MTU, before any qdisc', (t) => {
  t.deepEqual(linkConditionLines('"$d"', { mtu: 1492 }), ['ip link set dev "$d" mtu 1492']);
  t.deepEqual(linkConditionLines('eth0', { mtu: 1280, loss: '1%' }), [
    'ip link set dev eth0 mtu 1280',
    'tc qdisc replace dev eth0 root netem loss 1%',
  ]);
});

test('delay, jitter and loss are one netem qdisc, in the order netem takes them', (t) => {
  t.deepEqual(linkConditionLines('eth0', { delay: '20ms', jitter: '5ms', loss: '0.5%' }), [
    'tc qdisc replace dev eth0 root netem delay 20ms 5ms loss 0.5%',
  ]);
  t.deepEqual(linkConditionLines('eth0', { delay: '1.5s' }), ['tc qdisc replace dev eth0 root netem delay 1.5s']);
  t.true(needsNetem({ delay: '1ms' }));
  t.true(needsNetem({ loss: '1%' }));
});

test('the internet router passes everything unless told to drop', (t) => {
  t.is(internetRules({ icmp: 'pass', fragments: 'pass' }), undefined);
});

test('icmp: drop drops ICMP and ICMPv6 error messages, forwarded and the router’s own, and nothing else', (t) => {
  const rules = internetRules({ icmp: 'drop', fragments: 'pass' })!;
  t.regex(rules, /^table inet wglab_internet \{$/m);
  t.regex(
    rules,
    /hook forward priority 0;[\s\S]*icmp type \{ destination-unreachable, time-exceeded, parameter-problem \} counter drop/,
  );
  t.regex(
    rules,
    /hook output priority 0;[\s\S]*icmpv6 type \{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem \} counter drop/,
  );
  t.notRegex(rules, /echo-request|echo-reply/);
  t.notRegex(rules, /frag-off/);
});

test('fragments: drop drops IPv4 and IPv6 fragments before reassembly', (t) => {
  const rules = internetRules({ icmp: 'pass', fragments: 'drop' })!;
  t.regex(
    rules,
    /hook prerouting priority -500;[\s\S]*ip frag-off & 0x3fff != 0 counter drop[\s\S]*exthdr frag exists counter drop/,
  );
  t.notRegex(rules, /icmp/);
});

test('sysctls are set quietly, values quoted only where the shell needs it', (t) => {
  t.deepEqual(sysctlLines({ 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.ip_local_port_range': '1024 65000' }), [
    'sysctl -q -w net.ipv4.conf.all.rp_filter=1',
    "sysctl -q -w net.ipv4.ip_local_port_range='1024 65000'",
  ]);
});

test("a NAT masquerades by iptables for IPv4 and ip6tables for IPv6 (NAT66), forwards its ports, and forgets its family's mappings on nat-rebind", (t) => {
  t.deepEqual(natRuleLines({ address: '192.168.1.2', forward: [51820] }), [
    'iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
    'iptables -t nat -A PREROUTING -i eth0 -p udp --dport 51820 -j DNAT --to-destination 192.168.1.2',
  ]);
  t.deepEqual(natRuleLines({ address: 'fd00:1::2', forward: [] }), [
    'ip6tables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
  ]);
  t.regex(
    natRebindLines({ address: 'fd00:1::2' }).join('\n'),
    /^ip6tables -t nat -I POSTROUTING 1 .*\nconntrack -F -f ipv6/,
  );
  t.regex(
    natRebindUndoLines({ address: '192.168.1.2' }).join('\n'),
    /^iptables -t nat -D POSTROUTING .*\nconntrack -F -f ipv4/,
  );
});
