import test from 'ava';
import { readFileSync } from 'node:fs';
import { planLab } from '../lab/lab-plan.ts';
import { parseScenario } from '../wgconf/load-scenario.ts';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import type { ModelInput } from './lab-network.ts';
import { predictChecks } from './predict-checks.ts';

// The model over small labs: the article's files with one change each, the checks as wglab run would send them.
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/article/${name}.conf`, import.meta.url), 'utf8');
const A = fixture('transparent-a-prefix-A');
const B = fixture('point-to-point-B');
const bothB = fixture('transparent-both-B');
const endpoints = `endpoints:
  A: { publicIp: 198.51.100.1 }
  B: { publicIp: 203.0.113.2, serves: app.example.com }
  C: { publicIp: 192.0.2.3 }
`;

const fixtures = new URL('../../fixtures/article/', import.meta.url).pathname;
/** The scenario names the article's files (so it validates); the model gets the texts given here instead. */
function model(checks: string[], configs: Record<string, string>): ModelInput {
  const files = `configs: { A: ${fixtures}transparent-a-prefix-A.conf, B: ${fixtures}point-to-point-B.conf }\n`;
  const scenario = parseScenario(
    `name: t\n${endpoints}${files}checks:\n${checks.map((check) => `  - ${check}\n`).join('')}`,
  );
  const map = new Map(Object.entries(configs).map(([key, text]) => [key, parseWgConfig(text, `${key}.conf`)]));
  return { plan: planLab(scenario, { configs: map, id: 'test' }), configs: map, nodeFiles: {} };
}
const outcome = (input: ModelInput) =>
  predictChecks(input).map(({ predicted }) =>
    predicted.path === 'none' || predicted.path === 'unknown'
      ? predicted.path
      : `${predicted.path} ${predicted.sourceIp}`,
  );
const reasons = (input: ModelInput) => predictChecks(input).map((prediction) => prediction.reason);
const app = '{ from: A, url: "https://app.example.com/" }';

test("the article's transparent A: through the tunnel as 10.0.0.1; C in clear", (t) => {
  t.deepEqual(outcome(model([app, '{ from: C, url: "https://app.example.com/" }'], { A, B })), [
    'tunnel 10.0.0.1',
    'internet 192.0.2.3',
  ]);
});

test('a listening end without Endpoint cannot send until its peer has dialed it; a fault restarts WireGuard and it forgets', (t) => {
  const fromB = '{ from: B, url: "https://10.0.0.1/", insecure: true }';
  const input = model(
    [fromB, app, fromB, `{ from: C, url: "https://app.example.com/", fault: wireguard-blocked }`, fromB],
    { A, B },
  );
  t.deepEqual(outcome(input), ['none', 'tunnel 10.0.0.1', 'tunnel 10.0.0.2', 'internet 192.0.2.3', 'none']);
  t.regex(reasons(input)[0]!, /B wg0: peer A has no Endpoint and has not heard from it yet/);
  const keepalive = A.replace('Endpoint = 203.0.113.2:51822', 'Endpoint = 203.0.113.2:51822\nPersistentKeepalive = 25');
  t.deepEqual(outcome(model([fromB], { A: keepalive, B })), ['tunnel 10.0.0.2'], 'PersistentKeepalive dials at up');
});

test('a kill switch left behind by wg-quick down (no PreDown/PostDown removes it) rejects the request at once', (t) => {
  const killSwitch = A.replace(
    'Table = 123',
    'Table = 123\nPostUp = iptables -I OUTPUT ! -o %i -m addrtype ! --dst-type LOCAL -p tcp -j REJECT',
  );
  const input = model([app, `{ from: A, url: "https://app.example.com/", fault: tunnel-down }`], { A: killSwitch, B });
  t.deepEqual(outcome(input), ['tunnel 10.0.0.1', 'none']);
  t.regex(reasons(input)[1]!, /A: iptables OUTPUT ! -o wg0 .* -j REJECT rejects it/);
  t.notRegex(predictChecks(input)[1]!.reason!, /dropped silently/, 'REJECT fails at once');
});

test('the reply goes back through the server: B transparent sends its answer to a downed A into the tunnel', (t) => {
  // In file order (an idle: wait keeps it), B still knows where it heard from A before: the reply goes out to A.
  const input = model([app, `{ from: A, url: "https://app.example.com/", fault: tunnel-down, idle: 1 }`], {
    A,
    B: bothB,
  });
  t.deepEqual(outcome(input), ['tunnel 10.0.0.1', 'none']);
  t.regex(reasons(input)[1]!, /^the reply is lost: nothing listens on A UDP 51821/);
  t.deepEqual(predictChecks(input)[1]!.predicted, { path: 'none' });
  t.regex(predictChecks(input)[1]!.reason!, /dropped silently: curl waits for its timeout\)$/);
  const first = model([`{ from: A, url: "https://app.example.com/", fault: tunnel-down }`], { A, B: bothB });
  t.regex(reasons(first)[0]!, /^the reply is lost: B wg0: peer A has no Endpoint and has not heard from it yet/);
  // Otherwise the lab restarts WireGuard before a fault that takes an end down, after checks without one: B has
  // forgotten A, as when the fault comes first.
  const restarted = model([app, `{ from: A, url: "https://app.example.com/", fault: tunnel-down }`], { A, B: bothB });
  t.deepEqual(outcome(restarted), ['tunnel 10.0.0.1', 'none']);
  t.regex(reasons(restarted)[1]!, /^the reply is lost: B wg0: peer A has no Endpoint and has not heard from it yet/);
});

test('checks whose fault takes an end down are predicted after the others, from a restart, and come back in file order', (t) => {
  const input = model([`{ from: A, url: "https://app.example.com/", fault: tunnel-down }`, app], { A, B: bothB });
  t.deepEqual(outcome(input), ['none', 'tunnel 10.0.0.1'], 'file order');
  // Run after the check without a fault, it starts from the restart the lab makes: B has forgotten A.
  t.regex(reasons(input)[0]!, /^the reply is lost: B wg0: peer A has no Endpoint and has not heard from it yet/);
});

test('a request in clear whose reply comes back through the tunnel is neither path: unknown, with why', (t) => {
  // B routes C's address into the tunnel (AllowedIPs in main); A takes B's public IP from the tunnel and forwards.
  const routesC = B.replace('AllowedIPs = 10.0.0.1/32', 'AllowedIPs = 10.0.0.1/32, 192.0.2.3/32');
  const input = model([app, '{ from: C, url: "https://app.example.com/" }'], { A, B: routesC });
  t.deepEqual(outcome(input), ['tunnel 10.0.0.1', 'unknown']);
  t.regex(reasons(input)[1]!, /one through the tunnel and one in clear/);
});

test('rp_filter=1 set by a hook drops a packet whose way back leaves by another interface', (t) => {
  const strict = B.replace(
    'ListenPort = 51822',
    'ListenPort = 51822\nPostUp = sysctl -w net.ipv4.conf.all.rp_filter=1',
  ).replace('AllowedIPs = 10.0.0.1/32', 'AllowedIPs = 10.0.0.1/32, 192.0.2.3/32');
  const input = model(['{ from: C, url: "https://app.example.com/" }'], { A, B: strict });
  t.deepEqual(outcome(input), ['none']);
  t.regex(reasons(input)[0]!, /B: rp_filter=1 drops it \(the way back to 192\.0\.2\.3 leaves by wg0, not eth0\)/);
  const loose = strict.replace('rp_filter=1', 'rp_filter=2');
  const loosely = model(['{ from: C, url: "https://app.example.com/" }'], { A, B: loose });
  t.notRegex(reasons(loosely)[0] ?? '', /rp_filter/, 'loose: a way back exists');
});

test('DNAT on the server: the request reaches the translated address, the reply is translated back', (t) => {
  const dnat = B.replace(
    'ListenPort = 51822',
    'ListenPort = 51822\nPostUp = iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 8443 -j DNAT --to-destination 10.0.0.2:443',
  );
  const input = model(['{ from: C, url: "https://app.example.com:8443/" }'], { A, B: dnat });
  t.deepEqual(outcome(input), ['internet 192.0.2.3']);
  const why = predictChecks(input)[0]!.steps.map((step) => step.text);
  t.true(why.includes('B: DNAT 203.0.113.2 → 10.0.0.2'));
  t.true(why.includes('reply: B: conntrack undoes the DNAT: 10.0.0.2 → 203.0.113.2'));
});

test('SNAT on the client: the server sees the translated source and the reply is translated back on the client', (t) => {
  const snat = A.replace(
    'Table = 123',
    'Table = 123\nPreUp = iptables -t nat -A POSTROUTING -s 10.0.0.1 -d 203.0.113.2 -j SNAT --to-source 198.51.100.1',
  );
  const input = model([app], { A: snat, B: bothB });
  t.deepEqual(outcome(input), ['tunnel 198.51.100.1']);
  const why = predictChecks(input)[0]!.steps.map((step) => step.text);
  t.true(why.some((step) => /^A: SNAT 10\.0\.0\.1 → 198\.51\.100\.1/.test(step)));
  t.true(why.includes('A: conntrack undoes the SNAT: 198.51.100.1 → 10.0.0.1'), why.join('\n'));
  t.deepEqual(
    outcome(model([app], { A: snat, B })),
    ['none'],
    "B's source check drops what A sends from its public IP",
  );
});

test('a rule the model cannot read makes the check unknown and names it; a rule off the path does not', (t) => {
  const unread = A.replace(
    'Table = 123',
    'Table = 123\nPostUp = ip rule add uidrange 1000-2000 table 123 priority 100',
  );
  const input = model([app], { A: unread, B });
  t.deepEqual(outcome(input), ['unknown']);
  t.regex(reasons(input)[0]!, /A: the rule selector uidrange is not modelled \(PostUp, line \d+ of A\.conf\)/);
  const offPath = A.replace('Table = 123', 'Table = 123\nPostUp = iptables -A FORWARD -m owner --uid-owner 1 -j DROP');
  t.deepEqual(outcome(model([app], { A: offPath, B })), ['tunnel 10.0.0.1'], 'FORWARD is not on the way');
});

test('peer keys must pair: another key at the far end fails the handshake', (t) => {
  const stranger = B.replace(
    '/TOE4TKtAqVsePRVR+5AA43HkAK5DSntkOCO7nYq5xU=',
    'fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=',
  );
  const input = model(['{ from: A, url: "https://10.0.0.2/", insecure: true }'], { A, B: stranger });
  t.deepEqual(outcome(input), ['none']);
  t.regex(reasons(input)[0]!, /B wg0 has no \[Peer\] with A wg0's key: the handshake fails/);
});

test('an address that no web server holds is refused at once', (t) => {
  const input = model(['{ from: C, url: "https://198.51.100.1/", insecure: true }'], { A, B });
  t.deepEqual(outcome(input), ['internet 192.0.2.3']);
});

// A gateway that policy-routes its LAN into the tunnel (fixtures/failures/policy-gateway-site.conf) under strict
// reverse-path filtering, as the lab showed it (scenarios/failures/rp-filter-strict*.yaml and by hand on 6.18).
const failures = new URL('../../fixtures/failures/', import.meta.url).pathname;
const pbrSite = readFileSync(`${failures}policy-gateway-site.conf`, 'utf8');
function gateway(site: string, sysctls: string): ModelInput {
  const scenario = parseScenario(`name: g
