import test from 'ava';
import { checkTarget, kindsNamed, splitHostPort } from './check-target.ts';

test('host:port: IPv4, bracketed IPv6, names; anything else is not one', (t) => {
  t.deepEqual(splitHostPort('203.0.113.2:22'), { host: '203.0.113.2', port: 22 });
  t.deepEqual(splitHostPort('[2001:db8::2]:5353'), { host: '2001:db8::2', port: 5353 });
  t.deepEqual(splitHostPort('app.example.com:65535'), { host: 'app.example.com', port: 65535 });
  t.deepEqual(splitHostPort('a:1'), { host: 'a', port: 1 });
  for (const bad of ['203.0.113.2', '2001:db8::2:22', '[app.example.com]:22', 'a:0', 'a:65536', ':22', 'a:b', 'a:22x'])
    t.is(splitHostPort(bad), undefined, bad);
});

test('every kind: its host, port, protocol and the text lists name it by', (t) => {
  t.deepEqual(checkTarget({ url: 'https://[2001:db8::2]/x' }), {
    kind: 'http',
    host: '2001:db8::2',
    port: 443,
    protocol: 'tcp',
    text: 'https://[2001:db8::2]/x',
  });
  t.is(checkTarget({ url: 'http://app.example.com/' }).port, 80);
  t.is(checkTarget({ url: 'http://app.example.com:8080/' }).port, 8080);
  t.deepEqual(checkTarget({ dns: 'app.example.com' }), {
    kind: 'dns',
    host: 'app.example.com',
    port: 53,
    protocol: 'udp',
    text: 'dns app.example.com',
  });
  t.deepEqual(checkTarget({ ping: '10.0.0.2', size: 1372 }), {
    kind: 'ping',
    host: '10.0.0.2',
    protocol: 'icmp',
    text: 'ping 10.0.0.2 size 1372',
  });
  t.is(checkTarget({ ping: '10.0.0.2' }).text, 'ping 10.0.0.2');
  t.deepEqual(checkTarget({ tcp: '203.0.113.2:22' }), {
    kind: 'tcp',
    host: '203.0.113.2',
    port: 22,
    protocol: 'tcp',
    text: 'tcp 203.0.113.2:22',
  });
  t.deepEqual(checkTarget({ udp: '[2001:db8::2]:5353' }), {
    kind: 'udp',
    host: '2001:db8::2',
    port: 5353,
    protocol: 'udp',
    text: 'udp [2001:db8::2]:5353',
  });
  t.throws(() => checkTarget({}), { message: /names no url, dns, ping, tcp or udp/ });
  t.throws(() => checkTarget({ tcp: 'nowhere' }), { message: /not host:port/ });
  t.deepEqual(kindsNamed({ url: 'http://a/', dns: 'a' }), ['http', 'dns']);
  t.deepEqual(kindsNamed({}), []);
  t.deepEqual(kindsNamed({ url: 'http://a/' }), ['http']);
  t.deepEqual(kindsNamed({ dns: 'a' }), ['dns']);
  t.deepEqual(kindsNamed({ ping: 'a', tcp: 'a:1', udp: 'a:2' }), ['ping', 'tcp', 'udp']);
  t.deepEqual(kindsNamed({ ping: 'a' }), ['ping']);
  t.deepEqual(kindsNamed({ tcp: 'a:1' }), ['tcp']);
  t.deepEqual(kindsNamed({ udp: 'a:1' }), ['udp']);
  t.is(checkTarget({ url: 'http://[::1]:8080/' }).host, '::1', 'brackets stripped at both ends');
});
