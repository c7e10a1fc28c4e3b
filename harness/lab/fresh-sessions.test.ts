import test from 'ava';
import { freshPeers, freshSessionsScript, savesConfig } from './fresh-sessions.ts';

const file = `[Interface]
PrivateKey = aaaa
Address = 10.0.0.1/32
# SaveConfig = true
PostUp = wg set %i peer BBBB= preshared-key /etc/wireguard/psk

[Peer]
PublicKey = BBBB=
AllowedIPs = 10.0.0.2/32
Endpoint = 203.0.113.2:51822 # the listener

[Peer]
PublicKey = CCCC=
AllowedIPs = 10.0.0.3/32
`;

// As `wg showconf` prints a running interface: a learned endpoint for C, a preshared key a hook set, a peer
// (D) that a hook added and the file does not name.
const live = `[Interface]
ListenPort = 51821
FwMark = 0xca6c
PrivateKey = aaaa

[Peer]
PublicKey = BBBB=
PresharedKey = pppp
AllowedIPs = 10.0.0.2/32
Endpoint = 203.0.113.2:51822

[Peer]
PublicKey = CCCC=
AllowedIPs = 10.0.0.3/32
Endpoint = 192.0.2.3:40000
PersistentKeepalive = 25

[Peer]
PublicKey = DDDD=
AllowedIPs = 10.0.0.4/32
Endpoint = 192.0.2.4:51820
`;

test('fresh peers keep what the interface runs, with the endpoint of its file, or none where the file gives none', (t) => {
  const peers = freshPeers(live, file);
  t.deepEqual(peers.keys, ['BBBB=', 'CCCC=', 'DDDD=']);
  t.is(
    peers.config,
    [
      '[Peer]\nPublicKey = BBBB=\nPresharedKey = pppp\nAllowedIPs = 10.0.0.2/32\nEndpoint = 203.0.113.2:51822\n',
      '[Peer]\nPublicKey = CCCC=\nAllowedIPs = 10.0.0.3/32\nPersistentKeepalive = 25\n',
      '[Peer]\nPublicKey = DDDD=\nAllowedIPs = 10.0.0.4/32\nEndpoint = 192.0.2.4:51820\n',
    ].join(''),
  );
  t.false(peers.config.includes('PrivateKey'), "the interface's section is left out: its key and port stay");
});

test('an interface without peers gets none back', (t) => {
  t.deepEqual(freshPeers('[Interface]\nPrivateKey = aaaa\n', file), { keys: [], config: '' });
});

test('the fresh-sessions script removes every peer it adds back, then adds them from one file', (t) => {
  const script = freshSessionsScript('wg1', freshPeers(live, file));
  t.deepEqual(
    script.split('\n').filter((line) => line.startsWith('wg ')),
    [
      'wg set wg1 peer BBBB= remove',
      'wg set wg1 peer CCCC= remove',
      'wg set wg1 peer DDDD= remove',
      'wg addconf wg1 /run/wglab-wg1.peers',
    ],
  );
  t.true(script.startsWith('set -e\n'));
  t.regex(script, /cat > \/run\/wglab-wg1\.peers <<'WGLAB_PEERS'\n\[Peer\]\nPublicKey = BBBB=\n[\s\S]*\nWGLAB_PEERS\n/);
});

test('SaveConfig = true is seen in any case and spacing, not in a comment or as false', (t) => {
  t.true(savesConfig('[Interface]\n  saveconfig=TRUE \n'));
  t.true(savesConfig('[Interface]\nSaveConfig = true\n'));
  t.false(savesConfig(file));
  t.false(savesConfig('[Interface]\nSaveConfig = false\n'));
  t.false(savesConfig(''));
});