endpoints:
  site:
    publicIp: 198.51.100.10
    lan: { address: 192.168.10.1/24, hosts: { laptop: 192.168.10.20 } }
    sysctls: { net.ipv4.ip_forward: "1"${sysctls} }
  exit: { publicIp: 203.0.113.50, sysctls: { net.ipv4.ip_forward: "1" } }
  web: { publicIp: 192.0.2.80, serves: www.example.org }
configs: { site: ${failures}policy-gateway-site.conf, exit: ${failures}exit-peer.conf }
checks:
  - { from: laptop, url: "https://www.example.org/" }
`);
  const exit = readFileSync(`${failures}exit-peer.conf`, 'utf8');
  const map = new Map([
    ['site', parseWgConfig(site, 'site.conf')],
    ['exit', parseWgConfig(exit, 'exit.conf')],
  ]);
  return { plan: planLab(scenario, { configs: map, id: 'test' }), configs: map, nodeFiles: {} };
}
const strict = ', net.ipv4.conf.all.rp_filter: "1", net.ipv4.conf.default.rp_filter: "1"';

test('strict rp_filter drops the tunnel answers to a LAN routed by mark: the check of the way back carries no mark', (t) => {
  const input = gateway(pbrSite, strict);
  t.deepEqual(outcome(input), ['none']);
  t.regex(reasons(input)[0]!, /site: rp_filter=1 drops it \(the way back to 192\.0\.2\.80 leaves by eth0, not wg0\)/);
  t.deepEqual(outcome(gateway(pbrSite, strict.replaceAll('"1"', '"2"'))), ['tunnel 203.0.113.50'], 'loose: it passes');
});

test('strict rp_filter checks a forwarded packet as if it came in where it leaves: an iif rule for the LAN matches', (t) => {
  const byIif = pbrSite
    .replace(/^Post(Up|Down) = iptables .*$/gm, '')
    .replaceAll('fwmark 0x10000 lookup 123', 'iif eth1 lookup 123');
  t.deepEqual(outcome(gateway(byIif, strict)), ['tunnel 203.0.113.50']);
});

test("rp_filter=1 for all alone leaves wg0 loose: it takes default (the lab's 2) when it is made", (t) => {
  t.deepEqual(outcome(gateway(pbrSite, ', net.ipv4.conf.all.rp_filter: "1"')), ['tunnel 203.0.113.50']);
  const hooked = pbrSite.replace(/^Table = 123$/m, 'Table = 123\nPostUp = sysctl -w net.ipv4.conf.wg0.rp_filter=1');
  t.deepEqual(outcome(gateway(hooked, '')), ['tunnel 203.0.113.50'], "wg0's own 1 under all=2: the larger, loose");
  t.deepEqual(
    outcome(gateway(hooked, ', net.ipv4.conf.all.rp_filter: "0"')),
    ['none'],
    "wg0's own 1 under all=0: strict",
  );
});

test("an exit peer that forwards only by the lab's default says so; sysctls or a PostUp that turn it on, or a direct request, say nothing", (t) => {
  const failures = new URL('../../fixtures/failures/', import.meta.url).pathname;
  const client = readFileSync(`${failures}full-tunnel-client.conf`, 'utf8');
  const exit = readFileSync(`${failures}full-tunnel-exit.conf`, 'utf8');
  const notes = (exitSysctls: string, exitFile: string, url = 'https://www.example.org/') => {
    const scenario = parseScenario(`name: t
