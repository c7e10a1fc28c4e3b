import test from 'ava';
import { getaddrinfoOrder, labelOf, precedenceOf, scopeOf } from './address-order.ts';

// The cases checked against `getent ahosts` in the lab image (Debian 12, glibc 2.36, gai.conf unchanged): a name
// with 192.0.2.64 and 2001:db8:c::64, a node whose IPv6 source is a ULA gets IPv4 first, a global one IPv6 first.
const v4 = '192.0.2.64';
const v6 = '2001:db8:c::64';

test('a ULA as the only IPv6 source: IPv4 first (its labels match, the ULA and a global address do not)', (t) => {
  t.deepEqual(
    getaddrinfoOrder([
      { address: v6, source: 'fc00:bbbb:bbbb:bb01::2' },
      { address: v4, source: '10.64.0.2' },
    ]),
    [v4, v6],
  );
  t.deepEqual(
    getaddrinfoOrder([
      { address: v6, source: 'fd12::2' },
      { address: v4, source: '10.12.0.2' },
    ]),
    [v4, v6],
  );
});

test('a global IPv6 source: IPv6 first, by precedence (40 against IPv4’s 10), whichever is listed first', (t) => {
  t.deepEqual(
    getaddrinfoOrder([
      { address: v4, source: '198.51.100.1' },
      { address: v6, source: '2001:db8:a::2' },
    ]),
    [v6, v4],
  );
  t.deepEqual(
    getaddrinfoOrder([
      { address: v6, source: '2001:db8:a::2' },
      { address: v4, source: '198.51.100.1' },
    ]),
    [v6, v4],
  );
});

test('a ULA destination from a ULA source matches its label: IPv6 first', (t) => {
  t.deepEqual(
    getaddrinfoOrder([
      { address: '10.0.0.2', source: '10.0.0.1' },
      { address: 'fd00::2', source: 'fd00::1' },
    ]),
    ['fd00::2', '10.0.0.2'],
  );
});

test('an address without a source (no route, IPv6 off) comes last, whatever its rank', (t) => {
  t.deepEqual(getaddrinfoOrder([{ address: v6 }, { address: v4, source: '10.64.0.2' }]), [v4, v6]);
  t.deepEqual(getaddrinfoOrder([{ address: v4 }, { address: v6, source: 'fd00::1' }]), [v6, v4]);
  t.deepEqual(getaddrinfoOrder([{ address: v6 }, { address: v4 }]), [v6, v4], 'both unusable: as listed');
  t.deepEqual(
    getaddrinfoOrder([
      { address: '192.0.2.1', source: '10.0.0.1' },
      { address: v6 },
      { address: '192.0.2.2', source: '10.0.0.1' },
      { address: '2001:db8::9' },
      { address: '192.0.2.3', source: '10.0.0.1' },
    ]),
    ['192.0.2.1', '192.0.2.2', '192.0.2.3', v6, '2001:db8::9'],
    'unusable ones between usable ones: after them all, as listed',
  );
});

test('a source of another scope loses to one of the same scope (a link-local IPv6 source against IPv4)', (t) => {
  t.deepEqual(
    getaddrinfoOrder([
      { address: v6, source: 'fe80::1' },
      { address: v4, source: '10.0.0.1' },
    ]),
    [v4, v6],
  );
  t.deepEqual(
    getaddrinfoOrder([
      { address: '169.254.1.1', source: '10.0.0.1' },
      { address: 'fd00::2', source: 'fc00::1' },
    ]),
    ['fd00::2', '169.254.1.1'],
  );
});

test('with scope, label and precedence equal, the smaller scope first, then as listed', (t) => {
  // Both link-local destinations from sources of their own scope; IPv4 link-local against loopback-free IPv4.
  t.deepEqual(
    getaddrinfoOrder([
      { address: '192.0.2.1', source: '192.0.2.9' },
      { address: '192.0.2.2', source: '192.0.2.9' },
    ]),
    ['192.0.2.1', '192.0.2.2'],
  );
  t.deepEqual(
    getaddrinfoOrder([
      { address: 'fec0::2', source: 'fec0::1' },
      { address: 'fe80::2', source: 'fe80::1' },
    ]),
    ['fe80::2', 'fec0::2'],
    'label 5 and 1, precedence 40 both: link-local (2) before site-local (5)',
  );
});

test("glibc's tables: labels, precedences and scopes", (t) => {
  t.deepEqual(
    ['::1', '10.0.0.1', '::a00:1', '2001::1', '2002::1', 'fec0::1', 'fd00::1', 'fc00::1', '2001:db8::1'].map(labelOf),
    [0, 4, 3, 7, 2, 5, 6, 6, 1],
  );
  t.deepEqual(
    ['::1', '10.0.0.1', '::a00:1', '2002::1', 'fd00::1', '2001:db8::1'].map(precedenceOf),
    [50, 10, 20, 30, 40, 40],
  );
  t.deepEqual(
    ['169.254.0.1', '127.0.0.1', '10.0.0.1', '192.0.2.1', 'fe80::1', '::1', 'fec0::1', 'fd00::1', '2001:db8::1'].map(
      scopeOf,
    ),
    [2, 2, 14, 14, 2, 2, 5, 14, 14],
  );
});
