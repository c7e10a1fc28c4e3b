import test from 'ava';
import { parseCidr } from '../net/ip.ts';
import { peerForDestination, sourceAllowed, type WgPeer } from './cryptokey.ts';

const peer = (name: string, ...allowed: string[]): WgPeer => ({
  publicKey: name,
  allowedIps: allowed.map((text) => parseCidr(text)!),
  keepalive: 0,
});

test('a destination goes to the peer with the longest AllowedIPs prefix holding it', (t) => {
  const peers = [peer('b', '10.0.0.2/32', '203.0.113.2/32'), peer('c', '10.0.0.0/24'), peer('all', '0.0.0.0/0')];
  t.is(peerForDestination(peers, '10.0.0.2')?.peer.publicKey, 'b');
  t.is(peerForDestination(peers, '10.0.0.3')?.peer.publicKey, 'c');
  t.is(peerForDestination(peers, '192.0.2.1')?.peer.publicKey, 'all');
  t.deepEqual(peerForDestination(peers, '203.0.113.2')?.allowed, { address: '203.0.113.2', prefix: 32 });
  t.is(peerForDestination([peer('b', '10.0.0.2/32')], '10.0.0.3'), undefined);
  t.is(peerForDestination([peer('b', '10.0.0.0/24')], 'fd00::1'), undefined);
  t.is(peerForDestination([peer('v6', 'fd00::/64')], 'fd00::1')?.peer.publicKey, 'v6');
});

test('a prefix in two peers belongs to the last one (wg moves it)', (t) => {
  const peers = [peer('first', '10.0.0.0/24', '10.1.0.0/16'), peer('second', '10.0.0.0/24')];
  t.is(peerForDestination(peers, '10.0.0.5')?.peer.publicKey, 'second');
  t.is(peerForDestination(peers, '10.1.0.5')?.peer.publicKey, 'first');
  t.is(peerForDestination([peer('a', '10.0.0.0/24'), peer('b', '10.0.0.7/24')], '10.0.0.5')?.peer.publicKey, 'b');
  t.is(peerForDestination([peer('a', '10.0.0.0/24'), peer('b', '10.0.0.0/25')], '10.0.0.200')?.peer.publicKey, 'a');
  t.is(
    peerForDestination([peer('a', '10.0.0.0/24'), peer('b', '10.1.0.0/16', '10.0.0.0/24')], '10.0.0.5')?.peer.publicKey,
    'b',
    "any of the later peer's prefixes takes it",
  );
});

test("the inbound source check: a packet's source must route back to the peer it came from", (t) => {
  const peers = [peer('a', '10.0.0.1/32', '192.168.1.0/24'), peer('b', '10.0.0.2/32', '192.168.1.128/25')];
  const [a, b] = peers as [WgPeer, WgPeer];
  t.deepEqual(sourceAllowed(peers, a, '10.0.0.1'), { address: '10.0.0.1', prefix: 32 });
  t.is(sourceAllowed(peers, a, '10.0.0.2'), undefined);
  t.deepEqual(sourceAllowed(peers, a, '192.168.1.10'), { address: '192.168.1.0', prefix: 24 });
  t.is(sourceAllowed(peers, a, '192.168.1.200'), undefined, 'a more specific prefix belongs to b');
  t.deepEqual(sourceAllowed(peers, b, '192.168.1.200'), { address: '192.168.1.128', prefix: 25 });
  t.is(sourceAllowed(peers, a, '198.51.100.1'), undefined);
});
