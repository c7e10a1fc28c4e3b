import test from 'ava';
import {
  digResult,
  echoEntries,
  echoIdOf,
  listenerEntries,
  pingResult,
  queryEntries,
  socketResult,
} from './client-output.ts';
import { dnsQueryType } from './dns-check.ts';

// What each kind's client and server say, as the lab's tools print it (socat 1.7.4, iputils ping 20221126,
// dig 9.18, dnsmasq 2.90 with log-queries=extra, tcpdump 4.99 -n -i any): lines copied from lab nodes.

test("socat: through on the listener's answer; a refused or timed-out connect has no client port; UDP always leaves from its port", (t) => {
  t.deepEqual(socketResult(true, 0, 'wglab-ok\n', '', 20010), { exitCode: 0, localPort: 20010 });
  t.deepEqual(
    socketResult(
      true,
      1,
      '',
      '2026/12/01 18:59:03 socat[27] E connect(5, AF=2 10.9.0.1:23, 16): Connection refused\n',
      20010,
    ),
    { exitCode: 1, error: 'connect(5, AF=2 10.9.0.1:23, 16): Connection refused' },
  );
  t.deepEqual(socketResult(true, 0, '', '', 20010), {
    exitCode: 1,
    localPort: 20010,
    error: 'no answer from the listener before socat gave up',
  });
  t.deepEqual(socketResult(false, 0, '', '', 20020), {
    exitCode: 1,
    localPort: 20020,
    error: 'no answer from the listener before socat gave up (UDP: the datagram left)',
  });
  t.deepEqual(
    socketResult(true, 1, 'wglab-ok\n', '2026/12/01 18:59:03 socat[9] W read(5): Connection reset by peer\n\n', 20010),
    { exitCode: 1, error: 'read(5): Connection reset by peer' },
    'an answer with a failing exit is no success; a warning line is an error too, blank lines are not',
  );
  t.deepEqual(socketResult(true, 143, '', 'killed\n', 20010), { exitCode: 143, error: 'killed' });
  t.deepEqual(socketResult(false, 0, 'wglab-ok\n', '', 20020), { exitCode: 0, localPort: 20020 });
  t.is(socketResult(false, 1, '', 'socat[25] E read(5, 0x5, 8192): Connection refused', 20020).localPort, undefined);
});

test('a listener log: the lines with the tag, the peer address in its shortest spelling', (t) => {
  const log = [
    '10.9.0.1 40001 lab-c1-aaaaaa',
    '[fd00:0000:0000:0000:0000:0000:0000:0001] 40002 lab-c2-bbbbbb',
    '::ffff:192.0.2.30 40003 lab-c3-cccccc',
    '  192.0.2.31 40004 lab-c4-dddddd  ',
    '192.0.2.32 40005 lab-c5-eeeeee extra',
    'garbage',
    '',
  ].join('\n');
  t.deepEqual(listenerEntries(log, 'lab-c4-dddddd'), [
    { remoteAddr: '192.0.2.31', line: '192.0.2.31 40004 lab-c4-dddddd' },
  ]);
  t.deepEqual(listenerEntries(log, 'lab-c5-eeeeee'), [], 'a line of four words is not a listener line');
  t.deepEqual(listenerEntries(log, 'lab-c1-aaaaaa'), [
    { remoteAddr: '10.9.0.1', line: '10.9.0.1 40001 lab-c1-aaaaaa' },
  ]);
  t.is(listenerEntries(log, 'lab-c2-bbbbbb')[0]!.remoteAddr, 'fd00::1');
  t.is(listenerEntries(log, 'lab-c3-cccccc')[0]!.remoteAddr, '192.0.2.30');
  t.deepEqual(listenerEntries(log, 'lab-c9-zzzzzz'), []);
});

