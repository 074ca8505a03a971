/**
 * Password reset (forgot password): a PASSWORD_RESET code mailed as the `password_reset` template's link, probed by
 * check-code, and redeemed with a new password, which replaces the old one (or creates one for a user who had none)
 * through the user store and ends every session of the user, in one transaction with consuming the code.
 *
 * Asking for a reset tells nothing about whether an account exists: the callback URL is checked before the lookup,
 * every request takes an e-mail token (rate-limit/limits.ts) whether or not a mail goes out, the answer is the same,
 * and it is never sent before `ANSWER_FLOOR_MS` have passed, so the few milliseconds of writing a code and a mail do
 * not show either.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppContext } from '../context/app-context.js';
import { hashPassword } from '../crypto/passwords.js';
import { enqueueEmail } from '../email/outbox.js';
import { errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { isTrustedUrl } from '../projects/trusted-urls.js';
import { normalizeEmail } from '../users/email.js';
import { checkPasswordRules } from '../users/password-rules.js';
import { checkVerificationCode, consumeVerificationCode, createVerificationCode } from './verification-codes.js';

/** The least time a send-reset-code answer takes, whether a mail was queued or not. */
export const ANSWER_FLOOR_MS = 600;

export const SEND_RESET_CODE_ANSWER = { success: 'maybe, only if user with e-mail exists' } as const;

export interface ResetRequest {
  projectId: string;
  config: ProjectConfig;
  email: string;
  callbackUrl: string;
  /** The client's address, for the e-mail rate limit; undefined for in-process callers. */
  clientAddress?: string | undefined;
}

/** POST /auth/password/send-reset-code: mails a reset link if a user signs in with `email`; answers alike either way. */
export async function sendPasswordResetCode(ctx: AppContext, request: ResetRequest): Promise<void> {
  const started = Date.now();
  if (!request.config.credential_enabled) throw errors.passwordAuthenticationNotEnabled();
  // Before the lookup (Stack checks only for existing e-mails), so this error does not tell them apart.
  if (!isTrustedUrl(request.config, request.callbackUrl)) throw errors.redirectUrlNotWhitelisted();
  const email = normalizeEmail(request.email);
  await ctx.limits.emailSend(request.projectId, request.clientAddress, email);
  try {
    const user = await ctx.users.findByAuthEmail(request.projectId, email);
    if (user) {
      await ctx.db.transaction(async (tx) => {
        const created = await createVerificationCode(tx, {
          projectId: request.projectId,
          config: request.config,
          type: 'PASSWORD_RESET',
          email,
          data: { user_id: user.id },
          callbackUrl: request.callbackUrl,
        });
        await enqueueEmail(ctx, tx, {
          projectId: request.projectId,
          to: email,
          template: 'password_reset',
          variables: { passwordResetLink: created.link },
          user: { id: user.id, display_name: user.display_name },
        });
      });
    }
  } finally {
    const left = ANSWER_FLOOR_MS - (Date.now() - started);
    if (left > 0) await sleep(left);
  }
}

export interface ResetRedeem {
  projectId: string;
  config: ProjectConfig;
  code: string;
}

/** POST /auth/password/reset/check-code: the code's errors, or nothing; counts an attempt, does not use the code. */
export async function checkPasswordResetCode(ctx: AppContext, input: ResetRedeem): Promise<void> {
  await checkVerificationCode(ctx.db, { projectId: input.projectId, type: 'PASSWORD_RESET', code: input.code });
}

/**
 * POST /auth/password/reset. The code's errors come first (Stack's order), then the password's rules, and only then is
 * the code used: a password refused for its length leaves the code valid for another try (Stack would have used it).
 */
export async function resetPassword(ctx: AppContext, input: ResetRedeem & { password: string }): Promise<void> {
  if (!input.config.credential_enabled) throw errors.passwordAuthenticationNotEnabled();
  const code = await checkVerificationCode(ctx.db, { projectId: input.projectId, type: 'PASSWORD_RESET', code: input.code });
  checkPasswordRules(input.password);
  const hash = await hashPassword(input.password);
  const userId = code.data.user_id;
  // The user was deleted since: the code names no one (an error the SDK's resetPassword returns rather than throws).
  if (typeof userId !== 'string' || !(await ctx.users.get(input.projectId, userId))) throw errors.verificationCodeNotFound();
  await ctx.db.transaction(async (tx) => {
    await consumeVerificationCode(tx, code);
    // A new password hash ends every session of the user, in this transaction (users/user-store.ts).
    const updated = await ctx.users.update(input.projectId, userId, { password_hash: hash }, { tx });
    if (!updated) throw errors.verificationCodeNotFound();
  });
}
