/**
 * Random secrets, their hashes, and constant-time comparison. Bearer secrets (refresh tokens, project
 * keys) are stored only as SHA-256 hashes: they carry 224+ bits of entropy, so a fast hash is enough.
 */
import { createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A random string of lowercase base32 characters (5 bits each). Refresh tokens use 45 (225 bits). */
export function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[bytes[i]! & 31];
  return out;
}

/** Hex SHA-256 of a secret, as stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two hex hashes in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** True when `secret` hashes to one of `hashes`; every candidate is compared, in constant time each. */
export function secretMatchesAny(secret: string, hashes: readonly string[]): boolean {
  const candidate = hashSecret(secret);
  let found = false;
  for (const hash of hashes) found = hashesEqual(candidate, hash) || found;
  return found;
}

/** New project keys, in the formats of Stack Auth (`pck_`, `ssk_`, `sak_` + 48 base32 characters). */
export function newProjectKey(kind: 'publishable_client' | 'secret_server' | 'super_secret_admin'): string {
  const prefix = kind === 'publishable_client' ? 'pck_' : kind === 'secret_server' ? 'ssk_' : 'sak_';
  return prefix + randomBase32(48);
}

/** A 32-byte key for one purpose, derived (HKDF-SHA256) from the server secret: every server sharing the secret derives the same. */
export function deriveKey(serverSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(serverSecret, 'utf8'), 'authsync', purpose, 32));
}
