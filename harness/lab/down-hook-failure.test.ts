import test from 'ava';
import { downHookFailure } from './lab.ts';

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
