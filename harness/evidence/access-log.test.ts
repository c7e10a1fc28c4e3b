import test from 'ava';
import { readFileSync } from 'node:fs';
import { entriesTagged, parseAccessLogLine } from './access-log.ts';

// Lines written by the lab's real nginx (fixtures/nginx/access.log) and the article's own lines.
const log = readFileSync('fixtures/nginx/access.log', 'utf8');
const first = log.split('\n')[0]!;

test("parses the lines real nginx wrote in wglab's format", (t) => {
  const entries = log.trim().split('\n').map(parseAccessLogLine);
  t.true(entries.every(Boolean));
  t.deepEqual(entries[0], {
    remoteAddr: '10.0.0.1',
    time: '24/Nov/2026:18:20:22 +0000',
    request: 'GET / HTTP/1.1',
    status: 200,
    bytes: 95,
    referer: '-',
    userAgent: 'curl/7.88.1',
    tag: 'fixture-1',
    line: first,
  });
});

test("parses the article's lines (no tag)", (t) => {
  const entry = parseAccessLogLine('198.51.100.1 - - [05/May/2023:00:12:31 +0000] "GET /" 200 28786 "-" "curl/7.81.0"');
  t.like(entry, { remoteAddr: '198.51.100.1', request: 'GET /', status: 200, bytes: 28786, tag: undefined });
});

test('a request without the tag header is logged with tag -, which is no tag', (t) => {
  t.is(parseAccessLogLine(log.split('\n')[2]!)?.tag, undefined);
});

test('combined-format fields wglab does not write still parse: a remote user, a referer, no body size', (t) => {
  const entry = parseAccessLogLine(
    '203.0.113.9 - alice [24/Nov/2026:18:03:48 +0000] "POST /login HTTP/1.1" 302 - "https://app.example.com/" "Mozilla/5.0 (X11)" wglab_request=t2',
  );
  t.like(entry, {
    remoteAddr: '203.0.113.9',
    status: 302,
    bytes: 0,
    referer: 'https://app.example.com/',
    userAgent: 'Mozilla/5.0 (X11)',
    tag: 't2',
  });
  t.like(parseAccessLogLine('203.0.113.9 ident alice [24/Nov/2026:18:03:48 +0000] "GET / HTTP/1.1" 200 5 "-" "curl"'), {
    remoteAddr: '203.0.113.9',
  });
});

test('an IPv6 client', (t) => {
  t.like(
    parseAccessLogLine(
      'fd00::1 - - [24/Nov/2026:18:03:48 +0000] "GET / HTTP/1.1" 200 95 "-" "curl/7.88.1" wglab_request=t3',
    ),
    { remoteAddr: 'fd00::1', tag: 't3' },
  );
});

test('a line with quotes escaped by nginx still parses', (t) => {
  const entry = parseAccessLogLine(
    '10.0.0.1 - - [24/Nov/2026:18:03:48 +0000] "GET /\\"x HTTP/1.1" 200 95 "-" "curl \\"odd\\"" wglab_request=t1',
  );
  t.like(entry, { request: 'GET /\\"x HTTP/1.1', userAgent: 'curl \\"odd\\"', tag: 't1' });
});

test('space and a carriage return around a line are not part of it', (t) => {
  const entry = parseAccessLogLine(`  ${first}\r`);
  t.is(entry?.tag, 'fixture-1');
  t.is(entry?.line, first);
});

test('other text is not an entry, nor a line with more before or after it', (t) => {
  t.is(parseAccessLogLine('2026/11/24 18:03:48 [error] 12#12: something'), undefined);
  t.is(parseAccessLogLine(''), undefined);
  t.is(parseAccessLogLine(`nginx-1 | ${first}`), undefined);
  t.is(parseAccessLogLine(`${first} extra`), undefined);
});

test('finds the line of one request by its tag, not the last line', (t) => {
  const [entry, ...rest] = entriesTagged(log, 'fixture-2');
  t.is(rest.length, 0);
  t.is(entry!.remoteAddr, '192.0.2.3');
  t.deepEqual(entriesTagged(log, 'absent'), []);
  t.deepEqual(entriesTagged(log, 'fixture'), [], 'a tag is matched whole');
});

test('keeps every line of a tag, in order, from a log with other lines and CRLF endings', (t) => {
  const lines = log.trim().split('\n');
  const twice = [lines[0], 'garbage', lines[1], lines[0]!.replace('10.0.0.1', '198.51.100.1'), ''].join('\r\n');
  t.deepEqual(
    entriesTagged(twice, 'fixture-1').map((entry) => entry.remoteAddr),
    ['10.0.0.1', '198.51.100.1'],
  );
});
