/**
 * The server secret: from AUTHSYNC_SECRET, else from `<data-dir>/secret` (created on first use, mode 0600).
 * A check value sealed under it is kept in the database, so a server started with another secret stops with
 * a clear error instead of failing to read its signing keys later.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { SEALED_VALUE_UNREADABLE, type SecretBox } from '../crypto/secret-box.js';
import type { Database } from '../db/database.js';
import { AppError, hasCode } from '../errors/app-error.js';

const CHECK_KEY = 'secret_check';
const CHECK_VALUE = 'authsync-secret-check';

export function readOrCreateSecret(config: Pick<Config, 'secret' | 'dataDir'>): string {
  if (config.secret) return config.secret;
  const file = path.join(config.dataDir, 'secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

/** Checks the secret against the database's check value, storing one when there is none yet. */
export async function checkSecret(db: Database, box: SecretBox, source: string): Promise<void> {
  const { rows } = await db.query<{ value: string }>("SELECT value #>> '{}' AS value FROM authsync.instance_settings WHERE key = $1", [
    CHECK_KEY,
  ]);
  const sealed = rows[0]?.value;
  if (sealed === undefined) {
    await db.query('INSERT INTO authsync.instance_settings (key, value) VALUES ($1, to_jsonb($2::text)) ON CONFLICT (key) DO NOTHING', [
      CHECK_KEY,
      box.seal(CHECK_VALUE),
    ]);
    return;
  }
  try {
    if (box.open(sealed) === CHECK_VALUE) return;
  } catch (error) {
    if (!hasCode(error, SEALED_VALUE_UNREADABLE)) throw error;
  }
  throw new AppError(
    'SECRET_MISMATCH',
    500,
    `The server secret (${source}) is not the one this database was set up with, so its signing keys cannot be read. ` +
      'Start with the original secret (AUTHSYNC_SECRET, or the file <data-dir>/secret).',
  );
}
