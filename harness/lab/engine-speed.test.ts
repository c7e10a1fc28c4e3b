import test from 'ava';
import { labsFor, slownessFactor } from './engine-speed.ts';

test('a native engine keeps factor 1, so none verdicts stay quick', (t) => {
  t.is(slownessFactor(0.004), 1);
  t.is(slownessFactor(0.05), 1);
});

test('a slow engine scales timeouts with its round trip, capped at 20', (t) => {
  t.is(slownessFactor(0.5), 10);
  t.is(slownessFactor(0.12), 2.4);
  t.is(slownessFactor(30), 20);
});

const gib = 1024 ** 3;

test('a native engine runs a lab per two CPUs as its memory allows; --concurrency caps it', (t) => {
  t.is(labsFor({ cpus: 2, memoryBytes: 24 * gib, infoSeconds: 0.027 }), 1);
  t.is(labsFor({ cpus: 3, memoryBytes: 24 * gib, infoSeconds: 0.027 }), 1);
  t.is(labsFor({ cpus: 8, memoryBytes: 64 * gib, infoSeconds: 0.02 }), 4);
  t.is(labsFor({ cpus: 16, memoryBytes: 2 * gib, infoSeconds: 0.02 }), 5);
  t.is(labsFor({ cpus: 8, memoryBytes: 64 * gib, infoSeconds: 0.02 }, 3), 3);
  t.is(labsFor({ cpus: 8, memoryBytes: 64 * gib, infoSeconds: 0.05 }), 4);
});

test('an engine that answers slower than a native one runs fewer labs, an emulated VM one, never none', (t) => {
  t.is(labsFor({ cpus: 2, memoryBytes: 3 * gib, infoSeconds: 0.154 }), 1);
  t.is(labsFor({ cpus: 16, memoryBytes: 64 * gib, infoSeconds: 0.1 }), 4);
  t.is(labsFor({ cpus: 1, memoryBytes: 0.2 * gib, infoSeconds: 0.01 }), 1);
  t.is(labsFor({ cpus: 2, memoryBytes: 24 * gib, infoSeconds: 0.02 }, 1), 1);
});
