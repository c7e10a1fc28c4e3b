import test from 'ava';
import type { Flow } from './flow.ts';
import {
  defaultPriority,
  describeRule,
  kernelRules,
  readIpRule,
  readMark,
  ruleMatches,
  shortCidr,
  tableName,
  type PolicyRule,
} from './policy-rule.ts';

const flow = (fields: Partial<Flow> = {}): Flow => ({
  family: 4,
  src: '10.0.0.1',
  dst: '203.0.113.2',
  protocol: 'tcp',
  sport: 20000,
  dport: 443,
  mark: 0,
  iif: 'lo',
  ...fields,
});
const rule = (words: string, existing: PolicyRule[] = kernelRules(4)): PolicyRule => {
  const read = readIpRule(words.split(' '), words.includes(':') ? 6 : 4, existing, 'test');
  if ('unreadable' in read) throw new Error(read.unreadable);
  return read;
};

test('to and from select by prefix; before a source is picked only `from all` or a /0 matches', (t) => {
  t.true(ruleMatches(rule('to 203.0.113.2 table 123'), flow()));
  t.false(ruleMatches(rule('to 203.0.113.3 table 123'), flow()));
  t.true(ruleMatches(rule('to 203.0.113.0/24 table 123'), flow()));
  t.false(ruleMatches(rule('to 203.0.112.0/24 table 123'), flow()));
  t.true(ruleMatches(rule('from 10.0.0.0/30 table 123'), flow()));
  t.false(ruleMatches(rule('from 10.0.0.4/30 table 123'), flow()));
  t.false(ruleMatches(rule('from 10.0.0.1 table 123'), flow({ src: undefined })));
  t.true(ruleMatches(rule('from 0.0.0.0/0 table 123'), flow({ src: undefined })));
  t.true(ruleMatches(rule('from all table 123'), flow({ src: undefined })));
  t.false(ruleMatches(rule('to 203.0.113.2 table 123'), flow({ family: 6, dst: '2001:db8::2' })), 'another family');
});

test('not inverts the whole match', (t) => {
  t.false(ruleMatches(rule('not to 203.0.113.2 table 123'), flow()));
  t.true(ruleMatches(rule('not to 203.0.113.3 table 123'), flow()));
  const notMarked = rule('not fwmark 51820 table 51820');
  t.true(ruleMatches(notMarked, flow({ mark: 0 })));
  t.false(ruleMatches(notMarked, flow({ mark: 51820 })));
  t.true(ruleMatches(notMarked, flow({ mark: 51821 })));
});

test('fwmark compares under its mask', (t) => {
  const masked = rule('fwmark 0x100/0xff00 table 7');
  t.true(ruleMatches(masked, flow({ mark: 0x1ff })));
  t.true(ruleMatches(masked, flow({ mark: 0x100 })));
  t.false(ruleMatches(masked, flow({ mark: 0x200 })));
  t.false(ruleMatches(masked, flow({ mark: 0 })));
  t.true(ruleMatches(rule('fwmark 0x1234 table 7'), flow({ mark: 0x1234 })));
  t.false(ruleMatches(rule('fwmark 0x1234 table 7'), flow({ mark: 0x1235 })));
  t.false(
    ruleMatches(rule('fwmark 0x1234 table 7'), flow({ mark: 0x1234 | 0x10000 })),
    'the whole mark without a mask',
  );
});

test('dport and sport take a port or a range, both ends included; ipproto names the protocol', (t) => {
  const range = rule('dport 1000-2000 table main');
  t.false(ruleMatches(range, flow({ dport: 999 })));
  t.true(ruleMatches(range, flow({ dport: 1000 })));
  t.true(ruleMatches(range, flow({ dport: 2000 })));
  t.false(ruleMatches(range, flow({ dport: 2001 })));
  t.false(ruleMatches(range, flow({ dport: undefined })));
  t.true(ruleMatches(rule('to 203.0.113.2 dport 443 table main'), flow()));
  t.false(ruleMatches(rule('to 203.0.113.2 dport 51822 table main'), flow()));
  t.true(ruleMatches(rule('sport 20000 table main'), flow()));
  t.false(ruleMatches(rule('sport 20001 table main'), flow()));
  t.true(ruleMatches(rule('ipproto tcp table main'), flow()));
  t.false(ruleMatches(rule('ipproto udp table main'), flow()));
  t.true(ruleMatches(rule('ipproto 17 table main'), flow({ protocol: 'udp' })));
  t.true(ruleMatches(rule('ipproto 6 table main'), flow()));
});

