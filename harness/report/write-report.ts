import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioReport } from '../report/report-model.ts';
import { htmlReport } from './html-report.ts';
import { junitReport } from './junit-report.ts';

/** The files a report directory holds, besides each scenario's artifacts under `<scenario name>/`. */
export interface WrittenReport {
  html: string;
  junit: string;
  json: string;
}

/**
 * Writes report.html, junit.xml and report.json to `dir`. report.json is what `wglab run --json` prints:
 * the scenario's object for one scenario, `{ scenarios: [...], pass }` for several (demo).
 * The pcaps the HTML links to are expected under `dir/<scenario name>/` (runScenarios' artifacts layout).
 */
export function writeReport(dir: string, runs: ScenarioReport[], options: { generated?: Date } = {}): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const files = { html: join(dir, 'report.html'), junit: join(dir, 'junit.xml'), json: join(dir, 'report.json') };
  writeFileSync(files.html, htmlReport({ runs, generated: options.generated ?? new Date(), linkPcaps: true }));
  writeFileSync(files.junit, junitReport(runs));
  const json = runs.length === 1 ? runs[0] : { scenarios: runs, pass: runs.every((run) => run.pass) };
  writeFileSync(files.json, `${JSON.stringify(json, null, 2)}\n`);
  return files;
}
