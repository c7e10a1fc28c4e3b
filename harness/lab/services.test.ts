import test from 'ava';
import {
  listenerAnswer,
  listenerLines,
  listenerLogPath,
  pingLoggerLines,
  pingLogPath,
  resolvConfLines,
  resolverLines,
  resolverLogPath,
} from './services.ts';

test('a listener: socat per family, each peer and tag logged and answered, ready only once it listens', (t) => {
  t.is(listenerLogPath({ protocol: 'tcp', port: 22 }), '/var/log/wglab/tcp-22.log');
  const tcp = listenerLines({ node: 'B', protocol: 'tcp', port: 22 }, false);
  t.deepEqual(tcp, [
    'mkdir -p /var/log/wglab; : >> /var/log/wglab/tcp-22.log',
    `setsid socat -T 10 TCP4-LISTEN:22,fork,reuseaddr SYSTEM:'read -r tag; echo "$SOCAT_PEERADDR $SOCAT_PEERPORT $tag" >> /var/log/wglab/tcp-22.log; echo ${listenerAnswer}' </dev/null >/dev/null 2>&1 &`,
    'for i in $(seq 1 500); do [ "$(ss -H -ltn \'sport = :22\' | wc -l)" -ge 1 ] && break; sleep 0.01; done',
    '[ "$(ss -H -ltn \'sport = :22\' | wc -l)" -ge 1 ] || { echo "the tcp listener on port 22 did not start (is the port taken?)" >&2; exit 1; }',
  ]);
  const udp = listenerLines({ node: 'B', protocol: 'udp', port: 5353 }, true).join('\n');
  t.regex(udp, /UDP4-RECVFROM:5353,fork,reuseaddr SYSTEM/);
  t.regex(udp, /UDP6-RECVFROM:5353,fork,reuseaddr,ipv6only=1 SYSTEM/);
  t.regex(udp, /ss -H -lun 'sport = :5353' \| wc -l\)" -ge 2 \]/, 'both families listen before it is ready');
  t.notRegex(listenerLines({ node: 'B', protocol: 'udp', port: 53 }, false).join('\n'), /UDP6/);
});

test('a ping log: echo requests coming in, IPv4 and IPv6, ready once tcpdump listens', (t) => {
  const lines = pingLoggerLines();
  t.is(lines[0], `mkdir -p /var/log/wglab; : > ${pingLogPath}`);
  t.is(
    lines[1],
    `setsid tcpdump -l -n -i any -Q in '(icmp and icmp[icmptype] == icmp-echo) or (icmp6 and ip6[6] == 58 and ip6[40] == 128)' >> ${pingLogPath} 2>${pingLogPath}.err </dev/null &`,
  );
  t.regex(lines.at(-1)!, /grep -q 'listening on' .* \|\| \{ cat .*>&2; exit 1; \}/);
  t.false(
    lines.some((line) => /exit 0/.test(line)),
    'it never ends the script it is part of early',
  );
});

test('a resolver: the lab names, NXDOMAIN for every other one, nothing forwarded, every query logged', (t) => {
  const lines = resolverLines([
    { host: 'app.example.com', ipAddress: '203.0.113.2' },
    { host: 'app.example.com', ipAddress: '2001:db8::2' },
  ]);
  t.is(lines[0], `mkdir -p /var/log/wglab; : > ${resolverLogPath}`);
  const config = lines[1]!.split('\n');
  for (const line of [
    'no-resolv',
    'no-hosts',
    'interface=*',
    'log-queries=extra',
    `log-facility=${resolverLogPath}`,
    'address=/app.example.com/203.0.113.2',
    'address=/app.example.com/2001:db8::2',
  ])
    t.true(config.includes(line), line);
  t.is(config.at(-2), 'address=/#/', 'every other name answered here, never forwarded');
  t.false(
    config.some((line) => line.startsWith('server=')),
    'no upstream server',
  );
  t.is(lines[2], 'dnsmasq --conf-file=/etc/wglab/dnsmasq.conf');
  t.deepEqual(resolvConfLines('169.254.0.1'), ["printf 'nameserver %s\\n' '169.254.0.1' | resolvconf -a eth0"]);
});
