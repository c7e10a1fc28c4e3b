import test from 'ava';
import { readFileSync } from 'node:fs';
import { entriesTagged, parseAccessLogLine } from './access-log.ts';

// Lines written by the lab's real nginx (fixtures/nginx/access.log) and the article's own lines.
const log = readFileSync('fixtures/nginx/access.log', 'utf8');

test('parses the lines real nginx wrote in wglab\'s format', (t) => {
  const entries = log.trim().split('\n').map(parseAccessLogLine);
  t.true(entries.every(Boolean));
  t.like(entries[0], { remoteAddr: '10.0.0.1', status: 200, request: 'GET / HTTP/1.1', tag: 'fixture-1' });
  t.regex(entries[0]!.userAgent, /^curl\//);
});

test('parses the article\'s lines (no tag)', (t) => {
  const entry = parseAccessLogLine('198.51.100.1 - - [05/May/2023:00:12:31 +0000] "GET /" 200 28786 "-" "curl/7.81.0"');
  t.like(entry, { remoteAddr: '198.51.100.1', status: 200, bytes: 28786, tag: undefined });
});

test('finds the line of one request by its tag, not the last line', (t) => {
  const [entry, ...rest] = entriesTagged(log, 'fixture-2');
  t.is(rest.length, 0);
  t.is(entry!.remoteAddr, '192.0.2.3');
  t.deepEqual(entriesTagged(log, 'absent'), []);
});

test('a line with quotes escaped by nginx still parses', (t) => {
  const entry = parseAccessLogLine('10.0.0.1 - - [24/Nov/2026:18:03:48 +0000] "GET /\\"x HTTP/1.1" 200 95 "-" "curl \\"odd\\"" wglab_request=t1');
  t.is(entry?.tag, 't1');
});

test('other text is not an entry', (t) => {
  t.is(parseAccessLogLine('2026/11/24 18:03:48 [error] 12#12: something'), undefined);
  t.is(parseAccessLogLine(''), undefined);
});
