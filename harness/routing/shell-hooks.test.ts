import test from 'ava';
import { readFileSync } from 'node:fs';
import { expand, expandHook, type ShellContext } from './shell-hooks.ts';

const updown = readFileSync(new URL('../../scenarios/own-network/files/updown.sh', import.meta.url), 'utf8');
const context = (files: ShellContext['files'] = {}): ShellContext => ({
  iface: 'wg0',
  fwmarkOf: (iface) => (iface === 'wg0' ? '0x1234' : 'off'),
  files,
  origin: 'PostUp, line 7',
});
const words = (command: string, files: ShellContext['files'] = {}) =>
  expandHook(command, context(files)).map((invocation) => invocation.unreadable ?? invocation.words.join(' '));

test('%i is the interface; commands split at ; && || |; $(wg show %i fwmark) is its mark', (t) => {
  t.deepEqual(
    words('ip rule add not fwmark $(wg show %i fwmark) table 1234; iptables -A FORWARD -i %i -j ACCEPT && echo ok'),
    ['ip rule add not fwmark 0x1234 table 1234', 'iptables -A FORWARD -i wg0 -j ACCEPT', 'echo ok'],
  );
  t.deepEqual(words('ip rule add fwmark `wg show wg1 fwmark` table 5'), ['ip rule add fwmark off table 5']);
});

test('a script from files: runs with its arguments, its variables and the case branch its argument picks', (t) => {
  const files = { '/etc/wireguard/updown.sh': updown };
  t.deepEqual(words('/etc/wireguard/updown.sh up %i', files), [
    'set -e',
    'ip rule add not fwmark 0x1234 to 10.20.1.0/30 table 1234 priority 1000',
    'echo wg0 up with fwmark 0x1234 > /run/updown-wg0.log',
  ]);
  t.deepEqual(words('/etc/wireguard/updown.sh down %i', files), [
    'set -e',
    'ip rule del not fwmark 0x1234 to 10.20.1.0/30 table 1234 priority 1000',
  ]);
  t.deepEqual(words('bash /etc/wireguard/updown.sh down %i', files).slice(1), [
    'ip rule del not fwmark 0x1234 to 10.20.1.0/30 table 1234 priority 1000',
  ]);
  t.deepEqual(words('/etc/wireguard/updown.sh restart %i', files), ['set -e'], 'no branch matches');
  const origins = expandHook('/etc/wireguard/updown.sh up %i', context(files)).map((invocation) => invocation.origin);
  t.is(origins[1], 'PostUp, line 7 via /etc/wireguard/updown.sh');
});

test('case patterns: alternatives, globs, the first match only', (t) => {
  const script =
    'case "$1" in\n  start|up) ip route add 10.1.0.0/16 dev $2 ;;\n  u*) ip route add 10.2.0.0/16 dev $2 ;;\n  *) echo other ;;\nesac\n';
  t.deepEqual(words('/s.sh up wg0', { '/s.sh': script }), ['ip route add 10.1.0.0/16 dev wg0']);
  t.deepEqual(words('/s.sh unplug wg0', { '/s.sh': script }), ['ip route add 10.2.0.0/16 dev wg0']);
  t.deepEqual(words('/s.sh x wg0', { '/s.sh': script }), ['echo other']);
});

test('what it cannot read says so: a script not in files:, another substitution, shell control words', (t) => {
  t.deepEqual(words('/etc/wireguard/updown.sh up %i'), [
    "the script /etc/wireguard/updown.sh is not among the node's files: (nothing tells what it does)",
  ]);
  t.deepEqual(words('bash /opt/x.sh', { '/opt/x.sh': undefined }), [
    "the script /opt/x.sh is not among the node's files: (nothing tells what it does)",
  ]);
  t.deepEqual(words('ip route add $(cat /etc/net) dev %i'), ['`$(cat /etc/net)` is a substitution it cannot read']);
  t.deepEqual(words('net=$(cat /etc/net); ip route add $net dev %i'), [
    '`net=$(cat /etc/net)` sets net from a command it cannot read',
    'ip route add  dev wg0',
  ]);
  t.deepEqual(words('/s.sh', { '/s.sh': 'if true; then ip rule add table 5; fi' }), [
    'the shell construct `if` is not read',
  ]);
  t.deepEqual(
    words('/usr/sbin/ip rule add table 5 # a comment'),
    ['/usr/sbin/ip rule add table 5'],
    'a system program by path',
  );
});

test('expand: $var, ${var}, $1; an unset variable is empty', (t) => {
  const vars = new Map([
    ['1', 'up'],
    ['net', '10.0.0.0/8'],
  ]);
  t.is(expand('$1', vars, context()), 'up');
  t.is(expand('to=${net}', vars, context()), 'to=10.0.0.0/8');
  t.is(expand('$missing', vars, context()), '');
  t.is(expand('$(wg show ${iface} fwmark)', new Map([['iface', 'wg0']]), context()), '0x1234');
  t.is(expand('$(date)', vars, context()), undefined);
});
