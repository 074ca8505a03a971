/**
 * Dashboard sessions: a random ID in an HttpOnly cookie, stored only as its SHA-256 hash, expiring after
 * SESSION_TTL_SECONDS. A session is scoped to the whole instance (projectId null) or to one project. The CSRF
 * token of a session is an HMAC of its ID: only the cookie's holder can compute it, and nothing more is stored.
 */
import { createHmac } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { hashSecret, randomBase32 } from '../crypto/secrets.js';

/** Twelve hours: a working day, after which the secret is asked for again. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface DashboardSession {
  /** The raw ID from the cookie (never stored). */
  id: string;
  /** null: instance admin, every project; otherwise the one project this session may see. */
  projectId: string | null;
  csrfToken: string;
  expiresAt: Date;
}

export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('authsync-dashboard-csrf').digest('base64url');
}

export async function createSession(db: Queryable, projectId: string | null): Promise<DashboardSession> {
  const id = randomBase32(52);
  await db.query('DELETE FROM authsync.dashboard_sessions WHERE expires_at < now()');
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO authsync.dashboard_sessions (id_hash, project_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
    [hashSecret(id), projectId, SESSION_TTL_SECONDS],
  );
  return { id, projectId, csrfToken: csrfTokenFor(id), expiresAt: rows[0]!.expires_at };
}

/** The live session for a cookie value, or undefined. The lookup is by hash, so timing reveals nothing of the ID. */
export async function findSession(db: Queryable, id: string | undefined): Promise<DashboardSession | undefined> {
  if (!id || id.length > 128) return undefined;
  const { rows } = await db.query<{ project_id: string | null; expires_at: Date }>(
    'SELECT project_id, expires_at FROM authsync.dashboard_sessions WHERE id_hash = $1 AND expires_at > now()',
    [hashSecret(id)],
  );
  const row = rows[0];
  return row ? { id, projectId: row.project_id, csrfToken: csrfTokenFor(id), expiresAt: row.expires_at } : undefined;
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM authsync.dashboard_sessions WHERE id_hash = $1', [hashSecret(id)]);
}
