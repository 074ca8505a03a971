/** verifyEs256Signature remembers valid signatures per key: the remembered answer never changes a result. */
import { describe, expect, it } from 'vitest';
import {
  decodeJws,
  generateEs256KeyPair,
  privateKeyFromJwk,
  publicKeyFromJwk,
  signEs256,
  verifyEs256Signature,
} from '../../src/crypto/es256.js';

describe('ES256 verification cache', () => {
  const pair = generateEs256KeyPair();
  const privateKey = privateKeyFromJwk(pair.privateJwk);
  const publicKey = publicKeyFromJwk(pair.publicJwk);
  const otherPublicKey = publicKeyFromJwk(generateEs256KeyPair().publicJwk);

  it('a token verified once still fails with another key, a changed payload or a changed signature', () => {
    const token = signEs256({ sub: 'a' }, 'kid-1', privateKey);
    const jws = decodeJws(token)!;
    expect(verifyEs256Signature(jws, publicKey)).toBe(true);
    expect(verifyEs256Signature(jws, publicKey)).toBe(true); // remembered
    expect(verifyEs256Signature(jws, otherPublicKey)).toBe(false);

    const [h, , s] = token.split('.');
    const forgedPayload = decodeJws(`${h}.${Buffer.from('{"sub":"b"}').toString('base64url')}.${s}`)!;
    expect(verifyEs256Signature(forgedPayload, publicKey)).toBe(false);

    const flipped = Buffer.from(s!, 'base64url');
    flipped[10] = flipped[10]! ^ 1;
    const forgedSignature = decodeJws(`${token.split('.').slice(0, 2).join('.')}.${flipped.toString('base64url')}`)!;
    expect(verifyEs256Signature(forgedSignature, publicKey)).toBe(false);
    expect(verifyEs256Signature(jws, publicKey)).toBe(true);
  });

  it('a key reloaded from the same JWK verifies the same tokens', () => {
    const jws = decodeJws(signEs256({ sub: 'c' }, 'kid-1', privateKey))!;
    expect(verifyEs256Signature(jws, publicKey)).toBe(true);
    expect(verifyEs256Signature(jws, publicKeyFromJwk(pair.publicJwk))).toBe(true);
  });

  it('keeps at most 10,000 signatures per key and still verifies the evicted ones', () => {
    const first = decodeJws(signEs256({ n: -1 }, 'kid-1', privateKey))!;
    expect(verifyEs256Signature(first, publicKey)).toBe(true);
    for (let n = 0; n < 10_050; n++) expect(verifyEs256Signature(decodeJws(signEs256({ n }, 'kid-1', privateKey))!, publicKey)).toBe(true);
    expect(verifyEs256Signature(first, publicKey)).toBe(true);
  });
});
