import test from 'ava';
import { planLab } from './lab-plan.ts';
import { macOf, vethLinks, vethScript } from './veth-links.ts';
import { parseScenario } from '../wgconf/load-scenario.ts';

const plan = (endpoints: string) => planLab(parseScenario(`name: t\nendpoints:\n${endpoints}\n`), { id: 'wglab-t-1' });

test('every link of two nodes is a veth pair: each end eth<N> by its place among the node’s networks, with its own MAC', (t) => {
  const links = vethLinks(
    plan(`  A: { publicIp: 198.51.100.1, lan: { address: 192.168.1.1/24, hosts: { pc: 192.168.1.10 } } }
  B: { publicIp: 203.0.113.2, nat: { address: 192.168.7.2/24 } }`),
  )!;
  t.deepEqual(
    links.map(({ network, ends }) => [network, ...ends.map((end) => `${end.node} ${end.iface}`)]),
    [
      ['wglab-t-1-A', 'internet eth0', 'A eth0'],
      ['wglab-t-1-B', 'internet eth1', 'B-nat eth0'],
      ['wglab-t-1-A-lan', 'A eth1', 'pc eth0'],
      ['wglab-t-1-B-inside', 'B-nat eth1', 'B eth0'],
    ],
  );
  const macs = links.flatMap(({ ends }) => ends.map((end) => end.mac));
  t.is(new Set(macs).size, macs.length, 'no MAC twice');
  t.true(
    macs.every((mac) => /^02(:[0-9a-f]{2}){5}$/.test(mac)),
    'locally administered unicast',
  );
  t.is(links[0]!.ends[1]!.mac, macOf('wglab-t-1', 'wglab-t-1-A', 'A'));
});

test('a LAN of two hosts is no pair: the lab takes the engine’s bridge networks', (t) => {
  t.is(
    vethLinks(
      plan(
        '  A: { publicIp: 198.51.100.1, lan: { address: 192.168.1.1/24, hosts: { pc: 192.168.1.10, pc2: 192.168.1.11 } } }',
      ),
    ),
    undefined,
  );
});

test('macOf: the same for the same lab, link and node; another for any other', (t) => {
  const mac = macOf('lab', 'net', 'A');
  t.is(mac, macOf('lab', 'net', 'A'));
  t.not(mac, macOf('lab2', 'net', 'A'));
  t.not(mac, macOf('lab', 'net2', 'A'));
  t.not(mac, macOf('lab', 'net', 'B'));
});

test('the script makes each pair inside the first node with its peer put straight into the second, then sets both up', (t) => {
  const links = [
    {
      network: 'n1',
      ends: [
        { node: 'internet', iface: 'eth0', mac: '02:00:00:00:00:01' },
        { node: 'A', iface: 'eth0', mac: '02:00:00:00:00:02' },
      ],
    },
  ] as Parameters<typeof vethScript>[0];
  const fail = '|| { echo "making link n1 (internet eth0, A eth0) failed" >&2; exit 1; }';
  t.deepEqual(
    vethScript(
      links,
      new Map([
        ['internet', 10],
        ['A', 11],
      ]),
    ).split('\n'),
    [
      `nsenter --target 10 --net ip link add eth0 address 02:00:00:00:00:01 type veth peer name eth0 address 02:00:00:00:00:02 netns 11 ${fail}`,
      `nsenter --target 10 --net ip link set eth0 up ${fail}`,
      `nsenter --target 11 --net ip link set eth0 up ${fail}`,
    ],
  );
  t.throws(() => vethScript(links, new Map([['internet', 10]])), { message: /no process for node A/ });
  t.throws(
    () =>
      vethScript(
        links,
        new Map([
          ['internet', 10],
          ['A', 0],
        ]),
      ),
    { message: /no process for node A/ },
    'a stopped container has PID 0',
  );
});
