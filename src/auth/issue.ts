/**
 * Opening a session: a refresh token plus its first access token, the answer of every sign-in path.
 * The session row is written inside the caller's transaction; the access token is minted after commit
 * (`finish`), because minting may read signing keys and, on the embedded database, any query outside an
 * open transaction waits for it to end.
 */
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import type { UserRow } from '../users/user-object.js';
import { mintAccessToken } from './access-tokens.js';
import { createSession } from './sessions.js';

export interface SignInResult {
  access_token: string;
  refresh_token: string;
  user_id: string;
}

export interface OpenedSession {
  user: UserRow;
  sessionId: string;
  refreshToken: string;
}

export async function openSession(
  ctx: AppContext,
  tx: Queryable,
  user: UserRow,
  options: { ttlSeconds?: number; isImpersonation?: boolean } = {},
): Promise<OpenedSession> {
  const session = await createSession(tx, {
    projectId: user.project_id,
    userId: user.id,
    ttlSeconds: options.ttlSeconds ?? ctx.config.refreshTokenTtlSeconds,
    isImpersonation: options.isImpersonation ?? false,
  });
  return { user, sessionId: session.id, refreshToken: session.refreshToken };
}

/** Mints the first access token of a committed session. */
export async function finishSignIn(ctx: AppContext, opened: OpenedSession): Promise<SignInResult> {
  return {
    access_token: await mintAccessToken(ctx, opened.user, opened.sessionId),
    refresh_token: opened.refreshToken,
    user_id: opened.user.id,
  };
}
