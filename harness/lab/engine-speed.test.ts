import test from 'ava';
import { slownessFactor } from './engine-speed.ts';

test('a native engine keeps factor 1, so none verdicts stay quick', (t) => {
  t.is(slownessFactor(0.004), 1);
  t.is(slownessFactor(0.05), 1);
});

test('a slow engine scales timeouts with its round trip, capped at 20', (t) => {
  t.is(slownessFactor(0.5), 10);
  t.is(slownessFactor(0.12), 2.4);
  t.is(slownessFactor(30), 20);
});
