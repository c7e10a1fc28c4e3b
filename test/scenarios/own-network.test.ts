import test from 'ava';
import { execa } from 'execa';
import type { Lab } from '../../harness/lab/lab.ts';
import { redactedConfigs } from '../../harness/lab/lab-plan.ts';
import { startLab } from '../../harness/lab/start-lab.ts';
import { loadScenario } from '../../harness/wgconf/load-scenario.ts';
import type { CheckResult } from '../../harness/verify/run-check.ts';
import { runChecks } from '../../harness/verify/run-checks.ts';
import { modelDisagreements } from '../lab/helpers.ts';

// Users' own networks in the lab: their files as they are (DNS =, sysctl PostUps, hostnames in Endpoint, several
// interfaces, scripts from files:), sites with LANs, IPv6. Each scenario has a broken variant that must fail.

const scenario = (name: string) =>
  loadScenario(new URL(`../../scenarios/own-network/${name}.yaml`, import.meta.url).pathname);

/** The scenario's checks as `wglab run` runs them (checks without a fault together), WireGuard settled after. */
async function runAll(lab: Lab): Promise<CheckResult[]> {
  const results = await runChecks(lab);
  await lab.settleWireguard();
  return results;
}

const failures = (results: CheckResult[]) =>
  results
    .filter((result) => !result.verdict.pass)
    .map(
      (result) => `${result.index + 1} ${result.check.from} ${result.check.url}: ${result.verdict.reasons.join('; ')}`,
    );

