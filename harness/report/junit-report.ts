import { createRequire } from 'node:module';
import type { ScenarioReport } from '../report/report-model.ts';
import { pathText } from './check-text.ts';
import { checkLabel } from '../scenario/check-label.ts';

/** xmlbuilder2, loaded when a report is written rather than on every command's start (about 80 ms here). */
const xmlDocument = (options: { version: string; encoding: string }) =>
  (createRequire(import.meta.url)('xmlbuilder2') as typeof import('xmlbuilder2')).create(options);

/**
 * JUnit XML for CI systems: a testsuite per scenario, a testcase per check, a failing check carrying its
 * reasons as the failure message and its evidence (what each capture point saw, the log line) as the body.
 */
export function junitReport(runs: ScenarioReport[]): string {
  const checks = runs.flatMap((run) => run.checks);
  const seconds = (value: number) => value.toFixed(3);
  const root = xmlDocument({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: 'wglab',
    tests: checks.length,
    failures: checks.filter((check) => !check.pass).length,
    errors: 0,
    time: seconds(runs.reduce((sum, run) => sum + (run.timings.total ?? 0), 0)),
  });
  for (const run of runs) {
    const suite = root.ele('testsuite', {
      name: run.scenario,
      tests: run.checks.length,
      failures: run.checks.filter((check) => !check.pass).length,
      errors: 0,
      skipped: 0,
      time: seconds(run.timings.total ?? 0),
    });
    suite
      .ele('properties')
      .ele('property', { name: 'wireguard', value: run.wireguard })
      .up()
      .ele('property', { name: 'engine', value: run.engine })
      .up()
      .ele('property', { name: 'lab', value: run.lab })
      .up();
    for (const [index, check] of run.checks.entries()) {
      const testcase = suite.ele('testcase', {
        classname: `wglab.${run.scenario}`,
        name: `${index + 1}. ${checkLabel(check)}: expect ${pathText(check.expected)}`,
        time: seconds(check.seconds),
      });
      const evidence = [
        `observed ${pathText(check.observed)}${check.observed.httpStatus ? ` (HTTP ${check.observed.httpStatus})` : ''}`,
        ...check.seen.map((line) => `seen at ${line}`),
        `${check.kind === undefined || check.kind === 'http' ? 'access log' : 'server log'}: ${check.logLine ?? '(no line)'}`,
        // The routing model's prediction beside the observation (wglab explain), and where the two disagree.
        ...(check.predicted
          ? [
              `predicted ${pathText({ path: check.predicted.path, sourceIp: check.predicted.sourceIp ?? null, ...(check.bytes === undefined ? {} : { stalls: check.predicted.stalls ?? false }) })}`,
            ]
          : []),
        ...(check.modelDisagrees ? [`model: ${check.modelDisagrees}`] : []),
      ].join('\n');
      if (!check.pass) {
        testcase
          .ele('failure', { message: check.reasons.join('; '), type: 'wglab.verdict' })
          .txt(`${check.reasons.join('\n')}\n${evidence}`);
      }
      testcase.ele('system-out').txt(evidence);
    }
  }
  return root.end({ prettyPrint: true });
}
