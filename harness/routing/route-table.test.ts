import test from 'ava';
import { defaultMetric, describeRoute, lookupTable, readIpRoute, sameRoute, type Route } from './route-table.ts';

const route = (words: string, family: 4 | 6 = 4): Route => {
  const read = readIpRoute(words.split(' '), family, 'test');
  if ('unreadable' in read) throw new Error(read.unreadable);
  return read;
};

test('lookupTable: the longest prefix wins, then the lowest metric, then the first added; only its table counts', (t) => {
  const routes = [
    route('default via 169.254.0.1 dev eth0'),
    route('10.0.0.0/24 dev wg0'),
    route('10.0.0.0/30 dev wg1 metric 10'),
    route('10.0.0.0/30 dev wg2 metric 5'),
    route('10.0.0.0/30 dev wg3 metric 5'),
    route('10.0.0.2/32 dev wg4 table 123'),
  ];
  t.is(lookupTable(routes, 'main', '10.0.0.2')?.dev, 'wg2');
  t.is(lookupTable(routes, 'main', '10.0.0.4')?.dev, 'wg0');
  t.is(lookupTable(routes, 'main', '10.0.1.1')?.dev, 'eth0');
  t.is(lookupTable(routes, '123', '10.0.0.2')?.dev, 'wg4');
  t.is(lookupTable(routes, '123', '10.0.0.3'), undefined);
  t.is(lookupTable(routes, '124', '10.0.0.2'), undefined);
  t.is(
    lookupTable([route('10.0.0.0/30 dev a metric 6'), route('10.0.0.0/30 dev b metric 5')], 'main', '10.0.0.1')?.dev,
    'b',
  );
  t.is(
    lookupTable([route('10.0.0.0/30 dev a metric 5'), route('10.0.0.0/30 dev b metric 6')], 'main', '10.0.0.1')?.dev,
    'a',
  );
  t.is(lookupTable([route('::/0 dev eth0', 6)], 'main', '10.0.0.1'), undefined, 'families do not mix');
});

test('readIpRoute: default per family, types, via, dev, src, metric, table; words it cannot read', (t) => {
  t.deepEqual(route('default dev wg0', 6).destination, { address: '::', prefix: 0 });
  t.deepEqual(route('default dev wg0').destination, { address: '0.0.0.0', prefix: 0 });
  t.deepEqual(route('all dev wg0').destination, { address: '0.0.0.0', prefix: 0 });
  t.deepEqual(route('to 10.0.0.2 dev wg0').destination, { address: '10.0.0.2', prefix: 32 });
  const full = route('blackhole 10.9.0.0/16 table 254 metric 7 proto static scope link onlink');
  t.deepEqual([full.type, full.table, full.metric, full.family], ['blackhole', 'main', 7, 4]);
  const via = route('192.168.0.0/16 via 10.0.0.2 dev wg0 src 10.0.0.1 table 5');
  t.deepEqual([via.via, via.dev, via.src, via.table], ['10.0.0.2', 'wg0', '10.0.0.1', '5']);
  t.is(route('fd00::/64 oif wg0', 6).dev, 'wg0');
  t.is(route('fd00::/64 dev wg0', 6).metric, 1024);
  t.is(route('unreachable 10.0.0.0/8').type, 'unreachable');
  t.is(route('prohibit 10.0.0.0/8').type, 'prohibit');
  t.is(route('throw 10.0.0.0/8 table 5').type, 'throw');
  t.deepEqual([defaultMetric(4), defaultMetric(6)], [0, 1024]);
  t.is(route('10.0.0.0/8 dev eth0 mtu 1400').mtu, 1400);
  t.is(route('10.0.0.0/8 dev eth0 mtu lock 1300 proto static').mtu, 1300);
  t.is(route('10.0.0.0/8 dev eth0').mtu, undefined);
  t.is(route('10.0.0.0/8 dev eth0 advmss 1360').advmss, 1360);
  t.is(describeRoute(route('10.0.0.0/8 dev eth0 mtu 1400')), '10.0.0.0/8 dev eth0 mtu 1400');
  for (const [words, reason] of [
    ['$NET dev wg0', /is no destination/],
    ['dev wg0', /without a destination/],
    ['10.0.0.0/8 nexthop via 1.2.3.4', /not modelled/],
    ['10.0.0.0/8 dev', /ends after dev/],
    ['10.0.0.0/8 metric x', /is no number/],
    ['10.0.0.0/8 mtu lock', /mtu {2}is no number/],
    ['10.0.0.0/8 mtu big', /mtu big is no number/],
    ['10.0.0.0/8 advmss x', /advmss x is no number/],
    ['10.0.0.0/8 10.1.0.0/16', /not an ip route word/],
  ] as const) {
    const result = readIpRoute(words.split(' '), 4, 'test');
    t.regex((result as { unreadable: string }).unreadable, reason, words);
  }
});