test('ping: a reply is through; otherwise what ping printed (frag needed, message too long), else the loss', (t) => {
  t.deepEqual(pingResult(0, '1 packets transmitted, 1 received, 0% packet loss', ''), { exitCode: 0 });
  t.deepEqual(
    pingResult(
      1,
      'PING 10.0.0.2 (10.0.0.2) 1472(1500) bytes of data.\nping: local error: message too long, mtu=1420\n',
      '',
    ),
    { exitCode: 1, error: 'local error: message too long, mtu=1420' },
  );
  t.deepEqual(
    pingResult(
      1,
      'From 10.0.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1420)\n1 packets transmitted, 0 received, +1 errors, 100% packet loss',
      '',
    ),
    { exitCode: 1, error: 'From 10.0.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1420)' },
  );
  t.deepEqual(pingResult(1, '1 packets transmitted, 0 received, 100% packet loss, time 0ms', ''), {
    exitCode: 1,
    error: 'no reply (100% packet loss)',
  });
  t.deepEqual(pingResult(2, '', ''), { exitCode: 2, error: 'no reply' });
  t.deepEqual(pingResult(2, '', 'ping: connect: Network is unreachable\n'), {
    exitCode: 2,
    error: 'connect: Network is unreachable',
  });
  t.deepEqual(pingResult(1, '   From 10.0.0.1 icmp_seq=1 Destination Host Unreachable  \n', ''), {
    exitCode: 1,
    error: 'From 10.0.0.1 icmp_seq=1 Destination Host Unreachable',
  });
  t.deepEqual(
    pingResult(1, 'PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n', ''),
    {
      exitCode: 1,
      error: 'no reply',
    },
    'the PING header line is no error',
  );
  t.is(echoIdOf(20000), 20000);
  t.is(echoIdOf(65536 + 7), 7);
});

test("a ping target's log: the echo requests with the check's id, IPv4 and IPv6, from their source", (t) => {
  const log = [
    '18:59:07.578873 wg0   In  IP 10.20.0.1 > 10.20.0.2: ICMP echo request, id 20030, seq 1, length 1380',
    '18:59:07.578900 eth0  In  IP6 2001:db8:a::12 > 2001:db8:b::70: ICMP6, echo request, id 20040, seq 1, length 64',
    '18:59:07.579000 eth0  In  IP 10.20.0.1 > 10.20.0.2: ICMP echo request, id 20031, seq 1, length 64',
    '18:59:07.579100 wg0   Out IP 10.20.0.2 > 10.20.0.1: ICMP echo reply, id 20030, seq 1, length 1380',
    '  18:59:08.000000 wg0   In  IP 10.20.0.9 > 10.20.0.2: ICMP echo request, id 20050, seq 1, length 64  ',
  ].join('\n');
  t.deepEqual(echoEntries(log, 20050), [
    {
      remoteAddr: '10.20.0.9',
      line: '18:59:08.000000 wg0   In  IP 10.20.0.9 > 10.20.0.2: ICMP echo request, id 20050, seq 1, length 64',
    },
  ]);
  t.deepEqual(
    echoEntries(log, 20030).map((entry) => entry.remoteAddr),
    ['10.20.0.1'],
  );
  t.deepEqual(
    echoEntries(log, 20040).map((entry) => entry.remoteAddr),
    ['2001:db8:a::12'],
  );
  t.deepEqual(echoEntries(log, 1), []);
});

test('dig: status, answers and server of a response; a timeout is exit 9 with what dig said', (t) => {
  const answered = [
    '; <<>> DiG 9.18.41-1~deb12u1-Debian <<>> +tries=1 +time=6 +nocookie -b 0.0.0.0#20010 intranet.example.com A',
    ';; global options: +cmd',
    ';; Got answer:',
    ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 56814',
    ';; QUESTION SECTION:',
    ';intranet.example.com.\t\tIN\tA',
    '',
    ';; ANSWER SECTION:',
    'intranet.example.com.\t0\tIN\tA\t203.0.113.20',
    '',
    ';; SERVER: 10.20.0.2#53(10.20.0.2) (UDP)',
  ].join('\n');
  t.deepEqual(digResult(0, answered, ''), {
    exitCode: 0,
    dnsStatus: 'NOERROR',
    answers: ['203.0.113.20'],
    remoteIp: '10.20.0.2',
  });
  const nxdomain = answered.replace('NOERROR', 'NXDOMAIN').replace(/^intranet.*203\.0\.113\.20$/m, '');
  t.deepEqual(digResult(0, nxdomain, ''), { exitCode: 0, dnsStatus: 'NXDOMAIN', answers: [], remoteIp: '10.20.0.2' });
  t.deepEqual(
    digResult(9, ';; communications error to 10.20.0.2#53: timed out\n;; no servers could be reached\n', ''),
    {
      exitCode: 9,
      error: 'communications error to 10.20.0.2#53: timed out',
    },
  );
  t.deepEqual(digResult(10, '', 'no nameserver in /etc/resolv.conf\n'), {
    exitCode: 10,
    error: 'no nameserver in /etc/resolv.conf',
  });
  t.deepEqual(digResult(0, '', ''), { exitCode: 9, error: 'no answer from the resolver' });
  const commented = [
    ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1',
    '; intranet.example.com. 0 IN A 192.0.2.1',
    'intranet.example.com.  0  IN  CNAME  www.example.com.',
    'www.example.com.\t0\tIN\tA\t203.0.113.21',
    'a b IN',
    'x y z IN A',
    ';; MSG SIZE  rcvd: 62 ;; SERVER: 192.0.2.9#53',
  ].join('\n');
  t.deepEqual(
    digResult(0, commented, ''),
    {
      exitCode: 0,
      dnsStatus: 'NOERROR',
      answers: ['www.example.com.', '203.0.113.21'],
    },
    'records only, not comments or short lines; SERVER only at the start of a line',
  );
  t.deepEqual(digResult(1, commented, ''), { exitCode: 1, error: 'no answer from the resolver' });
  t.deepEqual(digResult(9, ';; connection timed out; no servers could be reached', ''), {
    exitCode: 9,
    error: 'connection timed out; no servers could be reached',
  });
});

