import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { runScenarios } from '../../harness/api/run-scenarios.ts';
import type { ScenarioReport } from '../../harness/report/report-model.ts';
import { loadScenario, parseScenario } from '../../harness/wgconf/load-scenario.ts';
import { modelDisagreements } from '../lab/helpers.ts';

// Failures people published, each as a pair: the broken setup with expectations that state the failure truthfully
// (a stall, a leak) and the published fix with the working setup's. Both must pass; a flipped expectation in each
// broken one must fail on that check, for a reason taken from the evidence.
const dir = new URL('../../scenarios/failures/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml'))
  .sort();
let truth: Promise<ScenarioReport[]> | undefined;
/** What each fault did, as `<scenario> <check number>` → its description. */
const faultsDone = new Map<string, string>();
const truthful = () =>
  (truth ??= runScenarios(
    files.map((file) => loadScenario(dir + file)),
    {
      concurrency: 2,
      onCheck: (_check, index, scenario, description) =>
        description && faultsDone.set(`${scenario.name} ${index + 1}`, description),
    },
  ).then((run) => run.reports));

test.serial('the failures corpus holds pairs: every broken setup has its fix beside it', (t) => {
  t.true(files.length >= 16, files.join(', '));
  for (const file of files.filter((name) => !/-(fixed|loose)\.yaml$/.test(name) && name !== 'kill-switch.yaml')) {
    const fix = file === 'kill-switch-missing.yaml' ? 'kill-switch.yaml' : file.replace(/\.yaml$/, '-fixed.yaml');
    t.true(files.includes(fix), `${file} has its fix ${fix}`);
  }
});

for (const [position, file] of files.entries()) {
  test.serial(`failures: ${file} passes with the truth as its expectation`, async (t) => {
    const report = (await truthful())[position]!;
    for (const check of report.checks)
      t.log(`${check.pass ? 'PASS' : 'FAIL'} ${check.from} ${check.target}: ${check.reasons.join('; ')}`);
    t.is(report.scenario, loadScenario(dir + file).name);
    t.true(report.pass);
    t.deepEqual(modelDisagreements(report.checks), [], 'the routing model predicted what the lab saw');
  });
}

/** A broken scenario with one expectation flipped, under a name of its own. */
function flipped(file: string, from: string, to: string) {
  const text = readFileSync(dir + file, 'utf8');
  t_assert(text.includes(from), `${file} holds ${from}`);
  return parseScenario(text.replace(/^name: (.*)$/m, 'name: flipped-$1').replace(from, to), dir + `flipped-${file}`);
}
function t_assert(ok: boolean, what: string): void {
  if (!ok) throw new Error(`the negative control cannot be built: ${what}`);
}

