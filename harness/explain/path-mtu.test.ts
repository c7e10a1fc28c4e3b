import test from 'ava';
import { readFileSync } from 'node:fs';
import { planLab } from '../lab/lab-plan.ts';
import { parseScenario } from '../wgconf/load-scenario.ts';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import type { ModelInput } from './lab-network.ts';
import { predictChecks } from './predict-checks.ts';

// The model's MTUs over the failure pairs' files, one thing changed at a time: where a transfer's full segments (or
// a large ping) stop, and why. The pairs themselves agree with the lab (harness/api/explain.test.ts).
const dir = new URL('../../fixtures/failures/', import.meta.url).pathname;
const file = (name: string) => readFileSync(`${dir}${name}.conf`, 'utf8');
const site = file('exit-gateway-site');
const clampedSite = file('exit-gateway-site-mss-clamp');
const exit = file('exit-peer');
const home = file('pppoe-home');
const vps = file('pppoe-vps');

/** An exit-gateway lab (laptop → site → exit → web) with `internet:` and the exit's and site's link conditions. */
function exitGateway(
  internet: string,
  configs: { site: string; exit: string },
  options: { siteLink?: string; exitLink?: string; wireguard?: 'kernel' | 'userspace'; checks?: string[] } = {},
): ModelInput {
  const scenario = parseScenario(
    [
      'name: t',
      `internet: ${internet}`,
      'endpoints:',
      '  site:',
      '    publicIp: 198.51.100.10',
      '    lan: { address: 192.168.10.1/24, hosts: { laptop: 192.168.10.20 } }',
      '    sysctls: { net.ipv4.ip_forward: "1" }',
      ...(options.siteLink ? [`    link: ${options.siteLink}`] : []),
      `  exit: { publicIp: 203.0.113.50, sysctls: { net.ipv4.ip_forward: "1" }${options.exitLink ? `, link: ${options.exitLink}` : ''} }`,
      '  web: { publicIp: 192.0.2.80, serves: www.example.org }',
      `configs: { site: ${dir}exit-gateway-site.conf, exit: ${dir}exit-peer.conf }`,
      'checks:',
      ...(options.checks ?? ['{ from: laptop, url: "https://www.example.org/", bytes: 2000000 }']).map(
        (check) => `  - ${check}`,
      ),
      '',
    ].join('\n'),
  );
  const map = new Map([
    ['site', parseWgConfig(configs.site, 'site.conf')],
    ['exit', parseWgConfig(configs.exit, 'exit.conf')],
  ]);
  return {
    plan: planLab(scenario, { configs: map, id: 'test' }),
    configs: map,
    nodeFiles: {},
    ...(options.wireguard ? { wireguard: options.wireguard } : {}),
  };
}

/** The PPPoE lab (vps fetches from home over IPv6 outer packets) with home's file and `internet:`. */
function pppoe(internet: string, homeFile: string, checks?: string[]): ModelInput {
  const scenario = parseScenario(
    [
      'name: t',
      `internet: ${internet}`,
      'endpoints:',
      '  home: { publicIp: 2001:db8:20::20, link: { mtu: 1492 } }',
      '  vps: { publicIp: 2001:db8:30::30 }',
      `configs: { home: ${dir}pppoe-home.conf, vps: ${dir}pppoe-vps.conf }`,
      'checks:',
      ...(checks ?? ['{ from: vps, url: "https://10.10.0.1/", insecure: true, bytes: 2000000 }']).map(
        (check) => `  - ${check}`,
      ),
      '',
    ].join('\n'),
  );
  const map = new Map([
    ['home', parseWgConfig(homeFile, 'home.conf')],
    ['vps', parseWgConfig(vps, 'vps.conf')],
  ]);
  return { plan: planLab(scenario, { configs: map, id: 'test' }), configs: map, nodeFiles: {} };
}

const first = (input: ModelInput) => predictChecks(input)[0]!;
const outcome = (input: ModelInput) => {
  const { predicted } = first(input);
  return `${predicted.path}${predicted.stalls ? ' stalls' : ''}`;
};

test('a gateway that forwards 1500-byte segments into a 1420 tunnel: ICMP dropped on the internet stalls the transfer, delivered it does not', (t) => {
  const blackhole = exitGateway('{ icmp: drop }', { site, exit });
  t.is(outcome(blackhole), 'tunnel stalls');
  t.regex(
    first(blackhole).reason!,
    /exit wg0: the 1500-byte TCP segment does not fit \(MTU 1420\).*lost.*PMTU black hole/,
  );
  const icmpPasses = exitGateway('{ icmp: pass }', { site, exit });
  t.is(outcome(icmpPasses), 'tunnel');
  t.true(
    first(icmpPasses).steps.some((step) =>
      /ICMP "fragmentation needed" reaches 192\.0\.2\.80, which sends 1420-byte/.test(step.text),
    ),
  );
});