test('iif lo picks what the node sends itself; an oif rule never picks an unbound socket', (t) => {
  t.true(ruleMatches(rule('iif lo table 5'), flow()));
  t.false(ruleMatches(rule('iif lo table 5'), flow({ iif: 'eth0' })));
  t.true(ruleMatches(rule('iif eth1 table 5'), flow({ iif: 'eth1' })));
  t.false(ruleMatches(rule('oif wg0 table 5'), flow()));
  t.true(ruleMatches(rule('table 5'), flow()), 'no selector picks everything');
});

test('readIpRule: aliases, priorities, actions, and the words it cannot read', (t) => {
  const read = rule('to 203.0.113.2 lookup 254 pref 0x1c8');
  t.deepEqual([read.priority, read.action], [456, { kind: 'lookup', table: 'main' }]);
  t.is(rule('to 1.2.3.4 table 7 preference 9').priority, 9);
  t.is(rule('to 1.2.3.4 table 7 prio 10').priority, 10);
  t.is(rule('to 1.2.3.4 table 7 order 11').priority, 11);
  t.is(rule('to 1.2.3.4 table 7 priority 12').priority, 12);
  t.deepEqual(rule('to 1.2.3.4').action, { kind: 'lookup', table: 'main' }, 'no table: main');
  t.deepEqual(rule('to 1.2.3.4 blackhole priority 5').action, { kind: 'blackhole' });
  t.deepEqual(rule('to 1.2.3.4 unreachable').action, { kind: 'unreachable' });
  t.deepEqual(rule('to 1.2.3.4 prohibit').action, { kind: 'prohibit' });
  t.deepEqual(rule('to 1.2.3.4 goto 100').action, { kind: 'goto', priority: 100 });
  t.deepEqual(rule('to 1.2.3.4 nop').action, { kind: 'nop' });
  t.is(rule('table main suppress_prefixlength 0').suppressPrefixlength, 0);
  t.true(rule('! to 1.2.3.4 table 5').not);
  t.is(rule('to 1.2.3.4 table 5 protocol static').action.kind, 'lookup');
  t.is(rule('to fd00::2 table 5').family, 6);
  t.deepEqual(rule('fwmark 0xca6c table 5').fwmark, { mark: 51820, mask: 0xffffffff });
  for (const [words, reason] of [
    ['to $NET table 5', /is no address/],
    ['fwmark off table 5', /fwmark off is no number/],
    ['dport 70000 table 5', /is no port/],
    ['dport 20-10 table 5', /is no port/],
    ['sport x table 5', /is no port/],
    ['table 5 priority high', /is no number/],
    ['table 5 goto next', /is no priority/],
    ['suppress_prefixlength x table main', /is no number/],
    ['uidrange 1-2 table 5', /not modelled/],
    ['tos 0x10 table 5', /not modelled/],
    ['frobnicate 1 table 5', /not an ip rule word/],
    ['to', /ends after to/],
  ] as const) {
    const result = readIpRule(words.split(' '), 4, kernelRules(4), 'test');
    t.true('unreadable' in result, words);
    t.regex((result as { unreadable: string }).unreadable, reason, words);
  }
});

