/**
 * Sessions are refresh tokens: opaque, 45 base32 characters (225 bits), stored only as SHA-256 hashes.
 * The row's id is the access token's `refresh_token_id`. Tokens are not rotated on refresh (the SDK expects
 * the same one back). A session ends on sign-out, on a password change, on user deletion, or at expiry.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { hashSecret, randomBase32 } from '../crypto/secrets.js';

export interface NewSession {
  id: string;
  refreshToken: string;
}

export async function createSession(
  tx: Queryable,
  session: { projectId: string; userId: string; ttlSeconds: number; isImpersonation?: boolean },
): Promise<NewSession> {
  const id = randomUUID();
  const refreshToken = randomBase32(45);
  await tx.query(
    `INSERT INTO authsync.refresh_tokens (id, project_id, user_id, token_hash, is_impersonation, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [id, session.projectId, session.userId, hashSecret(refreshToken), session.isImpersonation ?? false, session.ttlSeconds],
  );
  return { id, refreshToken };
}

export interface SessionRow {
  id: string;
  project_id: string;
  user_id: string;
}

/**
 * Finds the live session of a refresh token and records its use. The lookup is by hash: the token itself
 * is never compared or stored.
 */
export async function useSession(db: Queryable, refreshToken: string): Promise<SessionRow | undefined> {
  if (refreshToken.length === 0 || refreshToken.length > 512) return undefined;
  const { rows } = await db.query<SessionRow>(
    `UPDATE authsync.refresh_tokens SET last_used_at = now()
     WHERE token_hash = $1 AND expires_at > now()
     RETURNING id, project_id, user_id`,
    [hashSecret(refreshToken)],
  );
  return rows[0];
}

/** Ends one session. Returns false when it did not exist (already signed out, or the user was deleted). */
export async function deleteSession(db: Queryable, projectId: string, sessionId: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) return false;
  const { rowCount } = await db.query('DELETE FROM authsync.refresh_tokens WHERE id = $1 AND project_id = $2', [sessionId, projectId]);
  return rowCount > 0;
}

export interface SessionInfo {
  id: string;
  user_id: string;
  created_at: Date;
  last_used_at: Date;
  is_impersonation: boolean;
}

/** A user's live sessions, newest first; impersonation sessions only when asked for. */
export async function listSessions(db: Queryable, projectId: string, userId: string, withImpersonation: boolean): Promise<SessionInfo[]> {
  const { rows } = await db.query<SessionInfo>(
    `SELECT id, user_id, created_at, last_used_at, is_impersonation FROM authsync.refresh_tokens
     WHERE project_id = $1 AND user_id = $2 AND expires_at > now() AND ($3 OR NOT is_impersonation)
     ORDER BY created_at DESC, id`,
    [projectId, userId, withImpersonation],
  );
  return rows;
}

/** The owner of a live session of the project, or undefined. */
export async function sessionOwner(db: Queryable, projectId: string, sessionId: string): Promise<string | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) return undefined;
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM authsync.refresh_tokens WHERE id = $1 AND project_id = $2 AND expires_at > now()',
    [sessionId, projectId],
  );
  return rows[0]?.user_id;
}
