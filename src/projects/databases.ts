/**
 * A project's databases: its app database (default: the server's own database) and extra users_sync
 * targets. Connection strings are sealed under the server secret; `url_key` (host:port/database, no
 * credentials) identifies a database.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { openPostgres } from '../db/postgres.js';
import type { SecretBox } from '../crypto/secret-box.js';

export type DatabasePurpose = 'app' | 'sync_target';

export interface ProjectDatabase {
  id: string;
  projectId: string;
  purpose: DatabasePurpose;
  /** null: the server's own database. */
  url: string | null;
  /** host:port/database of the URL, or "server" for the server's own database. */
  key: string;
}

export const OWN_DATABASE_KEY = 'server';

/** host:port/database, without credentials or options: how a database is named in status output and logs. */
export function databaseKey(url: string | null): string {
  if (url === null) return OWN_DATABASE_KEY;
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username);
  return `${parsed.hostname}:${parsed.port || '5432'}/${database}`;
}

/** Adds a database to a project (`url` null = the server's own). Idempotent per (project, database). */
export async function addProjectDatabase(
  tx: Queryable,
  box: SecretBox,
  projectId: string,
  purpose: DatabasePurpose,
  url: string | null,
): Promise<ProjectDatabase> {
  const key = databaseKey(url);
  const existing = (await listProjectDatabases(tx, box, projectId)).find((db) => db.key === key);
  if (existing) return existing;
  const id = randomUUID();
  await tx.query('INSERT INTO authsync.project_databases (id, project_id, purpose, url_enc, url_key) VALUES ($1, $2, $3, $4, $5)', [
    id,
    projectId,
    purpose,
    url === null ? null : box.seal(url),
    key,
  ]);
  return { id, projectId, purpose, url, key };
}

export async function listProjectDatabases(db: Queryable, box: SecretBox, projectId?: string): Promise<ProjectDatabase[]> {
  const { rows } = await db.query<{ id: string; project_id: string; purpose: DatabasePurpose; url_enc: string | null; url_key: string }>(
    `SELECT id, project_id, purpose, url_enc, url_key FROM authsync.project_databases
     WHERE $1::uuid IS NULL OR project_id = $1::uuid ORDER BY project_id, purpose, created_at`,
    [projectId ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    projectId: row.project_id,
    purpose: row.purpose,
    url: row.url_enc === null ? null : box.open(row.url_enc),
    key: row.url_key,
  }));
}

/** The app database of a project (the server's own when none was recorded). */
export async function getAppDatabase(db: Queryable, box: SecretBox, projectId: string): Promise<ProjectDatabase> {
  const found = (await listProjectDatabases(db, box, projectId)).find((d) => d.purpose === 'app');
  return found ?? { id: '', projectId, purpose: 'app', url: null, key: OWN_DATABASE_KEY };
}

/**
 * Deletes an extra users_sync target of a project (its progress row goes with it). The app database is not a target
 * that can be removed: it is returned untouched, for the caller to refuse. Returns undefined when the project has no
 * database with that key.
 */
export async function deleteSyncTarget(
  tx: Queryable,
  projectId: string,
  key: string,
): Promise<{ id: string; purpose: DatabasePurpose } | undefined> {
  const { rows } = await tx.query<{ id: string; purpose: DatabasePurpose }>(
    'SELECT id, purpose FROM authsync.project_databases WHERE project_id = $1 AND url_key = $2 FOR UPDATE',
    [projectId, key],
  );
  const found = rows[0];
  if (!found || found.purpose !== 'sync_target') return found;
  await tx.query('DELETE FROM authsync.project_databases WHERE id = $1', [found.id]);
  return found;
}

/**
 * Runs `action` on a project database: the server's own handle (`server.db`), or a short-lived pool for another
 * database.
 */
export async function withProjectDatabase<T>(
  server: { db: Database },
  target: ProjectDatabase,
  action: (db: Database) => Promise<T>,
): Promise<T> {
  if (target.url === null) return action(server.db);
  const db = openPostgres(target.url, { max: 1, applicationName: 'authsync-provision', connectionTimeoutMillis: 5_000 });
  try {
    return await action(db);
  } finally {
    await db.close();
  }
}