test('MSS clamping on the gateway: the SYN announces the tunnel MTU less 40, so the segments fit', (t) => {
  const clamped = exitGateway('{ icmp: drop }', { site: clampedSite, exit });
  t.is(outcome(clamped), 'tunnel');
  t.true(
    first(clamped).steps.some((step) =>
      /site: TCPMSS clamps the SYN's MSS 1460 → 1380 \(path MTU 1420\)/.test(step.text),
    ),
  );
  const fixed = clampedSite.replace(/--clamp-mss-to-pmtu/g, '--set-mss 1300');
  t.is(outcome(exitGateway('{ icmp: drop }', { site: fixed, exit })), 'tunnel');
  const tooHigh = clampedSite.replace(/--clamp-mss-to-pmtu/g, '--set-mss 1400');
  t.is(
    outcome(exitGateway('{ icmp: drop }', { site: tooHigh, exit })),
    'tunnel stalls',
    'an MSS of 1400 is 1440 bytes',
  );
});

test('MTU = on the exit lowers its tunnel: the segment that no longer fits is a black hole too', (t) => {
  const smallExit = exit.replace('ListenPort = 51820', 'ListenPort = 51820\nMTU = 1380');
  const clamped = exitGateway('{ icmp: drop }', { site: clampedSite, exit: smallExit });
  t.is(outcome(clamped), 'tunnel stalls', "the site's clamp is to its own tunnel (1420), the exit's is 1380");
});

test("IPv6 outer packets too large for the sender's link go in fragments: dropped fragments stall, passed ones do not, MTU = 1412 fits", (t) => {
  const broken = pppoe('{ fragments: drop }', home);
  t.is(outcome(broken), 'tunnel stalls');
  t.regex(first(broken).reason!, /the internet drops IP fragments/);
  t.true(
    first(broken).steps.some((step) =>
      /home eth0: MTU 1492: the 1500-byte WireGuard packet leaves in fragments/.test(step.text),
    ),
  );
  t.is(outcome(pppoe('{ fragments: pass }', home)), 'tunnel');
  t.is(outcome(pppoe('{ fragments: drop }', home.replace(/^MTU = 1420$/m, 'MTU = 1412'))), 'tunnel');
});

test("wg-quick's own MTU: without MTU = it takes the default route's device (1492 - 80), so the PPPoE home fits", (t) => {
  const noMtu = home.replace(/^MTU = 1420\n/m, '');
  t.is(outcome(pppoe('{ fragments: drop }', noMtu)), 'tunnel', 'no Endpoint: the default route leaves by eth0 (1492)');
});

test("an outer IPv4 packet too large for the receiving link: the router fragments kernel WireGuard's, drops wireguard-go's (DF) and its ICMP error", (t) => {
  // The laptop's segments get to the exit as 1420-byte inner packets; the exit's outer ones (1480) meet the
  // site's 1450-byte link at the router.
  const siteLink = (wireguard?: 'kernel' | 'userspace') =>
    exitGateway(
      '{ icmp: drop }',
      // MTU = 1420 as copied from a template: wg-quick would take 1450 - 80 from the site's link itself.
      { site: clampedSite.replace('[Interface]', '[Interface]\nMTU = 1420'), exit },
      { siteLink: '{ mtu: 1450 }', ...(wireguard ? { wireguard } : {}) },
    );
  t.is(outcome(siteLink('kernel')), 'tunnel', "kernel: no Don't Fragment, the router fragments");
  t.is(outcome(siteLink('userspace')), 'tunnel stalls', "wireguard-go: DF, and the router's ICMP error is dropped");
  t.regex(
    first(siteLink('userspace')).reason!,
    /internet → site: .*1480-byte WireGuard packet does not fit \(MTU 1450\)/,
  );
  t.is(outcome(siteLink()), 'unknown');
  t.regex(first(siteLink()).reason!, /which runs decides \(explain --wireguard\)/);
});

test('a ping with Don\'t Fragment: too large for the own tunnel is "message too long", one that fits is answered', (t) => {
  const ping = (size: number) => `{ from: vps, ping: 10.10.0.1, size: ${size} }`;
  const input = pppoe('{ fragments: pass }', home, [ping(1392), ping(1393)]);
  const [fits, tooLarge] = predictChecks(input);
  t.is(fits!.predicted.path, 'tunnel');
  t.is(tooLarge!.predicted.path, 'none');
  t.regex(tooLarge!.reason!, /vps wg0: the 1421-byte ping does not fit \(MTU 1420\): "message too long"/);
});

