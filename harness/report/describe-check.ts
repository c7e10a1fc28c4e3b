import type { CheckReport } from '../report/report-model.ts';
import { verdictText } from './check-text.ts';

/** A check as the demo tells it: the request, the fault, the log line, where packets went, the verdict. */
export function describeCheck(check: CheckReport, number: number, fault?: string): string[] {
  return [
    '',
    `${number}. ${check.from} $ ${check.url === undefined ? check.target : `curl ${check.url}`}${fault ? `   (fault: ${fault})` : ''}`,
    `   log: ${check.logLine ?? `(no line: the ${check.kind === 'http' || check.kind === undefined ? 'request never reached nginx' : 'check reached no server of the lab'})`}`,
    ...check.seen.map((line) => `   packets at ${line}`),
    `   ${check.pass ? 'PASS' : 'FAIL'}: ${verdictText(check)}`,
    ...check.reasons.map((reason) => `   why: ${reason}`),
    ...(check.note ? [`   note: ${check.note}`] : []),
  ];
}
