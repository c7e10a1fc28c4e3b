import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap } from '../../harness/evidence/pcap.ts';
import {
  hostCaptureInterfaces,
  hostNetworkChanges,
  isDockerLink,
  packetsTouching,
  readHostNetwork,
} from './host-network.ts';
import { routerLinkIp } from '../../harness/lab/lab-plan.ts';
import { startLab } from '../../harness/lab/start-lab.ts';
import { vethLinks } from '../../harness/lab/veth-links.ts';
import { loadScenario } from '../../harness/wgconf/load-scenario.ts';
import { article } from './helpers.ts';

const scenario = article('07-snat-on-a');

/**
 * tcpdump on each host interface, stopped by `stop()` or, when an assertion throws first, by the test's teardown:
 * a capture left running would keep this test file's process alive.
 */
async function captureHost(t: ExecutionContext, interfaces: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-host-'));
  const captures = interfaces.map((name) => ({
    name,
    file: join(dir, `${name}.pcap`),
    process: execa('tcpdump', ['-i', name, '-n', '-U', '--immediate-mode', '-w', join(dir, `${name}.pcap`)], {
      reject: false,
    }),
  }));
  let stopped: Promise<unknown> | undefined;
  const stop = () => {
    stopped ??= Promise.all(
      captures.map((capture) => {
        capture.process.kill('SIGINT');
        return capture.process;
      }),
    );
    return stopped;
  };
  t.teardown(stop);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { captures, stop };
}
const labAddresses = new Set([
  routerLinkIp,
  ...Object.values(scenario.endpoints).flatMap((endpoint) => [
    endpoint.publicIp,
    ...(endpoint.wgIp ? [endpoint.wgIp] : []),
  ]),
]);

