import test from 'ava';
import { shellCommands } from './shell-words.ts';

test('shellCommands splits at ; && || | & and newlines, keeps quotes and substitutions as one word', (t) => {
  t.deepEqual(shellCommands('a b; c && d || e | f & g\nh'), [['a', 'b'], ['c'], ['d'], ['e'], ['f'], ['g'], ['h']]);
  t.deepEqual(shellCommands(`iptables -m comment --comment "wg rule; x" -j ACCEPT`), [
    ['iptables', '-m', 'comment', '--comment', 'wg rule; x', '-j', 'ACCEPT'],
  ]);
  t.deepEqual(shellCommands(`echo 'a  b'c`), [['echo', 'a  bc']]);
  t.deepEqual(shellCommands('ip rule add fwmark $(wg show wg0 fwmark) table 7'), [
    ['ip', 'rule', 'add', 'fwmark', '$(wg show wg0 fwmark)', 'table', '7'],
  ]);
  t.deepEqual(shellCommands('x $(a $(b c) d) `e f`'), [['x', '$(a $(b c) d)', '`e f`']]);
  t.deepEqual(shellCommands('a\\;b c'), [['a;b', 'c']]);
  t.deepEqual(shellCommands('a\\'), [['a\\']]);
  t.deepEqual(shellCommands(' ;; '), []);
  t.deepEqual(shellCommands('"unterminated'), [['unterminated']]);
  t.deepEqual(shellCommands('`unterminated'), [['`unterminated']]);
  t.deepEqual(shellCommands(`''`), [['']]);
  t.deepEqual(shellCommands('a\tb'), [['a', 'b']]);
});
