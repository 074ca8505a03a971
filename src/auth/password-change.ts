/**
 * A signed-in user changes their own password (POST /auth/password/update, with the current one) or sets a first one
 * (POST /auth/password/set, for users who signed up by OAuth or e-mail code). Both go through the user store, so
 * users_sync sees the change in the same transaction; both end every other session of the user and keep the caller's,
 * named by the refresh token the SDK sends along. Checking the current password is rate-limited like a sign-in (the
 * account's bucket is the one sign-in uses), so this endpoint is no side door for guessing passwords.
 */
import type { AppContext } from '../context/app-context.js';
import { checkPassword, hashPassword } from '../crypto/passwords.js';
import { hashSecret } from '../crypto/secrets.js';
import type { Queryable } from '../db/database.js';
import { TextError, errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { checkPasswordRules } from '../users/password-rules.js';
import type { UserRow } from '../users/user-object.js';

export interface PasswordChangeBase {
  config: ProjectConfig;
  user: UserRow;
  /** The caller's refresh token: its session survives the change. Undefined: every session ends. */
  currentRefreshToken?: string | undefined;
  /** The client's address, for the per-address sign-in limit; undefined (no such limit) for in-process callers. */
  clientAddress?: string | undefined;
}

export async function updatePassword(
  ctx: AppContext,
  input: PasswordChangeBase & { oldPassword: string; newPassword: string },
): Promise<void> {
  const { user } = input;
  if (!input.config.credential_enabled) throw errors.passwordAuthenticationNotEnabled();
  checkPasswordRules(input.newPassword);
  if (!user.password_hash) throw errors.userDoesNotHavePassword();
  // The same per-account bucket as a password sign-in with this e-mail: guesses here and at sign-in add up.
  const attempt = await ctx.limits.signIn(user.project_id, input.clientAddress, user.primary_email ?? `user:${user.id}`);
  const check = await checkPassword(input.oldPassword, user.password_hash);
  if (!check.ok) throw errors.passwordConfirmationMismatch();
  await attempt.succeeded();
  await setPasswordHash(ctx, input, await hashPassword(input.newPassword));
}

export async function setPassword(ctx: AppContext, input: PasswordChangeBase & { password: string }): Promise<void> {
  if (!input.config.credential_enabled) throw errors.passwordAuthenticationNotEnabled();
  checkPasswordRules(input.password);
  if (input.user.password_hash) throw alreadyHasPassword();
  const hash = await hashPassword(input.password);
  await setPasswordHash(ctx, input, hash, 'only if none');
}

const alreadyHasPassword = () => new TextError('USER_ALREADY_HAS_PASSWORD', 400, 'User already has a password set.');

async function setPasswordHash(ctx: AppContext, input: PasswordChangeBase, hash: string, onlyIfNone?: 'only if none'): Promise<void> {
  const { user } = input;
  await ctx.db.transaction(async (tx) => {
    // Read under a row lock: two concurrent "set" requests must not both find no password.
    const locked = await tx.query<{ password_hash: string | null }>('SELECT password_hash FROM authsync.users WHERE id = $1 FOR UPDATE', [
      user.id,
    ]);
    if (locked.rows.length === 0) throw errors.userNotFound();
    if (onlyIfNone && locked.rows[0]!.password_hash) throw alreadyHasPassword();
    const keepSessionId = await sessionOf(tx, user, input.currentRefreshToken);
    const updated = await ctx.users.update(
      user.project_id,
      user.id,
      { password_hash: hash },
      { tx, ...(keepSessionId ? { keepSessionId } : {}) },
    );
    if (!updated) throw errors.userNotFound();
  });
}

/** The ID of the user's live session with this refresh token, found by its hash. */
async function sessionOf(tx: Queryable, user: UserRow, refreshToken: string | undefined): Promise<string | undefined> {
  if (refreshToken === undefined || refreshToken.length > 512) return undefined;
  const { rows } = await tx.query<{ id: string }>(
    'SELECT id FROM authsync.refresh_tokens WHERE token_hash = $1 AND user_id = $2 AND project_id = $3 AND expires_at > now()',
    [hashSecret(refreshToken), user.id, user.project_id],
  );
  return rows[0]?.id;
}
