/**
 * Password sign-up and sign-in. A sign-up carrying an anonymous user's token upgrades that user in place
 * (same ID). A sign-in for an unknown e-mail runs a full argon2id verification too, so both failures take the
 * same time and give the same answer. Both are rate-limited (rate-limit/limits.ts) before any password work: per
 * client address, and a sign-in also per account, counting every attempt until one succeeds.
 */
import type { AppContext } from '../context/app-context.js';
import { checkPassword, hashPassword } from '../crypto/passwords.js';
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { normalizeEmail } from '../users/email.js';
import { checkPasswordRules } from '../users/password-rules.js';
import type { UserRow } from '../users/user-object.js';
import { signUpCountry } from '../users/sign-up-country.js';
import { checkCallbackUrl, queueVerificationMail } from './email-verification.js';
import { requireSecondFactor } from './mfa.js';
import { finishSignIn, openSession, type OpenedSession, type SignInResult } from './issue.js';

export interface SignUpInput {
  projectId: string;
  config: ProjectConfig;
  email: string;
  password: string;
  /** The user of the request's token: when anonymous, it is upgraded instead of creating a new user. */
  currentUser: UserRow | null;
  /** The client's address, for the per-address limit; undefined (no such limit) for in-process callers. */
  clientAddress?: string | undefined;
  /** The client's country (a trusted proxy's geo header), recorded on the new user. */
  countryCode?: string | null;
  /**
   * Where the e-mail verification link points (the SDK's `verification_callback_url`): when given, a verification code
   * is created and its mail queued in the transaction that creates the user. Must be a trusted URL of the project.
   */
  verificationCallbackUrl?: string | undefined;
}

export async function signUpWithPassword(ctx: AppContext, input: SignUpInput): Promise<SignInResult> {
  if (!input.config.credential_enabled) throw errors.passwordAuthenticationNotEnabled();
  if (!input.config.sign_up_enabled) throw errors.signUpNotEnabled();
  checkPasswordRules(input.password);
  const callbackUrl = input.verificationCallbackUrl;
  if (callbackUrl !== undefined) checkCallbackUrl(input.config, callbackUrl);
  await ctx.limits.signUp(input.projectId, input.clientAddress);
  const email = normalizeEmail(input.email);
  if (await ctx.users.findByAuthEmail(input.projectId, email)) throw errors.userEmailAlreadyExists(email);
  if (callbackUrl !== undefined) await ctx.limits.emailSend(input.projectId, input.clientAddress, email);
  const verification = async (tx: Queryable, user: UserRow) => {
    if (callbackUrl !== undefined) {
      await queueVerificationMail(ctx, tx, { projectId: input.projectId, config: input.config, callbackUrl, email, user });
    }
  };
  const passwordHash = await hashPassword(input.password);
  const fields = { primary_email: email, primary_email_auth_enabled: true, primary_email_verified: false, password_hash: passwordHash };

  const anonymous = input.currentUser?.is_anonymous ? input.currentUser : null;
  if (anonymous) {
    const opened = await ctx.db.transaction(async (tx) => {
      const upgrade = { ...fields, ...signUpCountry(input.countryCode, anonymous), is_anonymous: false };
      const upgraded = await ctx.users.update(input.projectId, anonymous.id, upgrade, { tx });
      if (!upgraded) throw errors.userNotFound();
      await verification(tx, upgraded);
      return openSession(ctx, tx, upgraded);
    });
    return finishSignIn(ctx, opened);
  }
  let opened: OpenedSession | undefined;
  await ctx.users.create(input.projectId, { ...fields, ...signUpCountry(input.countryCode) }, async (tx, user) => {
    await verification(tx, user);
    opened = await openSession(ctx, tx, user);
  });
  return finishSignIn(ctx, opened!);
}

export interface SignInInput {
  projectId: string;
  config: ProjectConfig;
  email: string;
  password: string;
  /** The client's address, for the per-address limit; undefined (no such limit) for in-process callers. */
  clientAddress?: string | undefined;
  /**
   * Asked instead of the local check for a user with no password here (the lazy password migration's old server,
   * import/lazy-passwords-check.ts): true when the password was right there and has been stored here.
   */
  passwordElsewhere?: PasswordElsewhere | undefined;
}

export type PasswordElsewhere = (
  ctx: AppContext,
  attempt: { projectId: string; user: UserRow; email: string; password: string },
) => Promise<boolean>;

export async function signInWithPassword(ctx: AppContext, input: SignInInput): Promise<SignInResult> {
  if (!input.config.credential_enabled) throw errors.passwordAuthenticationNotEnabled();
  const email = normalizeEmail(input.email);
  // Taken before the check, so concurrent guesses are counted before any is checked; the account's token comes back
  // when the password is right, so a user who signs in often never uses up their own account's budget.
  const attempt = await ctx.limits.signIn(input.projectId, input.clientAddress, email);
  const user = await ctx.users.findByAuthEmail(input.projectId, email);
  const elsewhere = user && user.password_hash === null ? input.passwordElsewhere : undefined;
  const check = elsewhere
    ? { ok: await elsewhere(ctx, { projectId: input.projectId, user: user!, email, password: input.password }) }
    : await checkPassword(input.password, user?.password_hash);
  if (!user || !check.ok) throw errors.emailPasswordMismatch();
  await attempt.succeeded();
  await requireSecondFactor(ctx, user, false);
  const opened = await ctx.db.transaction(async (tx) => {
    if (check.rehash) {
      // Same password, stronger hash: not a change of the user object, so no version bump and no sync event.
      await tx.query('UPDATE authsync.users SET password_hash = $2 WHERE id = $1', [user.id, check.rehash]);
    }
    return openSession(ctx, tx, user);
  });
  return finishSignIn(ctx, opened);
}
