/**
 * Encryption at rest under the server secret: AES-256-GCM with a key derived by HKDF-SHA256 from the
 * secret. Used for signing keys' private parts and other values that must be read back (never for
 * bearer secrets, which are hashed). Format: `v1.<iv>.<ciphertext>.<tag>`, each base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import { deriveKey } from './secrets.js';

/** A sealed value that does not open: malformed, or sealed under another server secret. */
export const SEALED_VALUE_UNREADABLE = 'SEALED_VALUE_UNREADABLE';

const unreadable = (message: string) => new AppError(SEALED_VALUE_UNREADABLE, 500, message);

export class SecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    this.key = deriveKey(serverSecret, 'authsync secret-box v1');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined) throw unreadable('Unknown sealed value format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw unreadable('Cannot decrypt: the server secret is not the one this value was sealed with');
    }
  }
}
