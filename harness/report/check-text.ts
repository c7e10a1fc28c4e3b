import type { CheckReport } from '../report/report-model.ts';
import { checkLabel } from '../scenario/check-label.ts';

/** `tunnel as 10.0.0.1`, `none`: a path and the source IP the server logged, as every report writes them. */
export function pathText(side: { path: string; sourceIp: string | null; stalls?: boolean; bytes?: number }): string {
  const transfer =
    side.stalls === undefined
      ? ''
      : side.stalls
        ? side.bytes === undefined
          ? ', stalling'
          : `, stalled after ${side.bytes} bytes`
        : side.bytes === undefined
          ? ', completing'
          : `, ${side.bytes} bytes`;
  return `${side.path}${side.sourceIp ? ` as ${side.sourceIp}` : ''}${transfer}`;
}

/** `expected internet as 198.51.100.1, observed tunnel as 10.0.0.1 (HTTP 200)` */
export function verdictText(check: CheckReport): string {
  return `expected ${pathText(check.expected)}, observed ${pathText(check.observed)}${check.observed.httpStatus ? ` (HTTP ${check.observed.httpStatus})` : ''}`;
}

/**
 * `wglab run`'s line for a check: `PASS 1 A https://app.example.com/ [tunnel-down]: expected …, observed …`,
 * and for a failure the reasons and what each capture point saw beneath it.
 */
export function verdictLine(check: CheckReport, index: number): string {
  const head = `${check.pass ? 'PASS' : 'FAIL'} ${index + 1} ${checkLabel(check)}: ${verdictText(check)}`;
  return check.pass
    ? check.modelDisagrees
      ? `${head}\n     model: ${check.modelDisagrees}`
      : head
    : [
        head,
        ...check.reasons.map((reason) => `     why: ${reason}`),
        ...check.seen.map((line) => `     seen at ${line}`),
        ...(check.modelDisagrees ? [`     model: ${check.modelDisagrees}`] : []),
      ].join('\n');
}
