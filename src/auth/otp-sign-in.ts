/**
 * Magic link / OTP sign-in (spec §2.6), when the project enables it (`magic_link_enabled`). A ONE_TIME_PASSWORD code is
 * mailed as the `magic_link` template: the link carries the whole code, the subject its first 6 characters (the OTP),
 * and the client keeps the other 39 (the nonce) to send back with the OTP. Redeeming it signs in:
 * - the user who signs in with that e-mail, if the address is verified (their `otp_auth_enabled` is turned on);
 * - nobody, if that address is not verified: USER_EMAIL_ALREADY_EXISTS, which would work once it is (an attacker who
 *   registered someone else's address with a password must not be let in by that person's inbox, nor the reverse);
 * - else a new user with that verified e-mail, or the request's anonymous user upgraded in place, if sign-up is on.
 */
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { enqueueEmail } from '../email/outbox.js';
import { TextError, errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { normalizeEmail } from '../users/email.js';
import type { UserRow } from '../users/user-object.js';
import { signUpCountry } from '../users/sign-up-country.js';
import { requireSecondFactor } from './mfa.js';
import { finishSignIn, openSession, type OpenedSession, type SignInResult } from './issue.js';
import { checkVerificationCode, consumeVerificationCode, createVerificationCode } from './verification-codes.js';

const otpNotEnabled = () => new TextError('OTP_SIGN_IN_NOT_ENABLED', 403, 'OTP sign-in is not enabled for this project');

export interface OtpSendRequest {
  projectId: string;
  config: ProjectConfig;
  email: string;
  callbackUrl: string;
  /** The client's address, for the e-mail rate limit; undefined for in-process callers. */
  clientAddress?: string | undefined;
  /**
   * The client's country (a trusted proxy's geo header): kept with the code, and recorded on the user the code makes,
   * as Stack does (the code is used from wherever the link is opened, the request was made by the one signing up).
   */
  countryCode?: string | null;
}

/** POST /auth/otp/send-sign-in-code: mails the code, returns its nonce (the 39 characters after the OTP). */
export async function sendSignInCode(ctx: AppContext, request: OtpSendRequest): Promise<{ nonce: string }> {
  if (!request.config.magic_link_enabled) throw otpNotEnabled();
  const email = normalizeEmail(request.email);
  await ctx.limits.emailSend(request.projectId, request.clientAddress, email);
  const owner = await authEmailOwner(ctx, request.projectId, email);
  if (owner && !owner.verified) throw errors.userEmailAlreadyExists(email, true);
  if (!owner && !request.config.sign_up_enabled) throw errors.signUpNotEnabled();
  return ctx.db.transaction(async (tx) => {
    // Checks the callback URL (REDIRECT_URL_NOT_WHITELISTED) before writing anything.
    const created = await createVerificationCode(tx, {
      projectId: request.projectId,
      config: request.config,
      type: 'ONE_TIME_PASSWORD',
      email,
      data: request.countryCode ? { country_code: request.countryCode } : {},
      callbackUrl: request.callbackUrl,
    });
    await enqueueEmail(ctx, tx, {
      projectId: request.projectId,
      to: email,
      template: 'magic_link',
      variables: { magicLink: created.link, otp: created.otp },
      user: owner ? { id: owner.user.id, display_name: owner.user.display_name } : null,
    });
    return { nonce: created.nonce };
  });
}

export interface OtpRedeem {
  projectId: string;
  config: ProjectConfig;
  /** The 45 characters of the link, or the OTP followed by the nonce; any case. */
  code: string;
}

/** POST /auth/otp/sign-in/check-code: the code's errors, or nothing; counts an attempt, does not use the code. */
export async function checkSignInCode(ctx: AppContext, input: OtpRedeem): Promise<void> {
  if (!input.config.magic_link_enabled) throw otpNotEnabled();
  await checkVerificationCode(ctx.db, { projectId: input.projectId, type: 'ONE_TIME_PASSWORD', code: input.code });
}

export interface OtpSignIn extends OtpRedeem {
  /** The user of the request's token: an anonymous one is upgraded instead of creating a new user. */
  currentUser: UserRow | null;
  /** The client's address: a new user takes a token of the per-address sign-up limit. */
  clientAddress?: string | undefined;
  /** The client's country (a trusted proxy's geo header), recorded on a new user. */
  countryCode?: string | null;
}

/** POST /auth/otp/sign-in: uses the code and opens a session, in one transaction. */
export async function signInWithCode(ctx: AppContext, input: OtpSignIn): Promise<SignInResult & { is_new_user: boolean }> {
  if (!input.config.magic_link_enabled) throw otpNotEnabled();
  const code = await checkVerificationCode(ctx.db, { projectId: input.projectId, type: 'ONE_TIME_PASSWORD', code: input.code });
  const { projectId } = input;
  const owner = await authEmailOwner(ctx, projectId, code.email);

  if (owner) {
    // The address may have been registered unverified since the code was sent.
    if (!owner.verified) throw errors.userEmailAlreadyExists(code.email, true);
    // The code proved the e-mail (the first factor) and is spent on the attempt code it is exchanged for.
    if (owner.user.totp_secret_base64 !== null) {
      await ctx.db.transaction((tx) => consumeVerificationCode(tx, code));
      await requireSecondFactor(ctx, owner.user, false);
    }
    const opened = await ctx.db.transaction(async (tx) => {
      await consumeVerificationCode(tx, code);
      const user = owner.user.otp_auth_enabled
        ? owner.user
        : await ctx.users.update(projectId, owner.user.id, { otp_auth_enabled: true }, { tx });
      if (!user) throw errors.verificationCodeNotFound();
      return openSession(ctx, tx, user);
    });
    return { ...(await finishSignIn(ctx, opened)), is_new_user: false };
  }

  if (!input.config.sign_up_enabled) throw errors.signUpNotEnabled();
  await ctx.limits.signUp(projectId, input.clientAddress);
  const fields = { primary_email: code.email, primary_email_verified: true, primary_email_auth_enabled: true, otp_auth_enabled: true };
  // The country of the request that asked for the code, else of this one.
  const country = typeof code.data.country_code === 'string' ? code.data.country_code : input.countryCode;
  const anonymous = input.currentUser?.is_anonymous ? input.currentUser : null;
  let opened: OpenedSession;
  if (anonymous) {
    opened = await ctx.db.transaction(async (tx) => {
      await consumeVerificationCode(tx, code);
      const upgrade = { ...fields, ...signUpCountry(country, anonymous), is_anonymous: false };
      const upgraded = await ctx.users.update(projectId, anonymous.id, upgrade, { tx });
      if (!upgraded) throw errors.userNotFound();
      return openSession(ctx, tx, upgraded);
    });
  } else {
    let within: OpenedSession | undefined;
    await ctx.users.create(projectId, { ...fields, ...signUpCountry(country) }, async (tx, user) => {
      await consumeVerificationCode(tx, code);
      within = await openSession(ctx, tx, user);
    });
    opened = within!;
  }
  return { ...(await finishSignIn(ctx, opened)), is_new_user: true };
}

/** The user who signs in with `email`, and whether that address (primary or another channel used for auth) is verified. */
async function authEmailOwner(
  ctx: AppContext,
  projectId: string,
  email: string,
): Promise<{ user: UserRow; verified: boolean } | undefined> {
  const user = await ctx.users.findByAuthEmail(projectId, email);
  if (!user) return undefined;
  if (user.primary_email === email && user.primary_email_auth_enabled) return { user, verified: user.primary_email_verified };
  return { user, verified: await channelVerified(ctx.db, user.id, email) };
}

async function channelVerified(db: Queryable, userId: string, email: string): Promise<boolean> {
  const { rows } = await db.query<{ is_verified: boolean }>(
    `SELECT is_verified FROM authsync.contact_channels WHERE user_id = $1 AND type = 'email' AND value = $2 AND used_for_auth`,
    [userId, email],
  );
  return rows[0]?.is_verified ?? false;
}
