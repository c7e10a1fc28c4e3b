import type { CheckReport } from '../verify/run-scenario.ts';

/** A check as the demo tells it: the request, the fault, the log line, where packets went, the verdict. */
export function describeCheck(check: CheckReport, number: number, fault?: string): string[] {
  const as = (ip: string | null) => (ip ? ` as ${ip}` : '');
  return [
    '',
    `${number}. ${check.from} $ curl ${check.url}${fault ? `   (fault: ${fault})` : ''}`,
    `   log: ${check.logLine ?? '(no line: the request never reached nginx)'}`,
    ...check.seen.map((line) => `   packets at ${line}`),
    `   ${check.pass ? 'PASS' : 'FAIL'}: expected ${check.expected.path}${as(check.expected.sourceIp)}, observed ${check.observed.path}${as(check.observed.sourceIp)}${check.observed.httpStatus ? ` (HTTP ${check.observed.httpStatus})` : ''}`,
    ...check.reasons.map((reason) => `   why: ${reason}`),
    ...(check.note ? [`   note: ${check.note}`] : []),
  ];
}
