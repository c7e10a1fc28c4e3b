import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

/** A WireGuard key pair, both halves base64 as `wg genkey` / `wg pubkey` print them. */
export interface WgKeyPair {
  privateKey: string;
  publicKey: string;
}

const pkcs8X25519Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A fresh X25519 key pair from node:crypto. */
export function generateKeyPair(): WgKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    privateKey: Buffer.from(jwk.d!, 'base64url').toString('base64'),
    publicKey: Buffer.from(jwk.x!, 'base64url').toString('base64'),
  };
}

/** The public key that belongs to a base64 private key, as `wg pubkey` computes it. */
export function publicKeyOf(privateKey: string): string {
  const raw = Buffer.from(privateKey, 'base64');
  if (raw.length !== 32) throw new Error('a WireGuard private key is 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([pkcs8X25519Prefix, raw]), format: 'der', type: 'pkcs8' });
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url').toString('base64');
}

export function keyPairOf(privateKey: string): WgKeyPair {
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}

/**
 * One fresh key pair per endpoint name, kept for every later call: the same keys across scenarios, so a
 * sequence of steps (the demo) changes only what its configs change.
 */
export function keysPerEndpoint(): (endpoint: string) => WgKeyPair {
  const pairs = new Map<string, WgKeyPair>();
  return (endpoint) => {
    let pair = pairs.get(endpoint);
    if (!pair) pairs.set(endpoint, (pair = generateKeyPair()));
    return pair;
  };
}
