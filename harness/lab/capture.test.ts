import test from 'ava';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { captureStateHere, processState } from './capture.ts';

/** A node's root as seen from here: the capture's files, tcpdump's /proc entry and the interface's index. */
function nodeRoot(files: Record<string, string | Buffer>): (path: string) => string {
  const root = mkdtempSync(join(tmpdir(), 'wglab-capture-test-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return (path) => join(root, path);
}

const name = '/tmp/wglab-capture-1-1';
const header = Buffer.alloc(24, 1);
const stat = (state: string) => `57 (tcpdump) ${state} 1 57 57 0 -1 4194560`;

test('the state letter of /proc/PID/stat comes after the command, even one with spaces and parentheses', (t) => {
  t.is(processState(stat('S')), 'S');
  t.is(processState('9 (a b) c) R 1 9'), 'R');
  t.is(processState(''), '');
  t.is(processState('garbage'), '');
});

test('a capture read from here gives tcpdump alive, the length, the index now and the bytes from the base on', async (t) => {
  const at = nodeRoot({
    [`${name}.pid`]: '57\n',
    '/proc/57/stat': stat('S'),
    '/sys/class/net/wg0/ifindex': '7\n',
    [`${name}.pcap`]: Buffer.concat([header, Buffer.from('records')]),
  });
  t.deepEqual(await captureStateHere(at, name, 'wg0', 24), {
    alive: true,
    length: 31,
    index: '7',
    bytes: Buffer.from('records'),
  });
  t.deepEqual((await captureStateHere(at, name, undefined, 26)).bytes, Buffer.from('cords'));
  t.is((await captureStateHere(at, name, undefined, 26)).index, '');
});

test('a zombie tcpdump, a missing one and a missing pid file read as ended; a gone interface as no index', async (t) => {
  const zombie = nodeRoot({ [`${name}.pid`]: '57', '/proc/57/stat': stat('Z'), [`${name}.pcap`]: header });
  t.false((await captureStateHere(zombie, name, 'wg0', 24)).alive);
  t.is((await captureStateHere(zombie, name, 'wg0', 24)).index, '');
  const gone = nodeRoot({ [`${name}.pid`]: '57', [`${name}.pcap`]: header });
  t.false((await captureStateHere(gone, name, undefined, 24)).alive);
  const noPid = nodeRoot({ '/proc/57/stat': stat('S'), [`${name}.pcap`]: header });
  t.false((await captureStateHere(noPid, name, undefined, 24)).alive);
  const noFile = nodeRoot({ [`${name}.pid`]: '57', '/proc/57/stat': stat('S') });
  t.deepEqual(await captureStateHere(noFile, name, undefined, 24), {
    alive: true,
    length: 0,
    index: '',
    bytes: Buffer.alloc(0),
  });
});

test('a read waits while tcpdump is runnable (a packet handed to it, not yet written) and takes what it wrote', async (t) => {
  const at = nodeRoot({
    [`${name}.pid`]: '57',
    '/proc/57/stat': stat('R'),
    [`${name}.pcap`]: Buffer.concat([header, Buffer.from('first')]),
  });
  setTimeout(() => {
    appendFileSync(at(`${name}.pcap`), 'second');
    writeFileSync(at('/proc/57/stat'), stat('S'));
  }, 30);
  const state = await captureStateHere(at, name, undefined, 24);
  t.true(state.alive);
  t.is(state.bytes.toString(), 'firstsecond');
  t.is(state.length, 35);
});

test('a tcpdump that stays runnable is not waited for forever: it is read as it is', async (t) => {
  const at = nodeRoot({ [`${name}.pid`]: '57', '/proc/57/stat': stat('R'), [`${name}.pcap`]: header });
  const state = await captureStateHere(at, name, undefined, 24);
  t.true(state.alive);
  t.is(state.length, 24);
});
