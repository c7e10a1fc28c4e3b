import test from 'ava';
import { loadScenario, parseScenario } from '../wgconf/load-scenario.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import { faultBesideRestart, faultTarget } from './faults.ts';
import { ispNameserver, nodeForHost, planLab, routerResolverIp6 } from './lab-plan.ts';
import { sameEndpoints } from './lab.ts';

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

test("a fault runs beside WireGuard's restart when it touches an end the restart then leaves, or only the router", (t) => {
  const plan = planLab(scenario('three-site-mesh'), { id: 'wglab-test' });
  const beside = (check: Parameters<typeof faultBesideRestart>[1]) => {
    const { leaving, together } = faultBesideRestart(plan, check);
    return [[...leaving], together];
  };
  t.deepEqual(beside({ from: 'pc-a', url: 'http://pc-c/', fault: 'tunnel-down' }), [['siteA'], true]);
  t.deepEqual(beside({ from: 'pc-b', url: 'http://pc-c/', fault: 'peer-down' }), [['siteC'], true]);
  t.deepEqual(beside({ from: 'pc-b', url: 'http://pc-c/', fault: { kind: 'tunnel-down', node: 'siteC' } }), [
    ['siteC'],
    true,
  ]);
  t.deepEqual(beside({ from: 'pc-a', url: 'http://pc-c/', fault: 'wireguard-blocked' }), [[], true], 'the router');
  t.deepEqual(beside({ from: 'pc-a', url: 'http://pc-c/', fault: 'wireguard-killed' }), [[], false], 'after');
  t.deepEqual(beside({ from: 'pc-a', url: 'http://pc-c/' }), [[], false], 'no fault');
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

test('a plan holds the servers checks need, and a lab is reused only for a scenario that needs the same ones', (t) => {
  const failures = (name: string) =>
    loadScenario(new URL(`../../scenarios/failures/${name}.yaml`, import.meta.url).pathname);
  const leak = planLab(failures('dns-leak'), { id: 'wglab-test' });
  t.deepEqual(leak.listeners, [
    { node: 'B', protocol: 'udp', port: 5353 },
    { node: 'B', protocol: 'tcp', port: 22 },
  ]);
  t.deepEqual(leak.pingTargets, ['B']);
  t.deepEqual(leak.resolvers, [{ node: 'internet' }, { node: 'B' }]);
  t.true(sameEndpoints(leak, planLab(failures('dns-leak'), { id: 'wglab-other' })));
  const fewer = { ...failures('dns-leak'), checks: failures('dns-leak').checks.slice(0, 3) };
  t.false(sameEndpoints(leak, planLab(fewer, { id: 'wglab-other' })), 'no listener in the other: not the same lab');
  const nat = planLab(failures('nat-keepalive'), { id: 'wglab-test' });
  t.deepEqual(
    nat.nodes.map((node) => [node.name, node.kind, node.networks]),
    [
      ['internet', 'router', ['wglab-test-A', 'wglab-test-B']],
      ['A-nat', 'nat', ['wglab-test-A', 'wglab-test-A-inside']],
      ['A', 'endpoint', ['wglab-test-A-inside']],
      ['B', 'endpoint', ['wglab-test-B']],
    ],
  );
  t.like(nat.endpoints[0]!.nat, {
    node: 'A-nat',
    address: '192.168.1.2',
    prefix: 24,
    gateway: '192.168.1.1',
    udpTimeout: 8,
  });
  t.like(nat.nodes[1]!.sysctls, { 'net.ipv4.ip_forward': '1', 'net.netfilter.nf_conntrack_udp_timeout': '8' });
});

test("a NAT over IPv6 (NAT66): the NAT forwards IPv6, takes the prefix's first address, the endpoint holds its own", (t) => {
  const plan = planLab(
    parseScenario(
      'name: t\nendpoints:\n  A: { publicIp: "2001:db8:1::1", nat: { address: "fd00:1::2/64", udpTimeout: 8 } }\n  B: { publicIp: "2001:db8:2::1" }\n',
    ),
    { id: 'wglab-test' },
  );
  t.like(plan.endpoints[0]!.nat, { node: 'A-nat', address: 'fd00:1::2', prefix: 64, gateway: 'fd00:1::1' });
  t.like(plan.nodes.find((node) => node.name === 'A-nat')!.sysctls, {
    'net.ipv6.conf.all.forwarding': '1',
    'net.netfilter.nf_conntrack_udp_timeout': '8',
  });
});

test("the ISP's resolver each node asks: 169.254.0.1 with IPv4, fe80::1 on eth0 on an IPv6 link, the router's own IPv6 address behind an IPv6 NAT", (t) => {
  const failures = (name: string) =>
    planLab(loadScenario(new URL(`../../scenarios/failures/${name}.yaml`, import.meta.url).pathname));
  const v6nat = failures('nat-keepalive-ipv6');
  const behind = v6nat.endpoints.find((endpoint) => endpoint.nat)!;
  const outside = v6nat.endpoints.find((endpoint) => !endpoint.nat)!;
  t.is(ispNameserver(v6nat, behind.name), routerResolverIp6);
  t.is(ispNameserver(v6nat, outside.name), 'fe80::1%eth0');
  const v4nat = failures('nat-keepalive');
  t.is(ispNameserver(v4nat, v4nat.endpoints.find((endpoint) => endpoint.nat)!.name), '169.254.0.1');
  t.is(ispNameserver(v4nat, 'no-such-node'), '169.254.0.1', 'a LAN host (no endpoint of that name) asks over IPv4');
  const dual = planLab(scenario('dual-stack'));
  for (const endpoint of dual.endpoints)
    t.is(
      ispNameserver(dual, endpoint.name),
      endpoint.publicIps.some((address) => !address.includes(':')) ? '169.254.0.1' : 'fe80::1%eth0',
    );
  t.true(
    dual.endpoints.some((endpoint) => endpoint.publicIps.length === 2),
    'one endpoint is dual-stack',
  );
});
