/**
 * Lazy password migration at sign-in: a marked user without a local hash (lazy-passwords.ts) is signed in at the old
 * server with the e-mail and password given here. Only a success for the same user ID counts; then the password is
 * hashed here (argon2id, as at sign-up), the mark cleared, and the old server never asked about that user again.
 * Anything else, the old server down, slow, answering 5xx or for another user, is a wrong password to the caller: the
 * sign-in answers EMAIL_PASSWORD_MISMATCH, never a 5xx. The sign-in's rate limits are taken before this runs.
 */
import type { AppContext } from '../context/app-context.js';
import { checkPassword, hashPassword } from '../crypto/passwords.js';
import type { UserRow } from '../users/user-object.js';
import { oldServerFor, type LazyPasswordSource } from './lazy-passwords.js';

/** How long the old server gets to answer a sign-in. */
export const OLD_SERVER_TIMEOUT_MS = 5_000;

export interface ElsewhereAttempt {
  projectId: string;
  user: UserRow;
  /** The e-mail the user signed in with (normalised). */
  email: string;
  password: string;
}

/** Checks `attempt` at the project's old server when the user is marked; true when the password moved here. */
export async function checkPasswordAtOldServer(ctx: AppContext, attempt: ElsewhereAttempt): Promise<boolean> {
  const { projectId, user } = attempt;
  const source = user.password_hash === null ? await oldServerFor(ctx.db, ctx.box, projectId, user.id) : null;
  // Not marked (a user who signs in with OAuth only): the local check's full-cost refusal of a missing hash, so the
  // answer takes as long as for an unknown e-mail.
  if (!source) {
    await checkPassword(attempt.password, null);
    return false;
  }
  const answer = await signInAtOldServer(source, attempt.email, attempt.password).catch((error: unknown) => {
    ctx.log.warn({ projectId, userId: user.id, err: error }, 'lazy password migration: the old server did not answer');
    return null;
  });
  if (!answer) return false;
  void signOutAtOldServer(source, answer.accessToken);
  if (answer.userId !== user.id) {
    // The old server knows this e-mail as another user: its password says nothing about ours.
    ctx.log.warn({ projectId, userId: user.id }, 'lazy password migration: the old server signed in another user ID; refused');
    return false;
  }
  const hash = await hashPassword(attempt.password);
  return ctx.db.transaction(async (tx) => {
    // Only where no password was set meanwhile (a reset, an admin): then that one decides.
    const { rowCount } = await tx.query(
      'UPDATE authsync.users SET password_hash = $3 WHERE id = $1 AND project_id = $2 AND password_hash IS NULL',
      [user.id, projectId, hash],
    );
    await tx.query('DELETE FROM authsync.lazy_password_users WHERE user_id = $1', [user.id]);
    if (!rowCount) {
      const current = await ctx.users.get(projectId, user.id, tx);
      return (await checkPassword(attempt.password, current?.password_hash)).ok;
    }
    // An empty update: a version bump and the change hooks, so users_sync's raw_json says has_password: true. Not a
    // password change through the store, which would end the user's other sessions.
    await ctx.users.update(projectId, user.id, {}, { tx });
    return true;
  });
}

interface OldSignIn {
  userId: string;
  accessToken: string | null;
}

function headers(source: LazyPasswordSource): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-stack-project-id': source.oldProjectId,
    ...(source.keyKind === 'secret_server'
      ? { 'x-stack-access-type': 'server', 'x-stack-secret-server-key': source.key }
      : { 'x-stack-access-type': 'client', 'x-stack-publishable-client-key': source.key }),
  };
}

/** POST /auth/password/sign-in at the old server: the user ID it signed in, or null when it refused the password. */
async function signInAtOldServer(source: LazyPasswordSource, email: string, password: string): Promise<OldSignIn | null> {
  const response = await fetch(`${source.apiUrl}/auth/password/sign-in`, {
    method: 'POST',
    headers: headers(source),
    body: JSON.stringify({ email, password }),
    redirect: 'error',
    signal: AbortSignal.timeout(OLD_SERVER_TIMEOUT_MS),
  });
  const body = (await response.json().catch(() => null)) as { user_id?: unknown; access_token?: unknown } | null;
  if (response.status >= 500) throw new Error(`the old server answered ${response.status}`);
  if (response.status !== 200 || typeof body?.user_id !== 'string') return null;
  return { userId: body.user_id.toLowerCase(), accessToken: typeof body.access_token === 'string' ? body.access_token : null };
}

/** Ends the session the check opened at the old server; best effort, nobody waits for it. */
async function signOutAtOldServer(source: LazyPasswordSource, accessToken: string | null): Promise<void> {
  if (!accessToken) return;
  await fetch(`${source.apiUrl}/auth/sessions/current`, {
    method: 'DELETE',
    headers: { ...headers(source), 'x-stack-access-token': accessToken },
    body: '{}',
    redirect: 'error',
    signal: AbortSignal.timeout(OLD_SERVER_TIMEOUT_MS),
  }).catch(() => undefined);
}