test.serial("no lab packet reaches the host's interfaces, and the host keeps its addresses and routes", async (t) => {
  if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith('unix://')) {
    t.log(
      `DOCKER_HOST=${process.env.DOCKER_HOST}: the labs run on another kernel (a VM or a remote engine); this test applies to a local engine only`,
    );
    t.pass();
    return;
  }
  const before = await readHostNetwork();
  const interfaces = hostCaptureInterfaces();
  t.true(interfaces.length > 0);
  const { captures, stop } = await captureHost(t, interfaces);
  {
    await using lab = await startLab(scenario);
    // Traffic of every kind the lab makes: through the tunnel, over the internet, to the WireGuard IP, a failed name lookup, pings.
    for (const [node, args] of [
      ['A', ['curl', '-sS', '-o', '/dev/null', 'https://app.example.com/']],
      ['C', ['curl', '-sS', '-o', '/dev/null', 'https://app.example.com/']],
      ['A', ['curl', '-sS', '-k', '-o', '/dev/null', 'https://10.0.0.2/']],
      ['C', ['ping', '-c', '2', '-i', '0.2', '198.51.100.1']],
      ['A', ['timeout', '2', 'getent', 'hosts', 'not-in-the-lab.example']],
    ] as const)
      await lab.exec(node, [...args], { allowFailure: true });
    const during = await readHostNetwork();
    t.deepEqual(
      hostNetworkChanges(before, during, isDockerLink),
      [],
      'while labs run: only Docker bridges and veths come and go, with IPv6 link-local only',
    );
    // The lab's links are veth pairs made inside its nodes: each end is in a node (its MAC read there), none on the host.
    const ends = (vethLinks(lab.plan) ?? []).flatMap((link) => link.ends);
    t.true(ends.length > 0, 'this lab wires its nodes with veth pairs');
    for (const end of ends)
      t.is(
        (await lab.exec(end.node, ['cat', `/sys/class/net/${end.iface}/address`])).stdout.trim(),
        end.mac,
        `${end.node} ${end.iface} is the link's end`,
      );
    const hostMacs = (JSON.parse((await execa('ip', ['-j', 'link'])).stdout) as { address?: string }[]).map(
      (link) => link.address,
    );
    t.deepEqual(
      ends.filter((end) => hostMacs.includes(end.mac)).map((end) => `${end.node} ${end.iface}`),
      [],
      "no end of the lab's links is in the host's namespace",
    );
    const hostAddresses = during.addresses.map((address) => address.local);
    t.deepEqual(
      hostAddresses.filter((address) => labAddresses.has(address)),
      [],
      'no lab address on any host interface',
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  await stop();
  const after = await readHostNetwork();
  t.deepEqual(
    hostNetworkChanges(before, after, isDockerLink),
    [],
    "after the lab: as before (other test files' labs may still run)",
  );
  let seen = 0;
  for (const capture of captures) {
    let packets;
    try {
      packets = readPcap(readFileSync(capture.file), capture.file).packets;
    } catch (error) {
      // An interface whose link type the reader does not decode (PPP, say): said, not silently passed.
      t.log(`${capture.name}: NOT CHECKED, its capture cannot be decoded: ${(error as Error).message}`);
      continue;
    }
    seen += packets.length;
    t.deepEqual(
      packetsTouching(packets, labAddresses).map((packet) => `${packet.src} > ${packet.dst}`),
      [],
      `no lab packet on ${capture.name}`,
    );
  }
  t.log(`captured ${seen} host packets on ${interfaces.join(', ')}; none from or to ${[...labAddresses].join(', ')}`);
});

/** Host sysctls a lab node could want to change: forwarding, reverse-path filtering, IPv6, and a few more. */
const hostSysctls = [
  'net.ipv4.ip_forward',
  'net.ipv6.conf.all.forwarding',
  'net.ipv6.conf.default.forwarding',
  'net.ipv4.conf.all.rp_filter',
  'net.ipv4.conf.default.rp_filter',
  'net.ipv4.conf.all.src_valid_mark',
  'net.ipv6.conf.all.disable_ipv6',
  'net.ipv6.conf.default.disable_ipv6',
  'net.ipv6.conf.all.accept_dad',
  'net.core.somaxconn',
  'net.ipv4.tcp_syncookies',
  'net.netfilter.nf_conntrack_udp_timeout',
  'net.netfilter.nf_conntrack_udp_timeout_stream',
  'net.netfilter.nf_conntrack_max',
  'kernel.domainname',
  'vm.swappiness',
];
const readSysctls = () =>
  Object.fromEntries(
    hostSysctls.map((key) => {
      const path = `/proc/sys/${key.replace(/\./g, '/')}`;
      // Conntrack's settings exist once its module is loaded: absent before and after is unchanged too.
      return [key, existsSync(path) ? readFileSync(path, 'utf8').trim() : '(absent)'];
    }),
  );
/** The host's nftables tables and interface MTUs: a lab's router rules and link MTUs stay in the lab's nodes. */
async function readHostFilters(): Promise<{ tables: string; mtus: string }> {
  const tables = await execa('nft', ['list', 'tables'], { reject: false });
  const links = await execa('ip', ['-o', 'link', 'show'], { reject: false });
  const mtus = links.stdout
    .split('\n')
    .filter((line) => !/veth|br-|docker/.test(line))
    .map((line) => /^\d+: ([^:@]+).* mtu (\d+)/.exec(line)?.slice(1, 3).join(' ') ?? '')
    .join(', ');
  return { tables: tables.stdout, mtus };
}

test.serial(
  "labs whose configs run sysctl PostUps (and nodes that set net.* themselves) leave the host's sysctls, addresses and routes as they were",
  async (t) => {
    const before = { sysctls: readSysctls(), network: await readHostNetwork() };
    const { captures, stop } = await captureHost(t, hostCaptureInterfaces());
    const labAddresses = new Set<string>();
    // Values unlike the host's, so a leak would show.
    const flip = (key: string) => `${key}=${before.sysctls[key] === '1' ? '0' : '1'}`;
    const filters = await readHostFilters();
    // Users' own files (sysctl PostUps), and the failures corpus: link MTUs, the router's nftables table (ICMP and
    // fragments dropped), scenario sysctls, exit peers that masquerade.
    for (const name of [
      'own-network/three-site-mesh',
      'own-network/transparent-ipv6',
      'failures/mtu-blackhole-exit-gateway',
      'failures/pppoe-mtu',
      // Resolvers (the ISP's on the router, one on an endpoint), DNS = through resolvconf, TCP listeners.
      'failures/dns-leak-fixed',
      'failures/ssh-lost-fixed',
      // A NAT node: its own conntrack timeouts and masquerade, over IPv4 and over IPv6 (ip6tables, NAT66).
      'failures/nat-keepalive',
      'failures/nat-keepalive-ipv6',
    ]) {
      await using lab = await startLab(loadScenario(new URL(`../../scenarios/${name}.yaml`, import.meta.url).pathname));
      const node = lab.plan.endpoints[0]!.name;
      for (const key of [
        'net.ipv4.ip_forward',
        'net.ipv6.conf.all.forwarding',
        'net.ipv4.conf.all.rp_filter',
        'net.ipv6.conf.default.disable_ipv6',
        'net.ipv4.tcp_syncookies',
      ]) {
        t.is(
          (await lab.exec(node, ['sysctl', '-w', flip(key)], { allowFailure: true })).exitCode,
          0,
          `${key} is the node's own`,
        );
      }
      await lab.exec(node, ['sysctl', '-w', `net.core.somaxconn=${Number(before.sysctls['net.core.somaxconn']) + 7}`], {
        allowFailure: true,
      });
      for (const key of ['kernel.domainname=wglab-leak', 'vm.swappiness=7'])
        t.not((await lab.exec(node, ['sysctl', '-w', key], { allowFailure: true })).exitCode, 0, `${key} is refused`);
      const during = { sysctls: readSysctls(), network: await readHostNetwork() };
      t.deepEqual(during.sysctls, before.sysctls, `${name}: host sysctls unchanged while the lab runs`);
      const duringFilters = await readHostFilters();
      t.is(duringFilters.tables, filters.tables, `${name}: no nftables table of the lab on the host`);
      t.is(duringFilters.mtus, filters.mtus, `${name}: host interface MTUs unchanged`);
      t.notRegex(duringFilters.tables, /wglab_internet/);
      t.deepEqual(
        hostNetworkChanges(before.network, during.network, isDockerLink),
        [],
        `${name}: host addresses and routes unchanged while the lab runs`,
      );
      for (const owner of lab.plan.addressOwners) labAddresses.add(owner.address);
      // The mesh's files say DNS = 1.1.1.1: a lookup of a name the lab does not know asks it, and must go nowhere.
      labAddresses.add('1.1.1.1');
      await lab.exec(node, ['timeout', '3', 'getent', 'hosts', 'not-in-the-lab.example'], { allowFailure: true });
      // Names the lab does not know, asked of the node's resolver and of one outside the lab: answered NXDOMAIN in
      // the lab, or lost in it; never asked of the host's resolvers.
      for (const command of [
        ['dig', '+tries=1', '+time=2', 'not-in-the-lab.example'],
        ['dig', '+tries=1', '+time=1', '@1.1.1.1', 'not-in-the-lab.example'],
      ])
        await lab.exec(node, command, { allowFailure: true });
      t.regex(
        (await lab.exec(node, ['cat', '/etc/resolv.conf'])).stdout,
        /^nameserver (169\.254\.0\.1|fe80::1%eth0|\S+)$/m,
        `${name}: the node resolves through a resolver of the lab`,
      );
      t.notRegex(
        (await lab.exec(node, ['cat', '/etc/resolv.conf'])).stdout,
        /127\.0\.0\.11/,
        `${name}: never the engine's DNS`,
      );
      for (const check of lab.scenario.checks)
        if (check.url !== undefined)
          await lab.exec(check.from, ['curl', '-sSk', '-o', '/dev/null', '--max-time', '3', check.url], {
            allowFailure: true,
          });
      t.deepEqual(
        during.network.addresses.filter((address) => labAddresses.has(address.local)),
        [],
        `${name}: no lab address (IPv4 or IPv6) on the host`,
      );
      t.deepEqual(
        during.network.routes.filter((route) => [...labAddresses].some((address) => route.dst.startsWith(address))),
        [],
        `${name}: no route to a lab address on the host`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.deepEqual(readSysctls(), before.sysctls, 'host sysctls unchanged after the labs');
    t.deepEqual(
      hostNetworkChanges(before.network, await readHostNetwork(), isDockerLink),
      [],
      'host addresses and routes as before',
    );
    await stop();
    for (const capture of captures) {
      const packets = readPcap(readFileSync(capture.file), capture.file).packets;
      t.deepEqual(
        packetsTouching(packets, labAddresses).map((packet) => `${packet.src} > ${packet.dst}`),
        [],
        `no lab packet (IPv4 or IPv6) on ${capture.name}`,
      );
    }
  },
);

test('negative control: the same checks catch lab packets and a changed route', (t) => {
  const leaked = readPcap(readFileSync('fixtures/pcap/router-any-sll.pcap')).packets;
  t.true(packetsTouching(leaked, labAddresses).length > 10);
  const network = { addresses: [{ ifname: 'eth0', family: 'inet', local: '192.0.2.2', prefixlen: 24 }], routes: [] };
  const changed = {
    ...network,
    routes: [{ family: 'inet', table: 'main', dst: '192.0.2.0/24', dev: 'br-0123456789ab' }],
  };
  t.deepEqual(hostNetworkChanges(network, changed, isDockerLink), [
    'added inet route 192.0.2.0/24 table main dev br-0123456789ab via -',
  ]);
  const linkLocal = {
    ...network,
    addresses: [...network.addresses, { ifname: 'br-0123456789ab', family: 'inet6', local: 'fe80::1', prefixlen: 64 }],
  };
  t.deepEqual(hostNetworkChanges(network, linkLocal, isDockerLink), []);
  t.deepEqual(hostNetworkChanges(network, linkLocal), ['added address fe80::1/64 on br-0123456789ab']);
  // An interface deleted while `ip` read the routes is named if<index>: its link-local routes are ignored, nothing else.
  const vanishing = {
    ...network,
    routes: [
      { family: 'inet6', table: 'main', dst: 'fe80::/64', dev: 'if9663' },
      { family: 'inet6', table: 'local', dst: 'ff00::/8', dev: 'if9663' },
    ],
  };
  t.deepEqual(hostNetworkChanges(network, vanishing, isDockerLink), []);
  const vanishingV4 = {
    ...network,
    routes: [{ family: 'inet', table: 'main', dst: '198.51.100.0/24', dev: 'if9663' }],
  };
  t.deepEqual(hostNetworkChanges(network, vanishingV4, isDockerLink), [
    'added inet route 198.51.100.0/24 table main dev if9663 via -',
  ]);
  t.false(isDockerLink('eth0'));
  t.false(isDockerLink('wg0'));
});