test("a ping with Don't Fragment too large for the link it is forwarded to: the router drops it and says so, none", (t) => {
  const ping = '{ from: web, ping: 203.0.113.50, size: 1372 }';
  t.is(outcome(exitGateway('{ icmp: pass }', { site, exit }, { checks: [ping] })), 'internet', 'it fits every link');
  const small = exitGateway('{ icmp: pass }', { site, exit }, { checks: [ping], exitLink: '{ mtu: 1300 }' });
  t.is(outcome(small), 'none');
  t.regex(
    first(small).reason!,
    /internet → exit: the 1400-byte ping does not fit \(MTU 1300\); 192\.0\.2\.80 gets ICMP "fragmentation needed"/,
  );
});

test('TCPMSS as users write it elsewhere: on the exit without -o (the route back to the laptop is the tunnel), in filter FORWARD; an unreadable mangle rule makes the MSS unknown', (t) => {
  const clampOnExit = exit.replace(
    'PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
    'PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE\nPostUp = iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
  );
  t.is(outcome(exitGateway('{ icmp: drop }', { site, exit: clampOnExit })), 'tunnel', 'clamped to the way back, 1420');
  const filterTable = clampedSite.replace(/-t mangle /g, '');
  t.is(outcome(exitGateway('{ icmp: drop }', { site: filterTable, exit })), 'tunnel', 'TCPMSS in filter FORWARD');
  const unreadable = site.replace(
    '[Peer]',
    'PostUp = iptables -t mangle -A FORWARD -m owner --uid-owner 0 -j ACCEPT\n[Peer]',
  );
  const input = exitGateway('{ icmp: drop }', { site: unreadable, exit });
  t.is(outcome(input), 'unknown');
  t.regex(first(input).reason!, /the SYN's MSS: site: iptables -t mangle FORWARD .*owner/);
});

test('a hook that sets the MTU (ip link set dev %i mtu) is the MTU; a sender that probes the path MTU itself is unknown, not a stall', (t) => {
  const hooked = home.replace(/^MTU = 1420$/m, 'MTU = 1420\nPostUp = ip link set dev %i mtu 1412');
  t.is(outcome(pppoe('{ fragments: drop }', hooked)), 'tunnel');
  const probing = exitGateway('{ icmp: drop }', { site, exit });
  probing.plan.nodes.find((node) => node.name === 'web')!.scenarioSysctls['net.ipv4.tcp_mtu_probing'] = '1';
  t.is(outcome(probing), 'unknown');
  t.regex(first(probing).reason!, /web probes the path MTU itself \(net\.ipv4\.tcp_mtu_probing = 1\)/);
});

test('fragments are no larger than the MTU that cut them: a smaller link further on passes them whole', (t) => {
  const scenario = pppoe('{ icmp: drop }', home);
  scenario.plan.links.find((link) => link.endpoint === 'vps' && link.kind === 'internet')!.conditions.mtu = 1492;
  t.is(outcome(scenario), 'tunnel', "home's 1492-byte fragments fit the vps's 1492-byte link");
});

test('an ICMP error is RELATED to its connection: a firewall that accepts RELATED lets "fragmentation needed" in', (t) => {
  const firewalled = exit.replace(
    'PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
    [
      'PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
      'PostUp = iptables -A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT',
      'PostUp = iptables -A INPUT -p udp --dport 51820 -j ACCEPT',
      'PostUp = iptables -P INPUT DROP',
    ].join('\n'),
  );
  const input = (exitFile: string) =>
    exitGateway(
      '{ icmp: pass }',
      { site: clampedSite.replace('[Interface]', '[Interface]\nMTU = 1420'), exit: exitFile },
      { siteLink: '{ mtu: 1450 }', wireguard: 'userspace' },
    );
  t.is(outcome(input(firewalled)), 'tunnel', "wireguard-go learns the site link's MTU and sends fragments");
  const strict = firewalled.replace('--state RELATED,ESTABLISHED', '--state ESTABLISHED');
  t.is(outcome(input(strict)), 'tunnel stalls', 'without RELATED the error is dropped at the exit');
  t.regex(
    first(input(strict)).reason!,
    /the ICMP "fragmentation needed" to 203\.0\.113\.50 is lost \(exit: the chain policy DROP drops it\)/,
  );
});