endpoints:
  A: { publicIp: 198.51.100.1 }
  B: { publicIp: 203.0.113.2${exitSysctls} }
  C: { publicIp: 192.0.2.3, serves: www.example.org }
configs: { A: ${failures}full-tunnel-client.conf, B: ${failures}full-tunnel-exit.conf }
checks:
  - { from: A, url: "${url}" }
`);
    const map = new Map([
      ['A', parseWgConfig(client, 'A.conf')],
      ['B', parseWgConfig(exitFile, 'B.conf')],
    ]);
    const [prediction] = predictChecks({
      plan: planLab(scenario, { configs: map, id: 'test' }),
      configs: map,
      nodeFiles: {},
    });
    t.is(prediction!.predicted.path, 'tunnel');
    return prediction!.steps.filter((step) => /only because lab nodes do/.test(step.text)).map((step) => step.text);
  };
  t.deepEqual(notes('', exit), [
    "B forwards IPv4 only because lab nodes do (they inherit the Docker host's net.ipv4.ip_forward=1): a fresh Linux host does not, and no sysctl in B's files or the scenario's sysctls turns it on",
  ]);
  t.deepEqual(notes(', sysctls: { net.ipv4.ip_forward: "1" }', exit), [], "the scenario's sysctls");
  t.deepEqual(notes(', sysctls: { net.ipv4.conf.all.forwarding: "1" }', exit), [], 'the same switch by its other name');
  const withPostUp = exit.replace('PostUp = iptables', 'PostUp = sysctl -w net.ipv4.ip_forward=1\nPostUp = iptables');
  t.deepEqual(notes('', withPostUp), [], 'a PostUp');
  t.deepEqual(notes('', exit, 'https://10.9.0.1/'), [], 'B answers itself: nothing forwarded');
});

test('the forwarding note is about IPv4 only: an exit that forwards IPv6 by its sysctl says nothing on the IPv6 check', (t) => {
  const path = new URL('../../scenarios/failures/ipv6-leak-fixed.yaml', import.meta.url).pathname;
  const text = readFileSync(path, 'utf8').replace(
    'net.ipv4.ip_forward: "1", net.ipv6.conf.all.forwarding: "1"',
    'net.ipv6.conf.all.forwarding: "1"',
  );
  const scenario = parseScenario(text, path);
  const failures = new URL('../../fixtures/failures/', import.meta.url).pathname;
  const map = new Map([
    ['A', parseWgConfig(readFileSync(`${failures}ipv6-leak-client-fixed.conf`, 'utf8'), 'A.conf')],
    ['B', parseWgConfig(readFileSync(`${failures}ipv6-leak-exit.conf`, 'utf8'), 'B.conf')],
  ]);
  const [v4, v6] = predictChecks({
    plan: planLab(scenario, { configs: map, id: 'test' }),
    configs: map,
    nodeFiles: {},
  });
  const noted = (prediction: typeof v4) =>
    prediction!.steps.some((step) => /forwards IPv4 only because lab nodes do/.test(step.text));
  t.is(v6!.predicted.path, 'tunnel');
  t.false(noted(v6), 'IPv6 forwarding was set');
  t.true(noted(v4), 'IPv4 forwarding was not');
});

test('a name with IPv4 and IPv6 addresses is reached as glibc orders them: a ULA-only IPv6 source loses to IPv4, a global one wins', (t) => {
  const path = new URL('../../scenarios/failures/ipv6-leak-fixed.yaml', import.meta.url).pathname;
  const failures = new URL('../../fixtures/failures/', import.meta.url).pathname;
  const text = readFileSync(path, 'utf8').replace(
    /^checks:[\s\S]*$/m,
    'checks:\n  - { from: A, url: "https://shop.example.com/" }\n',
  );
  const predict = (client: string, exit: string) => {
    const map = new Map([
      ['A', parseWgConfig(client, 'A.conf')],
      ['B', parseWgConfig(exit, 'B.conf')],
    ]);
    return outcome({
      plan: planLab(parseScenario(text, path), { configs: map, id: 'test' }),
      configs: map,
      nodeFiles: {},
    });
  };
  const client = readFileSync(`${failures}ipv6-leak-client-fixed.conf`, 'utf8');
  const exit = readFileSync(`${failures}ipv6-leak-exit.conf`, 'utf8');
  t.deepEqual(predict(client, exit), ['tunnel 203.0.113.70'], 'fd12::2 is the only IPv6 source: IPv4 first');
  const global = (file: string) => file.replaceAll('fd12::', '2001:db8:12::');
  t.deepEqual(predict(global(client), global(exit)), ['tunnel 2001:db8:b::70'], 'a global IPv6 source: IPv6 first');
  const leaking = readFileSync(`${failures}ipv6-leak-client.conf`, 'utf8');
  t.deepEqual(predict(leaking, exit), ['internet 2001:db8:a::12'], 'the leak: IPv6 from the public address, first');
});
