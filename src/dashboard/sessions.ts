/**
 * Dashboard sessions: a random ID in an HttpOnly cookie, stored only as its SHA-256 hash, expiring after
 * SESSION_TTL_SECONDS. A session has one of three scopes: the whole instance (the admin secret), one project (its
 * super secret admin key), or an operator, a user of the internal project signed in with their password, whose
 * projects are those their teams own (decided at each request by the guard, never stored). An operator's session
 * rides on the user's own internal-project session (a refresh-token row): ending that one ends it. The CSRF token of
 * a session is an HMAC of its ID: only the cookie's holder can compute it, and nothing more is stored.
 */
import { createHmac } from 'node:crypto';
import { deleteSession as endUserSession } from '../auth/sessions.js';
import type { Queryable } from '../db/database.js';
import { hashSecret, randomBase32 } from '../crypto/secrets.js';
import { INTERNAL_PROJECT_ID } from '../projects/internal-id.js';

/** Twelve hours: a working day, after which the secret or password is asked for again. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export type SessionScope =
  { kind: 'instance' } | { kind: 'project'; projectId: string } | { kind: 'operator'; userId: string; refreshTokenId: string };

export interface DashboardSession {
  /** The raw ID from the cookie (never stored). */
  id: string;
  scope: SessionScope;
  /**
   * The one project a project-key session may see, else null (the instance admin, and an operator, whose projects
   * the guard looks up: never read null here as "every project", ask `scope.kind`).
   */
  projectId: string | null;
  csrfToken: string;
  expiresAt: Date;
}

export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('authsync-dashboard-csrf').digest('base64url');
}

export async function createSession(db: Queryable, scope: SessionScope): Promise<DashboardSession> {
  const id = randomBase32(52);
  const projectId = scope.kind === 'project' ? scope.projectId : null;
  await db.query('DELETE FROM authsync.dashboard_sessions WHERE expires_at < now()');
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO authsync.dashboard_sessions (id_hash, project_id, refresh_token_id, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING expires_at`,
    [hashSecret(id), projectId, scope.kind === 'operator' ? scope.refreshTokenId : null, SESSION_TTL_SECONDS],
  );
  return { id, scope, projectId, csrfToken: csrfTokenFor(id), expiresAt: rows[0]!.expires_at };
}

/**
 * The live session for a cookie value, or undefined. The lookup is by hash, so timing reveals nothing of the ID. An
 * operator's session lives only while its internal-project session does (and that one is of the internal project).
 */
export async function findSession(db: Queryable, id: string | undefined): Promise<DashboardSession | undefined> {
  if (!id || id.length > 128) return undefined;
  const { rows } = await db.query<{ project_id: string | null; refresh_token_id: string | null; user_id: string | null; expires_at: Date }>(
    `SELECT s.project_id, s.refresh_token_id, r.user_id, s.expires_at FROM authsync.dashboard_sessions s
     LEFT JOIN authsync.refresh_tokens r ON r.id = s.refresh_token_id AND r.project_id = $2 AND r.expires_at > now()
     WHERE s.id_hash = $1 AND s.expires_at > now()`,
    [hashSecret(id), INTERNAL_PROJECT_ID],
  );
  const row = rows[0];
  if (!row) return undefined;
  let scope: SessionScope;
  if (row.refresh_token_id !== null) {
    if (row.user_id === null) return undefined;
    scope = { kind: 'operator', userId: row.user_id, refreshTokenId: row.refresh_token_id };
  } else scope = row.project_id === null ? { kind: 'instance' } : { kind: 'project', projectId: row.project_id };
  return { id, scope, projectId: row.project_id, csrfToken: csrfTokenFor(id), expiresAt: row.expires_at };
}

/** Ends a session; an operator's internal-project session ends with it (signing out of the dashboard signs out). */
export async function deleteSession(db: Queryable, session: DashboardSession): Promise<void> {
  await db.query('DELETE FROM authsync.dashboard_sessions WHERE id_hash = $1', [hashSecret(session.id)]);
  if (session.scope.kind === 'operator') await endUserSession(db, INTERNAL_PROJECT_ID, session.scope.refreshTokenId);
}