test.serial(
  "split-lan-overlap: the office's PostDown fails after wg-quick deleted wg0 (its -o bro typo); the fault took the tunnel down all the same and says what the hook said",
  async (t) => {
    const report = (await truthful())[files.indexOf('split-lan-overlap.yaml')]!;
    t.true(report.checks[3]!.pass, report.checks[3]!.reasons.join('; '));
    // Down indeed: the office's wg0 was gone while the check ran (the broken setup reads none with it up, too).
    t.regex(
      report.checks[3]!.captures.find((capture) => capture.label === 'office wg0')?.absent ?? '',
      /is down on office/,
    );
    t.regex(
      faultsDone.get('split-lan-overlap 4') ?? '',
      /^wg-quick down wg0 on office \(wg0 on office: wg-quick down deleted the interface, then a down hook failed \(exit 1\): `iptables .* -o bro -j MASQUERADE`: iptables: Bad rule/,
    );
  },
);

test.serial(
  'negative control: one flipped expectation in each broken setup fails that check, saying why',
  async (t) => {
    const { reports } = await runScenarios(
      [
        flipped('mtu-blackhole-exit-gateway.yaml', 'stalls: true', 'stalls: false'),
        flipped('pppoe-mtu.yaml', 'stalls: true', 'stalls: false'),
        flipped(
          'kill-switch-missing.yaml',
          'fault: wireguard-killed, expect: { path: internet, sourceIp: 198.51.100.1 }',
          'fault: wireguard-killed, expect: { path: none }',
        ),
        flipped(
          'ipv6-leak.yaml',
          'expect: { path: internet, sourceIp: "2001:db8:a::12" }',
          'expect: { path: tunnel, sourceIp: "2001:db8:b::70" }',
        ),
        flipped(
          'dns-leak.yaml',
          'expect: { path: internet, resolver: internet, sourceIp: 198.51.100.20 }',
          'expect: { path: internet, resolver: B, sourceIp: 198.51.100.20 }',
        ),
        flipped('ssh-lost.yaml', 'expect: { path: none }', 'expect: { path: internet }'),
        flipped('nat-keepalive.yaml', 'idle: 22, expect: { path: none }', 'idle: 22, expect: { path: tunnel }'),
        flipped('nat-rebind.yaml', 'idle: 3, expect: { path: none }', 'idle: 3, expect: { path: tunnel }'),
        flipped('rp-filter-strict.yaml', 'expect: { path: none }', 'expect: { path: tunnel, sourceIp: 203.0.113.50 }'),
        flipped('nat-keepalive-ipv6.yaml', 'idle: 22, expect: { path: none }', 'idle: 22, expect: { path: tunnel }'),
        flipped(
          'split-lan-overlap.yaml',
          'url: "http://192.168.20.50/", expect: { path: none }',
          'url: "http://192.168.20.50/", expect: { path: tunnel, sourceIp: 192.168.20.1 }',
        ),
      ],
      { concurrency: 2 },
    );
    const failing = reports.map((report) => report.checks.flatMap((check, index) => (check.pass ? [] : [index + 1])));
    t.deepEqual(
      failing,
      [[2], [2], [2], [2], [2], [2], [4], [2], [2], [3], [1]],
      'exactly the flipped check fails in each',
    );
    const reason = (at: number) => reports[at]!.checks[1]!.reasons.join(' ');
    t.regex(
      reason(0),
      /^the transfer stalled: 0 of 2000000 bytes arrived .*larger ones stopped after internet .*ICMP size errors: \d+ at internet \(MTU 1420\)/,
    );
    t.regex(reason(1), /^the transfer stalled: \d+ of 2000000 bytes arrived/);
    t.regex(reason(2), /^expected path none, observed internet: the request's TCP crossed the internet in clear/);
    t.regex(reason(3), /^expected path tunnel, observed internet/);
    t.regex(
      reason(4),
      /^expected the resolver of B to answer, the ISP's resolver \(internet\) did: .*query\[A\] intranet\.example\.com from 198\.51\.100\.20/,
    );
    t.regex(reports[6]!.checks[3]!.reasons.join(' '), /^expected path tunnel, observed none: curl failed \(exit 28/);
    t.regex(reports[7]!.checks[1]!.reasons.join(' '), /^expected path tunnel, observed none: curl failed \(exit 28/);
    t.regex(reports[9]!.checks[2]!.reasons.join(' '), /^expected path tunnel, observed none: curl failed \(exit 28/);
    // The office's answers to the client's tunnel address went out on its LAN: the request crossed the tunnel.
    t.regex(reports[10]!.checks[0]!.reasons.join(' '), /^expected path tunnel, observed none: curl failed \(exit 28/);
    t.true(
      reports[10]!.checks[0]!.seen.some((line) => /^office wg0: TCP/.test(line)),
      reports[10]!.checks[0]!.seen.join('\n'),
    );
    // The laptop's request went out through the tunnel; its answers reached the gateway's wg0 and no further.
    t.regex(reason(8), /^expected path tunnel, observed none: curl failed \(exit 28/);
    t.true(
      reports[8]!.checks[1]!.seen.some((line) => /^site wg0: TCP from ports/.test(line)),
      reports[8]!.checks[1]!.seen.join('\n'),
    );
    t.regex(
      reason(5),
      /^expected path internet, observed none: socat failed \(exit \d+: .*\) and the TCP listener logged nothing/,
    );
  },
);
