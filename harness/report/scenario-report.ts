import { countable, describeFlow, summarizeFlows } from '../evidence/flows.ts';
import { redactedConfigs } from '../lab/lab-plan.ts';
import { checkTarget } from '../scenario/check-target.ts';
import { faultKind, faultNode } from '../scenario/scenario.ts';
import type { CheckResult } from '../verify/run-check.ts';
import type { ScenarioRun } from '../verify/lab-pool.ts';
import { checkArtifactDir, pcapName } from './artifacts.ts';
import type { CheckReport, ScenarioReport, TopologyReport } from './report-model.ts';

/** A check's report from its result; with `kept`, each capture names its pcap under the artifacts. */
export function checkReport(result: CheckResult, kept: boolean): CheckReport {
  const { check, verdict, evidence } = result;
  const target = checkTarget(check);
  const dir = checkArtifactDir(result.index, { from: check.from, fault: faultKind(check) ?? null });
  return {
    from: check.from,
    to: result.server,
    kind: target.kind,
    target: target.text,
    ...(check.url === undefined ? {} : { url: check.url }),
    fault: faultKind(check) ?? null,
    ...(faultNode(check) ? { faultNode: faultNode(check) } : {}),
    // A check without expect (being recorded) has nothing to pass or fail on but its evidence.
    expected: check.expect
      ? {
          sourceIp: check.expect.sourceIp ?? null,
          path: check.expect.path,
          ...(check.bytes === undefined ? {} : { stalls: check.expect.stalls ?? false }),
          ...(check.expect.resolver === undefined ? {} : { resolver: check.expect.resolver }),
        }
      : { sourceIp: null, path: 'unrecorded' },
    observed: {
      sourceIp: verdict.observed.sourceIp ?? null,
      path: verdict.observed.path,
      httpStatus: verdict.observed.httpStatus ?? null,
      ...(verdict.observed.stalls === undefined
        ? {}
        : { stalls: verdict.observed.stalls, bytes: verdict.observed.bytes ?? 0 }),
      ...(verdict.observed.resolver === undefined ? {} : { resolver: verdict.observed.resolver }),
      ...(evidence.request.dnsStatus === undefined
        ? {}
        : { dnsStatus: evidence.request.dnsStatus, answers: evidence.request.answers ?? [] }),
    },
    ...(check.bytes === undefined ? {} : { bytes: check.bytes }),
    ...(check.idle === undefined ? {} : { idle: check.idle }),
    pass: verdict.pass,
    reasons: verdict.reasons,
    seen: verdict.seen,
    captures: evidence.captures.map((capture) => ({
      label: capture.label,
      node: capture.node,
      iface: capture.iface,
      packets: countable(capture.packets).length,
      flows: summarizeFlows(capture.packets).slice(0, 6).map(describeFlow),
      ...(capture.absent ? { absent: capture.absent } : {}),
      ...(kept && capture.pcap ? { pcap: `${dir}/${pcapName(capture.label)}` } : {}),
    })),
    logLine: evidence.logEntries[0]?.line ?? null,
    ...(check.note ? { note: check.note } : {}),
    seconds: result.seconds,
  };
}

/** A scenario's report from its run: the lab's shape, each check, timings, the configs (redacted) and lint. */
export function scenarioReport(run: ScenarioRun, checks: CheckReport[]): ScenarioReport {
  const { plan } = run;
  const scenario = plan.scenario;
  const topology: TopologyReport = {
    endpoints: Object.values(scenario.endpoints).map((endpoint) => ({
      name: endpoint.name,
      publicIp: endpoint.publicIp,
      wgIp: endpoint.wgIp ?? null,
      listenPort: plan.listenPorts[endpoint.name] ?? endpoint.listenPort ?? null,
      serves: endpoint.serves ?? null,
      transparent: scenario.tunnel?.transparent.includes(endpoint.name) ?? false,
      ...(endpoint.link && Object.keys(endpoint.link).length > 0 ? { link: endpoint.link } : {}),
      ...(Object.keys(endpoint.sysctls).length > 0 ? { sysctls: endpoint.sysctls } : {}),
      ...(endpoint.resolver ? { resolver: true as const } : {}),
      ...(endpoint.nat ? { nat: endpoint.nat } : {}),
    })),
    tunnel: [...plan.wireguardOrder].reverse(),
    ...(scenario.internet ? { internet: scenario.internet } : {}),
  };
  return {
    scenario: scenario.name,
    description: scenario.description ?? null,
    topology,
    engine: run.engine,
    wireguard: run.wireguard,
    lab: run.lab,
    checks,
    pass: checks.every((check) => check.pass),
    timings: run.timings,
    configs: redactedConfigs(plan),
    lint: run.findings,
  };
}
