import test from 'ava';
import { firstHostAddress, cidrContains, commonPrefixLength, parseCidr, sameAddress } from './ip.ts';

test('parseCidr takes prefixes and bare addresses', (t) => {
  t.deepEqual(parseCidr('10.0.0.1/30'), { address: '10.0.0.1', prefix: 30 });
  t.deepEqual(parseCidr('203.0.113.2'), { address: '203.0.113.2', prefix: 32 });
  t.deepEqual(parseCidr('fd00::1/64'), { address: 'fd00::1', prefix: 64 });
  t.is(parseCidr('10.0.0.1/33'), undefined);
  t.is(parseCidr('10.0.0/8'), undefined);
  t.is(parseCidr('app.example.com'), undefined);
});

test('cidrContains matches addresses and narrower prefixes only', (t) => {
  const range = parseCidr('10.0.0.1/30')!;
  t.true(cidrContains(range, '10.0.0.2'));
  t.false(cidrContains(range, '10.0.0.4'));
  t.false(cidrContains(parseCidr('10.0.0.2/32')!, '10.0.0.0/30'));
  t.false(cidrContains(range, 'fd00::1'));
});

test('commonPrefixLength finds the smallest prefix holding both', (t) => {
  t.is(commonPrefixLength('10.0.0.1', '10.0.0.2'), 30);
  t.is(commonPrefixLength('10.0.0.1', '10.0.0.5'), 29);
  t.is(commonPrefixLength('10.9.0.1', '10.9.0.1'), 32);
  t.is(commonPrefixLength('10.0.0.1', '192.168.0.1'), 0);
  t.is(commonPrefixLength('fd00::1', 'fd00::2'), 126);
  t.is(commonPrefixLength('fd00:77::1', 'fd00:78::1'), 28);
});

test('sameAddress compares normalized forms', (t) => {
  t.true(sameAddress('fd00::1', 'fd00:0:0::1'));
  t.false(sameAddress('10.0.0.1', '10.0.0.2'));
});

test('firstHostAddress: the address after the network address, whatever address of the prefix is given', (t) => {
  t.is(firstHostAddress('192.168.1.2/24'), '192.168.1.1');
  t.is(firstHostAddress('10.1.2.3/8'), '10.0.0.1');
  t.is(firstHostAddress('172.16.5.6/30'), '172.16.5.5');
  t.is(firstHostAddress('198.51.100.255/23'), '198.51.100.1');
  t.is(firstHostAddress('fd00:1::2/64'), 'fd00:1::1');
  t.is(firstHostAddress('2001:db8:7::ff/120'), '2001:db8:7::1');
});
