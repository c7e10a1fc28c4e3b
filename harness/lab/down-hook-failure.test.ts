import test from 'ava';
import { downHookFailure, wgUpHint } from './lab.ts';

test("downHookFailure: the hook wg-quick ran last and what it said, from wg-quick down's stderr", (t) => {
  const stderr = [
    '[#] ip link delete dev wg0',
    '[#] iptables -D FORWARD -i wg0 -j ACCEPT; iptables -t nat -D POSTROUTING -o bro -j MASQUERADE',
    'iptables: Bad rule (does a matching rule exist in that chain?).',
    '',
  ].join('\n');
  t.is(
    downHookFailure(stderr, 1),
    'wg-quick down deleted the interface, then a down hook failed (exit 1): `iptables -D FORWARD -i wg0 -j ACCEPT; iptables -t nat -D POSTROUTING -o bro -j MASQUERADE`: iptables: Bad rule (does a matching rule exist in that chain?).',
  );
  t.is(
    downHookFailure('[#] ip link delete dev wg0\n[#] false\n', 1),
    'wg-quick down deleted the interface, then a down hook failed (exit 1): `false`',
    'a hook that said nothing',
  );
  t.is(
    downHookFailure('  something went wrong  \n', 3),
    'wg-quick down deleted the interface, then a down hook failed (exit 3): something went wrong',
    'no [#] line: all it said',
  );
  t.is(downHookFailure('', 1), 'wg-quick down deleted the interface, then a down hook failed (exit 1)');
});

test('wgUpHint: an MTU below 1280 whose IPv6 route failed is named; any other failure points at the last step', (t) => {
  // wg-quick up's stderr in a lab node for MTU = 1260 with fd70::/64 in AllowedIPs (wireguard-go).
  const stderr = (mtu: number) =>
    [
      '[#] ip link add wg0 type wireguard',
      '[#] wg setconf wg0 /dev/fd/63',
      '[#] ip -4 address add 10.70.0.2/24 dev wg0',
      '[#] ip -6 address add fd70::2/64 dev wg0',
      `[#] ip link set mtu ${mtu} up dev wg0`,
      '[#] ip -6 route add fd70::/64 dev wg0',
      'RTNETLINK answers: No such device',
      '[#] ip link delete dev wg0',
      '',
    ].join('\n');
  t.is(
    wgUpHint(stderr(1260)),
    "its MTU 1260 is below IPv6's minimum of 1280: Linux turned IPv6 off on the interface, so the IPv6 route could not be added; set `MTU = 1280` or more in that file (without one, wg-quick takes the route MTU less 80), or keep IPv6 out of it; wglab lint and wglab explain read the files without a lab",
  );
  t.regex(wgUpHint(stderr(1279)), /^its MTU 1279/);
  const other = /^the step wg-quick printed last is the one that failed/;
  t.regex(wgUpHint(stderr(1280)), other, 'at 1280 IPv6 stays on: another cause');
  t.regex(wgUpHint(stderr(1260).replace('No such device', 'File exists')), other, 'another error on the route');
  t.regex(wgUpHint(stderr(1260).replace('ip -6 route add', 'ip -4 route add')), other, 'an IPv4 route');
  t.regex(wgUpHint('[#] false\n'), other);
});
