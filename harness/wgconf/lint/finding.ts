/** One lint result: which rule, where, what is wrong and how to fix it. */
export interface Finding {
  file: string;
  line?: number;
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  hint: string;
}

export function formatFinding(finding: Finding): string {
  const where = finding.line === undefined ? finding.file : `${finding.file}:${finding.line}`;
  return `${where}: ${finding.severity} [${finding.rule}] ${finding.message}\n  hint: ${finding.hint}`;
}

/** "line 8" or "lines 8, 10"; "no line" when the setting is absent. */
export function lines(...numbers: (number | undefined)[]): string {
  const known = [...new Set(numbers.filter((line): line is number => line !== undefined))].sort((a, b) => a - b);
  if (known.length === 0) return 'not set';
  return known.length === 1 ? `line ${known[0]}` : `lines ${known.join(', ')}`;
}
