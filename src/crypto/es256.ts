/**
 * Compact JWS with ES256 (P-256, SHA-256) on node:crypto.
 *
 * Why not jose here: jose 6 signs and verifies through WebCrypto, whose jobs run on libuv's threadpool, the
 * same four threads that hash passwords. Under a sign-in burst every token check would queue behind 10-90 ms
 * hash jobs. node:crypto's one-shot sign/verify runs synchronously on the calling thread (about 70 µs per
 * verify) and never queues. jose remains the verifier of record in the tests: every token minted here is
 * checked with jose's `jwtVerify`, and tokens signed by jose verify here.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface Es256KeyPair {
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

export function generateEs256KeyPair(): Es256KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateJwk: privateKey.export({ format: 'jwk' }), publicJwk: publicKey.export({ format: 'jwk' }) };
}

export function privateKeyFromJwk(jwk: JsonWebKey): KeyObject {
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

export function publicKeyFromJwk(jwk: JsonWebKey): KeyObject {
  return createPublicKey({ key: jwk, format: 'jwk' });
}

export function signEs256(payload: object, kid: string, privateKey: KeyObject): string {
  const header = base64UrlJson({ alg: 'ES256', kid });
  const body = base64UrlJson(payload);
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${signature.toString('base64url')}`;
}

export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and parses a compact JWS without checking its signature; undefined if it is not one. */
export function decodeJws(token: string): DecodedJws | undefined {
  if (token.length > 16_384) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (!isBase64Url(h) || !isBase64Url(p) || !isBase64Url(s)) return undefined;
  const header = parseJsonObject(Buffer.from(h, 'base64url').toString('utf8'));
  const payload = parseJsonObject(Buffer.from(p, 'base64url').toString('utf8'));
  if (!header || !payload) return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

/**
 * Signatures already found valid, per key object: a client presents the same access token on every request
 * until it expires, and the ECDSA check (about 70 µs) was a fifth of the CPU of `GET /users/me`. Verification is
 * a pure function of (signing input, signature, key), so remembering its positive answers changes no result.
 * Only valid signatures are kept (forgeries cannot fill it), at most VERIFIED_MAX per key, oldest dropped first;
 * a key object that is no longer used (rotated, reloaded) takes its entries with it.
 */
const verified = new WeakMap<KeyObject, Map<string, true>>();
const VERIFIED_MAX = 10_000;

/** Verifies an ES256 signature (64-byte r||s). */
export function verifyEs256Signature(jws: DecodedJws, publicKey: KeyObject): boolean {
  if (jws.signature.length !== 64) return false;
  const memo = `${jws.signingInput}.${jws.signature.toString('base64url')}`;
  let seen = verified.get(publicKey);
  if (seen?.has(memo)) return true;
  let ok: boolean;
  try {
    ok = verify('sha256', Buffer.from(jws.signingInput), { key: publicKey, dsaEncoding: 'ieee-p1363' }, jws.signature);
  } catch {
    return false;
  }
  if (ok) {
    if (!seen) verified.set(publicKey, (seen = new Map()));
    if (seen.size >= VERIFIED_MAX) seen.delete(seen.keys().next().value!);
    seen.set(memo, true);
  }
  return ok;
}

function base64UrlJson(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function isBase64Url(part: string): boolean {
  return part.length > 0 && /^[A-Za-z0-9_-]+$/.test(part);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
