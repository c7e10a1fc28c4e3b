import test from 'ava';
import { parseScenario } from '../load-scenario.ts';
import { parseWgConfig } from '../parse-wg-config.ts';
import { isOpaqueCommand } from './lint-context.ts';
import { lint, lintScenario } from './lint.ts';
import { lintWgConfigs } from './lint-wg-configs.ts';

const key = 'aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd28=';
const gateway = (postUp: string) => `[Interface]
PrivateKey = ${key}
Address = 10.20.1.1/32
Table = 1234
${postUp}
[Peer]
PublicKey = ${key}
AllowedIPs = 10.20.1.2/32, 192.168.50.0/24
`;
const unreachable = (postUp: string) =>
  lintWgConfigs([{ file: 'gw.conf', config: parseWgConfig(gateway(postUp), 'gw.conf') }]).filter(
    (finding) => finding.rule === 'peer-wgip-unreachable',
  );

test('a peer address nothing leads to is an error; a script lint cannot read makes it a warning that names the script', (t) => {
  t.is(unreachable('')[0]?.severity, 'error');
  const warned = unreachable('PostUp = /etc/wireguard/routes.sh %i')[0]!;
  t.is(warned.severity, 'warning');
  t.regex(warned.message, /unless `\/etc\/wireguard\/routes\.sh %i` \(line 5\), which lint cannot read, does/);
  t.is(
    unreachable(
      'PostUp = ip rule add to 10.20.1.2 table 1234 priority 100; PostDown = ip rule del to 10.20.1.2 table 1234 priority 100',
    ).length,
    0,
  );
  t.is(
    unreachable('PostUp = sysctl -w net.ipv4.ip_forward=1')[0]?.severity,
    'error',
    'a command lint reads is no excuse',
  );
});

test('which hook commands lint cannot read', (t) => {
  for (const words of [
    ['/etc/wireguard/updown.sh', 'up'],
    ['sh', 'x'],
    ['bash', '-c', 'y'],
    ['sudo', '/usr/local/bin/routes'],
    ['nft', '-f', 'rules'],
    ['./helper.py'],
    ['.', 'env.sh'],
  ])
    t.true(isOpaqueCommand(words), words.join(' '));
  for (const words of [
    ['ip', 'rule', 'add'],
    ['/sbin/ip', 'route', 'add'],
    ['iptables', '-A'],
    ['/usr/sbin/iptables-nft', '-A'],
    ['sysctl', '-w'],
    ['wg', 'set'],
    ['echo', 'x'],
    ['sudo', 'ip', 'rule'],
  ])
    t.false(isOpaqueCommand(words), words.join(' '));
});

test("a scenario's lint resolves Endpoint names as its endpoints, and gives generated files their line numbers", (t) => {
  const scenario = parseScenario(`name: named
endpoints:
  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }
  B: { publicIp: 203.0.113.2, wgIp: 10.0.0.2, listenPort: 51822, serves: app.example.com }
tunnel: { dialer: A, listener: B, transparent: [A] }
`);
  t.deepEqual(lintScenario(scenario), []);
  // The mesh's files name their peers vpn-a.example.net…; the scenario gives those names to its endpoints.
  const mesh = lint(['scenarios/own-network/three-site-mesh.yaml']).findings;
  t.deepEqual(
    mesh.filter((finding) => finding.rule === 'endpoint-hostname'),
    [],
  );
  const alone = lint([
    'fixtures/own-network/mesh-site-a.conf',
    'fixtures/own-network/mesh-site-b.conf',
    'fixtures/own-network/mesh-site-c.conf',
  ]).findings;
  t.true(
    alone.some((finding) => finding.rule === 'endpoint-hostname'),
    'control: the same files without the scenario leave names unchecked',
  );
  // Generated files carry the line numbers of the file the lab installs (the dual-stack pair's SNAT mismatch).
  const generated = lint(['scenarios/own-network/dual-stack-broken.yaml']).findings.filter(
    (finding) => finding.rule === 'snat-source-mismatch',
  );
  t.true(generated.length > 0);
  for (const finding of generated) {
    t.is(typeof finding.line, 'number');
    t.notRegex(finding.message, /undefined|not set/);
  }
});
