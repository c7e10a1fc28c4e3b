import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap } from '../../harness/evidence/pcap.ts';
import { hostCaptureInterfaces, hostNetworkChanges, isDockerLink, packetsTouching, readHostNetwork } from '../../harness/lab/host-network.ts';
import { routerLinkIp } from '../../harness/lab/lab-plan.ts';
import { startLab } from '../../harness/lab/start-lab.ts';
import { article } from './helpers.ts';

const scenario = article('07-snat-on-a');
const labAddresses = new Set([routerLinkIp, ...Object.values(scenario.endpoints).flatMap((endpoint) => [endpoint.publicIp, ...(endpoint.wgIp ? [endpoint.wgIp] : [])])]);

test.serial('no lab packet reaches the host\'s interfaces, and the host keeps its addresses and routes', async (t) => {
  const before = await readHostNetwork();
  const dir = mkdtempSync(join(tmpdir(), 'wglab-host-'));
  const interfaces = hostCaptureInterfaces();
  t.true(interfaces.length > 0);
  const captures = interfaces.map((name) => ({
    name,
    file: join(dir, `${name}.pcap`),
    process: execa('tcpdump', ['-i', name, '-n', '-U', '--immediate-mode', '-w', join(dir, `${name}.pcap`)], { reject: false }),
  }));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  {
    await using lab = await startLab(scenario);
    // Traffic of every kind the lab makes: through the tunnel, over the internet, to the WireGuard IP, a failed name lookup, pings.
    for (const [node, args] of [
      ['A', ['curl', '-sS', '-o', '/dev/null', 'https://app.example.com/']],
      ['C', ['curl', '-sS', '-o', '/dev/null', 'https://app.example.com/']],
      ['A', ['curl', '-sS', '-k', '-o', '/dev/null', 'https://10.0.0.2/']],
      ['C', ['ping', '-c', '2', '-i', '0.2', '198.51.100.1']],
      ['A', ['timeout', '2', 'getent', 'hosts', 'not-in-the-lab.example']],
    ] as const) await lab.exec(node, [...args], { allowFailure: true });
    const during = await readHostNetwork();
    t.deepEqual(hostNetworkChanges(before, during, isDockerLink), [], 'while labs run: only Docker bridges and veths come and go, with IPv6 link-local only');
    const hostAddresses = during.addresses.map((address) => address.local);
    t.deepEqual(hostAddresses.filter((address) => labAddresses.has(address)), [], 'no lab address on any host interface');
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const capture of captures) capture.process.kill('SIGINT');
  await Promise.all(captures.map((capture) => capture.process));
  const after = await readHostNetwork();
  t.deepEqual(hostNetworkChanges(before, after, isDockerLink), [], 'after the lab: as before (other test files\' labs may still run)');
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
    t.deepEqual(packetsTouching(packets, labAddresses).map((packet) => `${packet.src} > ${packet.dst}`), [], `no lab packet on ${capture.name}`);
  }
  t.log(`captured ${seen} host packets on ${interfaces.join(', ')}; none from or to ${[...labAddresses].join(', ')}`);
});

test('negative control: the same checks catch lab packets and a changed route', (t) => {
  const leaked = readPcap(readFileSync('fixtures/pcap/router-any-sll.pcap')).packets;
  t.true(packetsTouching(leaked, labAddresses).length > 10);
  const network = { addresses: [{ ifname: 'eth0', family: 'inet', local: '192.0.2.2', prefixlen: 24 }], routes: [] };
  const changed = { ...network, routes: [{ family: 'inet', table: 'main', dst: '192.0.2.0/24', dev: 'br-0123456789ab' }] };
  t.deepEqual(hostNetworkChanges(network, changed, isDockerLink), ['added inet route 192.0.2.0/24 table main dev br-0123456789ab via -']);
  const linkLocal = { ...network, addresses: [...network.addresses, { ifname: 'br-0123456789ab', family: 'inet6', local: 'fe80::1', prefixlen: 64 }] };
  t.deepEqual(hostNetworkChanges(network, linkLocal, isDockerLink), []);
  t.deepEqual(hostNetworkChanges(network, linkLocal), ['added address fe80::1/64 on br-0123456789ab']);
});
