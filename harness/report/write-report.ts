import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioReport } from './report-model.ts';
import type { Shard } from '../verify/shard-scenarios.ts';
import { htmlReport } from './html-report.ts';
import { junitReport } from './junit-report.ts';
import { wglabVersion } from './wglab-version.ts';

/** The files a report directory holds, besides each scenario's artifacts under `<scenario name>/`. */
export interface WrittenReport {
  html: string;
  junit: string;
  json: string;
}

/**
 * What report.json holds and `wglab run --json` prints: the scenario's object for one scenario,
 * `{ scenarios: [...], pass }` for several (demo) or none (a shard that got no scenario); either way with
 * `wglabVersion` (merge-reports joins only reports of one version) and, for `wglab run --shard I/N`, `shard`.
 */
export function reportJson(runs: ScenarioReport[], options: { shard?: Shard } = {}): object {
  const stamp = { wglabVersion, ...(options.shard ? { shard: options.shard } : {}) };
  return runs.length === 1
    ? { ...stamp, ...runs[0] }
    : { ...stamp, scenarios: runs, pass: runs.every((run) => run.pass) };
}

/**
 * Writes report.html, junit.xml and report.json (see reportJson) to `dir`.
 * The pcaps the HTML links to are expected under `dir/<scenario name>/` (runScenarios' artifacts layout).
 */
export function writeReport(
  dir: string,
  runs: ScenarioReport[],
  options: { generated?: Date; shard?: Shard } = {},
): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const files = { html: join(dir, 'report.html'), junit: join(dir, 'junit.xml'), json: join(dir, 'report.json') };
  writeFileSync(files.html, htmlReport({ runs, generated: options.generated ?? new Date(), linkPcaps: true }));
  writeFileSync(files.junit, junitReport(runs));
  writeFileSync(files.json, `${JSON.stringify(reportJson(runs, options), null, 2)}\n`);
  return files;
}