test('sameRoute: table and destination, and dev or via when the del names them', (t) => {
  const added = route('10.0.0.2 dev wg0 table 5');
  t.true(sameRoute(added, route('10.0.0.2 table 5')));
  t.true(sameRoute(added, route('10.0.0.2/32 dev wg0 table 5')));
  t.false(sameRoute(added, route('10.0.0.2 dev wg1 table 5')));
  t.false(sameRoute(added, route('10.0.0.2 table 6')));
  t.false(sameRoute(added, route('10.0.0.3 table 5')));
  t.false(sameRoute(added, route('10.0.0.2/31 table 5')));
  t.false(sameRoute(added, route('10.0.0.2 via 1.2.3.4 table 5')));
  t.true(sameRoute(route('default via 1.2.3.4 dev eth0'), route('default via 1.2.3.4')));
});

test('describeRoute reads as ip route prints it', (t) => {
  t.is(describeRoute(route('203.0.113.2 dev wg0 table 123')), '203.0.113.2/32 dev wg0 table 123');
  t.is(describeRoute(route('default via 169.254.0.1 dev eth0')), 'default via 169.254.0.1 dev eth0');
  t.is(describeRoute(route('10.0.0.0/30 dev wg0 metric 3')), '10.0.0.0/30 dev wg0 metric 3');
  t.is(describeRoute(route('blackhole 10.0.0.0/8')), 'blackhole 10.0.0.0/8');
  t.is(describeRoute(route('fd00::2 dev wg0', 6)), 'fd00::2/128 dev wg0');
  t.is(describeRoute(route('fd00::2 dev wg0 metric 1024', 6)), 'fd00::2/128 dev wg0');
});

test('lookupTable keeps a longer prefix over a shorter one added after it', (t) => {
  const routes = [route('10.0.0.0/24 dev a'), route('10.0.0.0/16 dev b metric 0'), route('default dev c')];
  t.is(lookupTable(routes, 'main', '10.0.0.9')?.dev, 'a');
  t.is(lookupTable(routes, 'main', '10.0.9.9')?.dev, 'b');
});

test('readIpRoute: onlink anywhere, a type only before the destination, via with its family, numbers read whole', (t) => {
  t.is(route('default via 169.254.0.1 dev eth0 onlink').via, '169.254.0.1');
  t.is(route('10.0.0.0/8 pervasive dev eth0').dev, 'eth0');
  t.is(route('default via inet6 fe80::1 dev eth0', 6).via, 'fe80::1');
  t.is(route('default via inet 169.254.0.1 dev eth0').via, '169.254.0.1');
  t.is(route('default via 169.254.0.1 dev eth0').via, '169.254.0.1');
  t.deepEqual(
    Object.keys(route('10.0.0.0/8 table 5')).sort(),
    ['destination', 'family', 'metric', 'origin', 'table', 'type'],
    'no dev, via, src, mtu or advmss key when none is given',
  );
  t.deepEqual(Object.keys(route('10.0.0.0/8 via 10.0.0.1 dev eth0 src 10.0.0.2 mtu 1400 advmss 1300')).sort(), [
    'advmss',
    'destination',
    'dev',
    'family',
    'metric',
    'mtu',
    'origin',
    'src',
    'table',
    'type',
    'via',
  ]);
  for (const words of [
    '10.0.0.0/8 blackhole',
    '10.0.0.0/8 via inet6',
    '10.0.0.0/8 metric x5',
    '10.0.0.0/8 metric 5x',
    '10.0.0.0/8 advmss x1300',
    '10.0.0.0/8 advmss 1300x',
    '10.0.0.0/8 advmss',
    '10.0.0.0/8 mtu x1400',
    '10.0.0.0/8 mtu 1400x',
    '10.0.0.0/8 mtu',
  ]) {
    const result = readIpRoute(words.split(' '), 4, 'test');
    t.true('unreadable' in result, words);
  }
});

test('sameRoute: a del naming a gateway matches only a route through that gateway', (t) => {
  t.false(sameRoute(route('default dev eth0'), route('default via 1.2.3.4')), 'the route has no gateway');
  t.false(sameRoute(route('default via 5.6.7.8 dev eth0'), route('default via 1.2.3.4')), 'another gateway');
  t.true(sameRoute(route('default via 1.2.3.4 dev eth0'), route('default via 1.2.3.4 dev eth0')));
});

test('describeRoute names no table for main or local', (t) => {
  t.is(describeRoute(route('local 10.0.0.1 dev lo table local')), 'local 10.0.0.1/32 dev lo');
  t.is(describeRoute(route('10.0.0.0/8 dev eth0 table main')), '10.0.0.0/8 dev eth0');
  t.is(describeRoute(route('10.0.0.0/8 dev eth0 table 5')), '10.0.0.0/8 dev eth0 table 5');
});
