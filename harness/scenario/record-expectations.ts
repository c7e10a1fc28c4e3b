import { isMap, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { WglabError } from '../errors.ts';
import type { Expectation } from './scenario.ts';

/** What `--record` did to one check's `expect`. */
export interface RecordedChange {
  index: number;
  before?: Expectation;
  after: Expectation;
}

/** `{ sourceIp: 10.0.0.1, path: tunnel }`, the way docs/scenarios.md writes an expectation. */
export function expectationText(expect: Expectation): string {
  return `{ ${expect.sourceIp === undefined ? '' : `sourceIp: ${expect.sourceIp}, `}path: ${expect.path}${expect.stalls ? ', stalls: true' : ''}${expect.resolver === undefined ? '' : `, resolver: ${expect.resolver}`} }`;
}

/**
 * Writes observed expectations into scenario YAML text, one per check index, and returns the new text.
 * Only the `expect` of each check changes: an existing one is replaced in place, a missing one is added
 * at the end of its check (`, expect: {...}` inside a flow map, a new line in a block map). Everything
 * else, comments and layout included, stays byte for byte: the document API only finds where to splice.
 */
export function recordExpectations(
  text: string,
  expectations: ReadonlyMap<number, Expectation>,
  file = '<scenario>',
): { text: string; changes: RecordedChange[] } {
  const document = parseDocument(text);
  if (document.errors.length > 0)
    throw new WglabError(`cannot record into ${file}: ${document.errors[0]!.message.split('\n')[0]}`, {
      hint: 'fix the YAML first',
    });
  const checks = document.get('checks', true);
  if (!isSeq(checks))
    throw new WglabError(`cannot record into ${file}: it has no checks: list`, {
      location: { file, field: 'checks' },
      hint: 'add checks: to the scenario',
    });
  const edits: { start: number; end: number; insert: string }[] = [];
  const changes: RecordedChange[] = [];
  for (const [index, after] of [...expectations].sort(([a], [b]) => a - b)) {
    const check = checks.items[index];
    if (!isMap(check) || !check.range)
      throw new WglabError(`cannot record into ${file}: checks.${index} is not a map`, {
        location: { file, field: `checks.${index}` },
        hint: 'write each check as { from, url, ... }',
      });
    const pair = check.items.find((item) => isScalar(item.key) && item.key.value === 'expect') as
      Pair<unknown, unknown> | undefined;
    const before = pair && isMap(pair.value) ? (pair.value.toJSON() as Expectation) : undefined;
    if (
      before &&
      before.path === after.path &&
      before.sourceIp === after.sourceIp &&
      Boolean(before.stalls) === Boolean(after.stalls) &&
      before.resolver === after.resolver
    )
      continue;
    changes.push({ index, ...(before ? { before } : {}), after });
    edits.push(pair ? replaceValue(text, pair, after) : appendPair(text, check, after));
  }
  let result = text;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    result = result.slice(0, edit.start) + edit.insert + result.slice(edit.end);
  return { text: result, changes };
}

/** Replaces `expect`'s value (flow or block) with a flow map after the key's colon. */
function replaceValue(
  text: string,
  pair: Pair<unknown, unknown>,
  expect: Expectation,
): { start: number; end: number; insert: string } {
  const key = pair.key as { range?: [number, number, number] };
  const value = pair.value as { range?: [number, number, number] } | null;
  const start = text.indexOf(':', key.range![1]) + 1;
  let end = value?.range ? value.range[1] : start;
  while (end > start && /\s/.test(text[end - 1]!)) end -= 1;
  return { start, end, insert: ` ${expectationText(expect)}` };
}

/** Adds `expect` as the check's last field. */
function appendPair(text: string, check: YAMLMap, expect: Expectation): { start: number; end: number; insert: string } {
  const [start, valueEnd] = check.range!;
  if (check.flow) {
    let close = text.lastIndexOf('}', valueEnd - 1);
    while (close > start && /\s/.test(text[close - 1]!)) close -= 1;
    const empty = text.slice(start + 1, close).trim() === '';
    return { start: close, end: close, insert: `${empty ? ' ' : ', '}expect: ${expectationText(expect)}` };
  }
  const last = check.items.at(-1)!;
  const firstKey = check.items[0]!.key as { range?: [number, number, number] };
  const column = firstKey.range![0] - text.lastIndexOf('\n', firstKey.range![0] - 1) - 1;
  const lastNode = (last.value ?? last.key) as { range?: [number, number, number] };
  let end = lastNode.range![1];
  while (end > start && /\s/.test(text[end - 1]!)) end -= 1;
  const lineEnd = text.indexOf('\n', end);
  const at = lineEnd === -1 ? text.length : lineEnd;
  return { start: at, end: at, insert: `\n${' '.repeat(column)}expect: ${expectationText(expect)}` };
}