test.serial(
  'three-site mesh from published-style files: LAN to LAN through the tunnel, LAN to the internet as the site, none with the tunnel down',
  async (t) => {
    await using lab = await startLab(scenario('three-site-mesh'));
    const results = await runAll(lab);
    t.deepEqual(failures(results), []);
    t.is(results.length, 7);
    // What the files ask of the node happened there, and nothing beyond the node's own network namespace.
    t.regex(
      (await lab.exec('siteA', ['cat', '/etc/resolv.conf'])).stdout,
      /^nameserver 1\.1\.1\.1$/m,
      'DNS = 1.1.1.1 through resolvconf',
    );
    t.is((await lab.exec('siteB', ['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '1');
    t.is(
      (await lab.exec('siteB', ['sysctl', '-w', 'net.ipv4.conf.all.rp_filter=2'], { allowFailure: true })).exitCode,
      0,
      'net.* is writable',
    );
    for (const key of ['kernel.domainname=wglab', 'vm.swappiness=1', 'fs.file-max=100000']) {
      const result = await lab.exec('siteB', ['sysctl', '-w', key], { allowFailure: true });
      t.not(result.exitCode, 0, `${key} must stay read-only`);
      t.regex(result.stderr, /permission denied|Read-only/i);
    }
    t.is(
      (await lab.exec('siteA', ['mount', '-o', 'remount,rw', '/proc/sys'], { allowFailure: true })).exitCode === 0,
      false,
      'a node cannot remount /proc/sys',
    );
    t.regex(
      (await lab.exec('siteA', ['getent', 'hosts', 'vpn-c.example.net'])).stdout,
      /^192\.0\.2\.30\s/,
      'names: resolve in the lab',
    );
    t.regex(
      (await lab.exec('siteA', ['wg', 'show', 'wg0', 'endpoints'])).stdout,
      /192\.0\.2\.30:51820/,
      'the hostname Endpoint resolved to site C',
    );
    // Evidence: LAN to LAN was on site A's LAN, its wg0, site C's wg0 and LAN; the internet carried only WireGuard UDP.
    const seen = results[0]!.verdict.seen.join('\n');
    for (const point of ['siteA LAN', 'siteA wg0', 'siteC wg0', 'siteC LAN'])
      t.regex(seen, new RegExp(`^${point}: the request's TCP`, 'm'));
    t.regex(seen, /^internet: none of the request's TCP, WireGuard UDP/m);
    t.log(
      `checks took ${results.map((result) => result.seconds.toFixed(1)).join(', ')} s; lab up in ${Object.values(
        lab.timings,
      )
        .reduce((a, b) => a + b, 0)
        .toFixed(1)} s`,
    );
  },
);

test.serial(
  'a gateway with two interfaces: FwMark, Table = 1234 with a script from files:, Table = off with nft, SaveConfig',
  async (t) => {
    await using lab = await startLab(scenario('two-tunnels'));
    const results = await runAll(lab);
    t.deepEqual(failures(results), []);
    t.is(
      (await lab.exec('gw', ['stat', '-c', '%a', '/etc/wireguard/updown.sh'])).stdout.trim(),
      '755',
      'files: keep their mode',
    );
    t.regex(
      (await lab.exec('gw', ['cat', '/run/updown-wg0.log'])).stdout,
      /wg0 up with fwmark 0x1234/,
      '$(wg show %i fwmark) in a hook script',
    );
    t.regex(
      (await lab.exec('gw', ['ip', 'rule'])).stdout,
      /not from all to 10\.20\.1\.0\/30 fwmark 0x1234 lookup 1234/,
    );
    await lab.exec('west', ['curl', '-sS', '-o', '/dev/null', 'http://10.20.2.1/']);
    t.regex(
      (await lab.exec('gw', ['nft', 'list', 'table', 'inet', 'wg1'])).stdout,
      /iifname "wg1" counter packets [1-9]/,
      'nft in hooks',
    );
    // The tunnel-down check took west's wg0 down: SaveConfig = true wrote the running config back.
    t.regex((await lab.exec('west', ['cat', '/etc/wireguard/wg0.conf'])).stdout, /^SaveConfig = true$/m);
  },
);

test.serial(
  'an IPv6 overlay over IPv4 endpoints from configs: passes, with IPv6 TCP on the tunnel and WireGuard over IPv4 outside',
  async (t) => {
    await using lab = await startLab(scenario('ipv6-overlay'));
    const results = await runAll(lab);
    t.deepEqual(failures(results), []);
    const first = results[0]!.evidence.captures;
    const inTunnel = first
      .find((capture) => capture.label === 'home wg0')!
      .packets.filter((packet) => packet.ipVersion === 6 && packet.protocol === 6);
    t.true(inTunnel.length > 0, 'IPv6 TCP on home wg0');
    t.is(inTunnel[0]!.src, 'fd00:10::1');
    const outside = first
      .find((capture) => capture.label === 'internet')!
      .packets.filter((packet) => packet.protocol === 17);
    t.true(
      outside.length > 0 && outside.every((packet) => packet.ipVersion === 4),
      'WireGuard UDP over IPv4 at the internet',
    );
  },
);

test.serial(
  'a generated transparent tunnel with IPv6-only public addresses passes, WireGuard and the clear path both over IPv6',
  async (t) => {
    await using lab = await startLab(scenario('transparent-ipv6'));
    const results = await runAll(lab);
    t.deepEqual(failures(results), []);
    t.regex(
      redactedConfigs(lab.plan).A!,
      /^PreUp = ip -6 rule add to 2001:db8:b::2 dport 51822 table main priority 455$/m,
    );
    const internet = (index: number) =>
      results[index]!.evidence.captures.find((capture) => capture.label === 'internet')!.packets;
    t.true(
      internet(0).some((packet) => packet.ipVersion === 6 && packet.protocol === 17 && packet.dstPort === 51822),
      'WireGuard UDP over IPv6',
    );
    t.true(
      internet(2).some((packet) => packet.ipVersion === 6 && packet.protocol === 6 && packet.src === '2001:db8:c::3'),
      "C's request in clear over IPv6",
    );
  },
);

test.serial('dual-stack ends with SNAT on A and an IPv6 LAN pass through wglab run', async (t) => {
  const run = await execa('node', ['bin/wglab.js', 'run', 'scenarios/own-network/dual-stack.yaml', '--json'], {
    reject: false,
  });
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const report = JSON.parse(run.stdout) as {
    checks: { pass: boolean; modelDisagrees?: string; predicted?: { path: string } }[];
  };
  t.is(report.checks.length, 6);
  t.deepEqual(modelDisagreements(report.checks), [], 'the routing model predicted what the lab saw');
});

const broken: Record<string, { failing: number[]; reason: RegExp }> = {
  'dual-stack-broken': { failing: [1, 2], reason: /expected path tunnel, observed none/ },
  'three-site-mesh-broken': { failing: [1], reason: /expected path tunnel, observed none/ },
  'two-tunnels-broken': { failing: [1], reason: /expected path tunnel, observed none/ },
  'ipv6-overlay-broken': { failing: [1, 2, 3], reason: /expected path tunnel, observed none/ },
  'transparent-ipv6-broken': { failing: [1], reason: /expected path tunnel, observed internet/ },
};

for (const [name, expected] of Object.entries(broken)) {
  test.serial(`negative control: ${name} fails where it is broken`, async (t) => {
    const run = await execa('node', ['bin/wglab.js', 'run', `scenarios/own-network/${name}.yaml`, '--json'], {
      reject: false,
    });
    t.is(run.exitCode, 1, run.stderr);
    const report = JSON.parse(run.stdout) as {
      checks: { pass: boolean; reasons: string[]; modelDisagrees?: string; predicted?: { path: string } }[];
    };
    t.deepEqual(
      report.checks.flatMap((check, index) => (check.pass ? [] : [index + 1])),
      expected.failing,
    );
    t.deepEqual(modelDisagreements(report.checks), [], 'the model predicted what the lab saw, broken or not');
    t.regex(report.checks[expected.failing[0]! - 1]!.reasons.join('\n'), expected.reason);
  });
}
