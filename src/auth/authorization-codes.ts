/**
 * Outer authorization codes (`authsync.oauth_codes`): what the OAuth callback hands the app, to be exchanged at
 * POST /auth/oauth/token. 45 base32 characters, stored as their SHA-256, bound to the user, the redirect_uri and the
 * code challenge of the authorize request. Single use (taken by one DELETE … RETURNING), 5 minutes.
 */
import type { Queryable } from '../db/database.js';
import { hashSecret, randomBase32 } from '../crypto/secrets.js';

export const OUTER_CODE_TTL_SECONDS = 5 * 60;

export interface AuthorizationCode {
  projectId: string;
  userId: string;
  redirectUri: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256' | 'plain';
  isNewUser: boolean;
  afterCallbackRedirectUrl: string | null;
}

/** Mints an outer authorization code (45 base32 characters) and returns it; only its hash is kept. */
export async function createAuthorizationCode(db: Queryable, code: AuthorizationCode): Promise<string> {
  const value = randomBase32(45);
  // Expired rows go in the same statement (one round trip).
  await db.query(
    `WITH expired AS (DELETE FROM authsync.oauth_codes WHERE expires_at < now())
     INSERT INTO authsync.oauth_codes (code_hash, project_id, user_id, redirect_uri, code_challenge, code_challenge_method,
                                      is_new_user, after_callback_redirect_url, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`,
    [
      hashSecret(value),
      code.projectId,
      code.userId,
      code.redirectUri,
      code.codeChallenge,
      code.codeChallengeMethod,
      code.isNewUser,
      code.afterCallbackRedirectUrl,
      OUTER_CODE_TTL_SECONDS,
    ],
  );
  return value;
}

/** Takes (and deletes) a live outer code; undefined when it is unknown, used or expired. */
export async function takeAuthorizationCode(db: Queryable, value: string): Promise<AuthorizationCode | undefined> {
  if (value.length === 0 || value.length > 512) return undefined;
  const { rows } = await db.query<{
    project_id: string;
    user_id: string;
    redirect_uri: string;
    code_challenge: string;
    code_challenge_method: 'S256' | 'plain';
    is_new_user: boolean;
    after_callback_redirect_url: string | null;
    expired: boolean;
  }>(
    `DELETE FROM authsync.oauth_codes WHERE code_hash = $1
     RETURNING project_id, user_id, redirect_uri, code_challenge, code_challenge_method, is_new_user,
               after_callback_redirect_url, expires_at < now() AS expired`,
    [hashSecret(value)],
  );
  const row = rows[0];
  if (!row || row.expired) return undefined;
  return {
    projectId: row.project_id,
    userId: row.user_id,
    redirectUri: row.redirect_uri,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method,
    isNewUser: row.is_new_user,
    afterCallbackRedirectUrl: row.after_callback_redirect_url,
  };
}
