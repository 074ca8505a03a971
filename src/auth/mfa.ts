/**
 * Two-factor sign-in with a TOTP, as Stack does it: a user with a TOTP secret (`totp_secret_base64`) who gets past the
 * first factor (password, e-mail code, OAuth) gets no tokens but MULTI_FACTOR_AUTHENTICATION_REQUIRED with an attempt
 * code (5 minutes, single use); POST /auth/mfa/sign-in with that code and the current 6-digit TOTP (30 s steps; the
 * step before and after are accepted too, for clock drift and a code typed at the turn) opens the session. Wrong TOTPs are counted per user (the per-account sign-in limit) as well as per attempt code, so
 * fresh attempt codes do not buy more guesses.
 */
import { verifyTOTPWithGracePeriod } from '@oslojs/otp';
import type { AppContext } from '../context/app-context.js';
import { errors } from '../errors/known-errors.js';
import type { UserRow } from '../users/user-object.js';
import { finishSignIn, openSession, type SignInResult } from './issue.js';
import { checkVerificationCode, consumeVerificationCode, createAnswerCode } from './verification-codes.js';

const ATTEMPT_TTL_SECONDS = 5 * 60;

/** Throws MULTI_FACTOR_AUTHENTICATION_REQUIRED (with a new attempt code) when the user has a second factor. */
export async function requireSecondFactor(ctx: AppContext, user: UserRow, isNewUser: boolean): Promise<void> {
  if (user.totp_secret_base64 === null) return;
  const code = await createAnswerCode(ctx.db, {
    projectId: user.project_id,
    type: 'MFA_ATTEMPT',
    data: { user_id: user.id, is_new_user: isNewUser },
    ttlSeconds: ATTEMPT_TTL_SECONDS,
  });
  throw errors.multiFactorAuthenticationRequired(code);
}

export interface MfaSignIn {
  projectId: string;
  code: string;
  totp: string;
  clientAddress: string | undefined;
}

export async function signInWithTotp(ctx: AppContext, input: MfaSignIn): Promise<SignInResult & { is_new_user: boolean }> {
  const attempt = await checkVerificationCode(ctx.db, { projectId: input.projectId, type: 'MFA_ATTEMPT', code: input.code });
  const userId = String(attempt.data.user_id);
  const guess = await ctx.limits.secondFactor(input.projectId, input.clientAddress, userId);
  const user = await ctx.users.get(input.projectId, userId);
  if (!user) throw errors.verificationCodeNotFound();
  if (
    user.totp_secret_base64 === null ||
    !/^\d{6}$/.test(input.totp) ||
    !verifyTOTPWithGracePeriod(Buffer.from(user.totp_secret_base64, 'base64'), 30, 6, input.totp, 30)
  ) {
    throw errors.invalidTotpCode();
  }
  await guess.succeeded();
  const opened = await ctx.db.transaction(async (tx) => {
    await consumeVerificationCode(tx, attempt);
    return openSession(ctx, tx, user);
  });
  await ctx.users.touchLastActive(user.id);
  return { ...(await finishSignIn(ctx, opened)), is_new_user: attempt.data.is_new_user === true };
}
