/**
 * Lazy password migration, the operator's side: a project's old server (`authsync.lazy_password_sources`) and its
 * users whose password still lives there (`authsync.lazy_password_users`). Stack Auth does not export password hashes,
 * so an imported user who had a password is marked, and their first password sign-in here is checked at the old server
 * (lazy-passwords-check.ts). The old server's key is sealed under the server secret, as OAuth client secrets are.
 */
import type { SecretBox } from '../crypto/secret-box.js';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';

/** Which key of the old project authsync signs in with: client access needs the publishable key, server access the secret one. */
export type OldServerKeyKind = 'publishable_client' | 'secret_server';

export interface LazyPasswordSourceInput {
  /** The old server's base URL, as the SDK's (`https://api.stack-auth.com`); a trailing `/api/v1` is accepted too. */
  baseUrl: string;
  /** The project ID at the old server (usually the same as here: `project create --id` keeps it). */
  oldProjectId: string;
  keyKind: OldServerKeyKind;
  key: string;
  /** The date after which the old server is no longer asked. @default no end */
  enabledUntil?: Date | null;
}

/** The old server as the sign-in check uses it: the key opened. */
export interface LazyPasswordSource {
  apiUrl: string;
  oldProjectId: string;
  keyKind: OldServerKeyKind;
  key: string;
}

export interface LazyPasswordStatus {
  /** Null when the project has no old server. */
  source: {
    baseUrl: string;
    oldProjectId: string;
    keyKind: OldServerKeyKind;
    enabledUntil: string | null;
    disabledAt: string | null;
    /** The old server is asked at sign-in now: not disabled, not past its end date. */
    active: boolean;
  } | null;
  /** Users whose password has not moved here yet. */
  remaining: number;
}

export const LAZY_PASSWORD_INPUT = 'LAZY_PASSWORD_INPUT';

const inputError = (message: string) => new AppError(LAZY_PASSWORD_INPUT, 400, message);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The base URL as stored: http(s), no query, no trailing slash or `/api/v1`. */
export function oldServerBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw inputError(`Not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw inputError('The old server URL must be http or https.');
  if (url.search || url.hash || url.username || url.password)
    throw inputError('The old server URL takes no query, fragment or credentials.');
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/api\/v1$/, '');
}

/** Sets (or replaces) a project's old server; a disabled one is turned on again, an end date stays unless replaced. */
export async function setLazyPasswordSource(
  db: Queryable,
  box: SecretBox,
  projectId: string,
  input: LazyPasswordSourceInput,
): Promise<void> {
  const baseUrl = oldServerBaseUrl(input.baseUrl);
  if (!input.oldProjectId.trim()) throw inputError('The old project ID is required.');
  if (!input.key.trim()) throw inputError('The old project key is required.');
  await db.query(
    `INSERT INTO authsync.lazy_password_sources (project_id, base_url, old_project_id, key_kind, key_enc, enabled_until)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (project_id) DO UPDATE SET base_url = EXCLUDED.base_url, old_project_id = EXCLUDED.old_project_id,
       key_kind = EXCLUDED.key_kind, key_enc = EXCLUDED.key_enc,
       enabled_until = coalesce(EXCLUDED.enabled_until, lazy_password_sources.enabled_until),
       disabled_at = NULL, updated_at = clock_timestamp()`,
    [projectId, baseUrl, input.oldProjectId.trim(), input.keyKind, box.seal(input.key.trim()), input.enabledUntil ?? null],
  );
}

/**
 * Marks users whose password lives at the old server. A user who already has a password here is left unmarked, so
 * re-running an import never sends a migrated user back to the old server.
 */
export async function markLazyPasswordUsers(db: Queryable, projectId: string, userIds: string[]): Promise<number> {
  const ids = userIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase());
  if (ids.length === 0) return 0;
  const { rows } = await db.query<{ user_id: string }>(
    `INSERT INTO authsync.lazy_password_users (user_id, project_id)
     SELECT id, project_id FROM authsync.users WHERE project_id = $1 AND id = ANY($2::uuid[]) AND password_hash IS NULL
     ON CONFLICT (user_id) DO NOTHING RETURNING user_id`,
    [projectId, ids],
  );
  return rows.length;
}

/** Stops asking the old server: now (`at` omitted), or after a date. Returns false when the project has no old server. */
export async function disableLazyPasswords(db: Queryable, projectId: string, at?: Date): Promise<boolean> {
  const { rowCount } = at
    ? await db.query('UPDATE authsync.lazy_password_sources SET enabled_until = $2, updated_at = clock_timestamp() WHERE project_id = $1', [
        projectId,
        at,
      ])
    : await db.query(
        'UPDATE authsync.lazy_password_sources SET disabled_at = clock_timestamp(), updated_at = clock_timestamp() WHERE project_id = $1',
        [projectId],
      );
  return (rowCount ?? 0) > 0;
}

/** Turns a disabled old server on again and removes its end date. Returns false when the project has no old server. */
export async function enableLazyPasswords(db: Queryable, projectId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE authsync.lazy_password_sources SET disabled_at = NULL, enabled_until = NULL, updated_at = clock_timestamp() WHERE project_id = $1',
    [projectId],
  );
  return (rowCount ?? 0) > 0;
}

interface SourceRow {
  base_url: string;
  old_project_id: string;
  key_kind: OldServerKeyKind;
  key_enc: string;
  enabled_until: Date | null;
  disabled_at: Date | null;
  active: boolean;
}

/** The old server is asked now: not disabled, not past its end date (`s`: the sources table's alias). */
const ACTIVE = 's.disabled_at IS NULL AND (s.enabled_until IS NULL OR s.enabled_until > now())';

export async function lazyPasswordStatus(db: Queryable, projectId: string): Promise<LazyPasswordStatus> {
  const { rows } = await db.query<SourceRow>(
    `SELECT s.*, ${ACTIVE} AS active FROM authsync.lazy_password_sources s WHERE s.project_id = $1`,
    [projectId],
  );
  const { rows: counts } = await db.query<{ remaining: number }>(
    `SELECT count(*)::int AS remaining FROM authsync.lazy_password_users m JOIN authsync.users u ON u.id = m.user_id
     WHERE m.project_id = $1 AND u.password_hash IS NULL`,
    [projectId],
  );
  const row = rows[0];
  return {
    source: row
      ? {
          baseUrl: row.base_url,
          oldProjectId: row.old_project_id,
          keyKind: row.key_kind,
          enabledUntil: row.enabled_until ? new Date(row.enabled_until).toISOString() : null,
          disabledAt: row.disabled_at ? new Date(row.disabled_at).toISOString() : null,
          active: row.active,
        }
      : null,
    remaining: counts[0]?.remaining ?? 0,
  };
}

/** The old server to ask about `userId`'s password: only for a marked user of a project whose old server is active. */
export async function oldServerFor(db: Queryable, box: SecretBox, projectId: string, userId: string): Promise<LazyPasswordSource | null> {
  const { rows } = await db.query<SourceRow>(
    `SELECT s.* FROM authsync.lazy_password_users m JOIN authsync.lazy_password_sources s ON s.project_id = m.project_id
     WHERE m.user_id = $1 AND m.project_id = $2 AND ${ACTIVE}`,
    [userId, projectId],
  );
  const row = rows[0];
  if (!row) return null;
  return { apiUrl: `${row.base_url}/api/v1`, oldProjectId: row.old_project_id, keyKind: row.key_kind, key: box.open(row.key_enc) };
}