test('a rule without priority gets one less than the first rule after 0, as the kernel gives it', (t) => {
  t.is(defaultPriority(kernelRules(4)), 32765);
  t.is(rule('not fwmark 51820 table 51820').priority, 32765);
  const first = rule('not fwmark 51820 table 51820');
  t.is(rule('table main suppress_prefixlength 0', [...kernelRules(4), first]).priority, 32764);
  t.is(defaultPriority([]), 0);
  t.is(defaultPriority(kernelRules(6)), 32765);
  t.deepEqual(
    kernelRules(6).map((one) => one.priority),
    [0, 32766],
    'IPv6 has no default table rule',
  );
  t.deepEqual(
    kernelRules(4).map((one) => [one.priority, one.action]),
    [
      [0, { kind: 'lookup', table: 'local' }],
      [32766, { kind: 'lookup', table: 'main' }],
      [32767, { kind: 'lookup', table: 'default' }],
    ],
  );
});

test('readMark, tableName and shortCidr', (t) => {
  t.deepEqual(readMark('51820'), { mark: 51820, mask: 0xffffffff });
  t.deepEqual(readMark('0x1/0xff'), { mark: 1, mask: 255 });
  t.is(readMark('0x1/x'), undefined);
  t.is(readMark('1/2/3'), undefined);
  t.is(readMark('off'), undefined);
  t.deepEqual(['254', '255', '253', '123', 'main'].map(tableName), ['main', 'local', 'default', '123', 'main']);
  t.is(shortCidr({ address: '10.0.0.2', prefix: 32 }), '10.0.0.2');
  t.is(shortCidr({ address: '10.0.0.0', prefix: 30 }), '10.0.0.0/30');
  t.is(shortCidr({ address: 'fd00::2', prefix: 128 }), 'fd00::2');
  t.is(shortCidr({ address: 'fd00::', prefix: 64 }), 'fd00::/64');
});

test('describeRule reads as ip rule prints it', (t) => {
  t.is(
    describeRule(rule('to 203.0.113.2 dport 51822 table main priority 455')),
    'rule 455 to 203.0.113.2 dport 51822 lookup main',
  );
  t.is(
    describeRule(rule('not from 10.0.0.0/8 iif lo fwmark 0x10/0xf0 sport 1-2 ipproto udp table 7 priority 3')),
    'rule 3 not from 10.0.0.0/8 iif lo fwmark 0x10/0xf0 ipproto udp sport 1-2 lookup 7',
  );
  t.is(describeRule(rule('oif wg0 goto 9 priority 4')), 'rule 4 oif wg0 goto 9');
  t.is(describeRule(rule('to 1.2.3.4 blackhole priority 5')), 'rule 5 to 1.2.3.4 blackhole');
  t.is(
    describeRule(rule('table main suppress_prefixlength 0 priority 6')),
    'rule 6 lookup main suppress_prefixlength 0',
  );
});

test('a rule picks flows of its own family only, even without selectors', (t) => {
  t.true(ruleMatches(rule('table 5'), flow()));
  t.false(ruleMatches(rule('table 5'), flow({ family: 6, src: 'fd00::1', dst: 'fd00::2' })));
  t.false(ruleMatches(rule('to fd00::2 table 5'), flow()), 'an IPv6 rule and an IPv4 flow');
});

test('numbers and ports are read whole: a word with anything before or after its digits is unreadable', (t) => {
  for (const words of [
    'suppress_prefixlength x0 table main',
    'suppress_prefixlength 0x table main',
    'table 5 goto x9',
    'table 5 goto 9x',
    'table 5 priority x12',
    'table 5 priority 12x',
    'table 5 priority 0x1cz',
    'fwmark x5 table 5',
    'fwmark 5x table 5',
    'fwmark 1/x2 table 5',
    'fwmark 1/2x table 5',
    'dport x80 table 5',
    'dport 80x table 5',
    'dport 1-2x table 5',
  ]) {
    const result = readIpRule(words.split(' '), 4, kernelRules(4), 'test');
    t.true('unreadable' in result, words);
  }
  t.deepEqual(rule('dport 65535 table 5').dport, { from: 65535, to: 65535 }, 'the highest port');
  t.deepEqual(rule('sport 1-65535 table 5').sport, { from: 1, to: 65535 });
  t.is(rule('table 5 priority 0x1C8').priority, 456);
  t.is(rule('table 5 goto 32766').action.kind, 'goto');
});
