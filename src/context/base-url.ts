/**
 * The base URL of the running server, recorded in the database at every start, so that CLI commands run beside it
 * print URLs (JWKS, API, /sql) that name it, not the default port. Servers sharing a database share their base URL
 * (tokens carry it as their issuer); the last one to start is recorded.
 */
import type { Config } from '../config/index.js';
import type { Queryable } from '../db/database.js';

const SETTING_KEY = 'server_base_url';

export async function recordBaseUrl(db: Queryable, baseUrl: string): Promise<void> {
  await db.query(
    'INSERT INTO authsync.instance_settings (key, value) VALUES ($1, to_jsonb($2::text)) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()',
    [SETTING_KEY, baseUrl],
  );
}

/** The base URL a CLI command prints: the one given (--base-url, AUTHSYNC_BASE_URL), else the recorded one, else the default. */
export async function printedBaseUrl(db: Queryable, config: Pick<Config, 'baseUrl' | 'baseUrlGiven'>): Promise<string> {
  if (config.baseUrlGiven) return config.baseUrl;
  const { rows } = await db.query<{ url: string }>("SELECT value #>> '{}' AS url FROM authsync.instance_settings WHERE key = $1", [
    SETTING_KEY,
  ]);
  return rows[0]?.url ?? config.baseUrl;
}
