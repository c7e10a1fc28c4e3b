import test from 'ava';
import { readdirSync } from 'node:fs';
import { requestPackets, wireguardPackets } from '../../harness/evidence/flows.ts';
import { loadScenario } from '../../harness/wgconf/load-scenario.ts';
import { checkReport, scenarioReport } from '../../harness/report/scenario-report.ts';
import { runScenarios, type ScenarioRun } from '../../harness/verify/lab-pool.ts';
import { predictPlan } from '../../harness/api/explain.ts';
import { withPrediction } from '../../harness/api/run-scenarios.ts';
import { modelDisagreements } from '../lab/helpers.ts';

// The article's whole walkthrough, each step a scenario. The scenarios run two labs at a time, and a lab is
// reused (WireGuard reconfigured) for the next step with the same endpoints, as a user changing configs would:
// this also proves that reconfiguring leaves nothing of the previous step behind.
const dir = new URL('../../scenarios/article/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml'))
  .sort();
const scenarios = files.map((file) => loadScenario(dir + file));
let runs: Promise<ScenarioRun[]> | undefined;
const allRuns = () => (runs ??= runScenarios(scenarios, { concurrency: 2 }));

for (const [position, file] of files.entries()) {
  test.serial(`article: ${file}`, async (t) => {
    const scenario = scenarios[position]!;
    const run = (await allRuns())[position]!;
    const results = run.results;
    const predictions = predictPlan(run.plan, run.wireguard);
    const report = scenarioReport(
      run,
      results.map((result) => withPrediction(checkReport(result, false), predictions[result.index])),
    );
    t.log(`lab ${report.lab}, ${'reconfigure' in report.timings ? 'reused' : 'brought up'}`);
    for (const check of report.checks) {
      t.log(
        `${check.pass ? 'PASS' : 'FAIL'} ${check.from} ${check.url}${check.fault ? ` [${check.fault}]` : ''}: ${check.observed.path} as ${check.observed.sourceIp ?? '-'}${check.reasons.map((reason) => `\n  ${reason}`).join('')}`,
      );
    }
    t.true(report.pass, `${scenario.name}: every check passes`);
    t.deepEqual(modelDisagreements(report.checks), [], 'the routing model predicted what the lab saw');
    t.is(report.checks.length, scenario.checks.length);
    for (const result of results.filter((item) => item.verdict.observed.path === 'tunnel')) {
      // Through the tunnel, the internet sees only WireGuard UDP between the two listen ports.
      const internet = result.evidence.captures.find((capture) => capture.label === 'internet')!;
      const ports = Object.values(scenario.endpoints).flatMap((endpoint) =>
        endpoint.listenPort ? [endpoint.listenPort] : [],
      );
      t.true(
        wireguardPackets(internet.packets, ports).length > 0,
        `check ${result.index + 1}: WireGuard UDP at the router`,
      );
      // Checks without a fault share a capture session: TCP at the router may only be theirs (their client ports).
      const batch = results.filter((other) => other.evidence.captures === result.evidence.captures);
      const theirs = (packet: (typeof internet.packets)[number], other: (typeof batch)[number]) =>
        requestPackets(
          [{ ...packet, direction: undefined }],
          other.evidence.serverPort,
          other.evidence.request.localPort ?? other.evidence.request.localPorts,
        ).length > 0;
      const tcp = internet.packets.filter((packet) => packet.protocol === 6);
      t.deepEqual(
        tcp.filter((packet) => theirs(packet, result)),
        [],
        `check ${result.index + 1}: none of its TCP in clear at the router`,
      );
      t.deepEqual(
        tcp.filter((packet) => !batch.some((other) => theirs(packet, other))),
        [],
        `check ${result.index + 1}: no other TCP at the router than the other checks' of its batch`,
      );
    }
  });
}
