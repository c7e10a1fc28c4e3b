import test from 'ava';
import { generateKeyPair, publicKeyOf, keysPerEndpoint } from './keys.ts';
import { isWgKey } from './wg-settings.ts';

test('publicKeyOf agrees with the article keys (printed by wg pubkey)', (t) => {
  t.is(publicKeyOf('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE='), '/TOE4TKtAqVsePRVR+5AA43HkAK5DSntkOCO7nYq5xU=');
  t.is(publicKeyOf('ABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBFA='), 'fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=');
});

test('generateKeyPair gives fresh matching pairs in wg format', (t) => {
  const first = generateKeyPair();
  const second = generateKeyPair();
  t.not(first.privateKey, second.privateKey);
  t.true(isWgKey(first.privateKey));
  t.true(isWgKey(first.publicKey));
  t.is(publicKeyOf(first.privateKey), first.publicKey);
});

test('keysPerEndpoint keeps one pair per endpoint name', (t) => {
  const keys = keysPerEndpoint();
  const a = keys('A');
  t.is(keys('A'), a);
  t.not(keys('B').privateKey, a.privateKey);
  t.is(publicKeyOf(a.privateKey), a.publicKey);
  t.not(keysPerEndpoint()('A').privateKey, a.privateKey, 'a new source, new keys');
});

test('isWgKey takes exactly 44 base64 characters of 32 bytes', (t) => {
  const key = 'fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=';
  t.true(isWgKey(key));
  t.false(isWgKey(`x${key}`));
  t.false(isWgKey(`${key}x`));
  t.false(isWgKey(key.replace('Ds=', 'Dt=')), 'the last character carries 4 bits only');
});