test("a resolver's log: the queries for the name from the check's port, whoever else asked", (t) => {
  const log = [
    'Dec  1 18:58:55 dnsmasq[12]: started, version 2.90 cachesize 150',
    'Dec  1 18:58:56 dnsmasq[12]: 1 10.20.0.1/20010 query[A] intranet.example.com from 10.20.0.1',
    'Dec  1 18:58:56 dnsmasq[12]: 1 10.20.0.1/20010 config intranet.example.com is 203.0.113.20',
    'Dec  1 18:58:56 dnsmasq[12]: 2 198.51.100.20/20010 query[A] other.example.org from 198.51.100.20',
    'Dec  1 18:58:57 dnsmasq[12]: 3 198.51.100.20/20011 query[A] Intranet.Example.com from 198.51.100.20',
    'Dec  1 18:58:58 dnsmasq[12]: 12 10.20.0.1/20013 query[AAAA] intranet.example.com from 10.20.0.1   ',
    'Dec  1 18:58:58 dnsmasq[12]: 13 10.20.0.1/20014 query[A] intranet.example.com from 10.20.0.1 extra',
    'Dec  1 18:58:58 dnsmasq[12]: 14 10.20.0.1/20015 query[] intranet.example.com from 10.20.0.1',
    'Dec  1 18:58:58 dnsmasq[12]: x 10.20.0.1/20016 query[A] intranet.example.com from 10.20.0.1',
  ].join('\n');
  t.deepEqual(
    queryEntries(log, 'intranet.example.com', 20013),
    [
      {
        remoteAddr: '10.20.0.1',
        line: 'Dec  1 18:58:58 dnsmasq[12]: 12 10.20.0.1/20013 query[AAAA] intranet.example.com from 10.20.0.1',
      },
    ],
    'a serial of two digits, any query type, trailing blanks',
  );
  for (const port of [20014, 20015, 20016]) t.deepEqual(queryEntries(log, 'intranet.example.com', port), [], `${port}`);
  t.deepEqual(
    queryEntries(log, 'intranet.example.com', 20010).map((entry) => entry.remoteAddr),
    ['10.20.0.1'],
  );
  t.deepEqual(
    queryEntries(log, 'intranet.example.com.', 20011).map((entry) => entry.remoteAddr),
    ['198.51.100.20'],
    'names compare without case or the final dot',
  );
  t.deepEqual(queryEntries(log, 'intranet.example.com', 20012), []);
});

test('dns asks A for a name the lab gives an IPv4 address, AAAA for one with IPv6 ones only, nothing fixed for others', (t) => {
  const hosts = [
    { host: 'app.example.com', ipAddress: '203.0.113.2' },
    { host: 'app.example.com', ipAddress: '2001:db8::2' },
    { host: 'v6.example.com', ipAddress: '2001:db8::6' },
  ];
  t.is(dnsQueryType(hosts, 'app.example.com'), 'A');
  t.is(dnsQueryType(hosts, 'V6.Example.com.'), 'AAAA');
  t.is(dnsQueryType(hosts, 'elsewhere.example.net'), undefined);
  t.is(dnsQueryType([], 'app.example.com'), undefined);
});
