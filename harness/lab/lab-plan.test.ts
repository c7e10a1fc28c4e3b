import test from 'ava';
import { loadScenario } from '../wgconf/load-scenario.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import { faultTarget } from './faults.ts';
import { nodeForHost, planLab } from './lab-plan.ts';

const scenario = (name: string) =>
  loadScenario(new URL(`../../scenarios/own-network/${name}.yaml`, import.meta.url).pathname);

test('a mesh plan: LAN hosts as nodes, names in /etc/hosts, servers found by name, address or config Address', (t) => {
  const mesh = scenario('three-site-mesh');
  const plan = planLab(mesh, { id: 'wglab-test' });
  t.deepEqual(
    plan.lanHosts.map((host) => [host.name, host.address, host.endpoint, host.prefix]),
    [
      ['pc-a', '192.168.1.10', 'siteA', 24],
      ['pc-b', '192.168.2.10', 'siteB', 24],
      ['pc-c', '192.168.3.10', 'siteC', 24],
    ],
  );
  t.deepEqual(
    plan.interfaces.map((face) => `${face.node}/${face.iface}:${face.listenPort}`),
    ['siteA/wg0:51820', 'siteB/wg0:51820', 'siteC/wg0:51820'],
  );
  t.true(plan.hosts.some((host) => host.host === 'vpn-b.example.net' && host.ipAddress === '203.0.113.20'));
  t.true(plan.hosts.some((host) => host.host === 'pc-c' && host.ipAddress === '192.168.3.10'));
  t.is(nodeForHost(plan, 'pc-c'), 'pc-c');
  t.is(nodeForHost(plan, '10.10.0.2'), 'siteB', "an address only site B's file defines");
  t.is(nodeForHost(plan, 'www.example.com'), 'web');
  t.true(
    plan.endpoints.find((endpoint) => endpoint.name === 'siteB')!.web,
    'siteB runs nginx: a URL names its address',
  );
  t.false(plan.endpoints.find((endpoint) => endpoint.name === 'siteA')!.web);
  t.false(plan.ipv6);
  t.is(faultTarget(plan, 'tunnel-down', 'pc-a', 'pc-c'), 'siteA', 'the endpoint a LAN host sits behind');
  t.is(faultTarget(plan, 'peer-down', 'pc-b', 'pc-c'), 'siteC', "the endpoint the URL's LAN host sits behind");
  t.is(faultTarget(plan, 'peer-down', 'siteA', '10.10.0.2'), 'siteB');
});

test('several interfaces on one node, and IPv6 switches nodes to IPv6', (t) => {
  const two = scenario('two-tunnels');
  const plan = planLab(two, { id: 'wglab-test' });
  t.deepEqual(
    plan.endpoints.find((endpoint) => endpoint.name === 'gw')!.interfaces.map((face) => face.iface),
    ['wg0', 'wg1'],
  );
  t.deepEqual(plan.wireguardPorts.sort(), [51820, 51821]);
  const v6 = scenario('ipv6-overlay');
  t.true(planLab(v6, { id: 'wglab-test' }).ipv6);
});
