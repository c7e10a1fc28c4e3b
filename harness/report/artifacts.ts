import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../verify/run-check.ts';
import { configFile } from '../wgconf/scenario-configs.ts';
import type { CheckReport } from './report-model.ts';

/** `NN-<from>[-<fault>]`: a check's folder under the artifacts directory. */
export function checkArtifactDir(index: number, report: Pick<CheckReport, 'from' | 'fault'>): string {
  return `${String(index + 1).padStart(2, '0')}-${report.from}${report.fault ? `-${report.fault}` : ''}`;
}

export const pcapName = (label: string) => `${label.replace(/\s+/g, '-')}.pcap`;

/**
 * `DIR/NN-<from>[-<fault>]/`: a pcap per capture point, the access-log line, curl's answer, the verdict, `wg show`
 * of each node, and every config the lab installed (redacted) as `<endpoint>-<iface>.conf`.
 */
export function writeCheckArtifacts(
  root: string,
  result: CheckResult,
  report: CheckReport,
  configs: Record<string, string>,
): void {
  const dir = join(root, checkArtifactDir(result.index, report));
  mkdirSync(dir, { recursive: true });
  for (const capture of result.evidence.captures) {
    if (capture.pcap) writeFileSync(join(dir, pcapName(capture.label)), capture.pcap);
  }
  writeFileSync(join(dir, 'access.log'), result.evidence.logEntries.map((entry) => `${entry.line}\n`).join(''));
  writeFileSync(join(dir, 'curl.json'), `${JSON.stringify(result.evidence.request, null, 2)}\n`);
  writeFileSync(join(dir, 'verdict.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const [node, text] of Object.entries(result.wgShow)) writeFileSync(join(dir, `wg-show-${node}.txt`), text);
  for (const [key, text] of Object.entries(configs)) writeFileSync(join(dir, configFile(key).replace('/', '-')), text);
}
