/**
 * E-mail verification: a CONTACT_CHANNEL_VERIFICATION code for one of a user's addresses, mailed as the
 * `email_verification` template's link, and its redeem, which marks the channel verified (a primary channel through the
 * user store, so users_sync shows `primary_email_verified` in the same transaction).
 */
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { enqueueEmail } from '../email/outbox.js';
import { errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { isTrustedUrl } from '../projects/trusted-urls.js';
import {
  contactChannelNotFound,
  findContactChannelByValue,
  getContactChannel,
  markContactChannelVerified,
  toContactChannel,
  type ContactChannel,
} from '../users/contact-channels.js';
import type { UserRow } from '../users/user-object.js';
import { checkVerificationCode, consumeVerificationCode, createVerificationCode } from './verification-codes.js';

export interface VerificationRequest {
  projectId: string;
  config: ProjectConfig;
  callbackUrl: string;
  /** The client's address, for the e-mail rate limit; undefined for in-process callers. */
  clientAddress?: string | undefined;
}

/** REDIRECT_URL_NOT_WHITELISTED unless the project trusts `callbackUrl`: for callers that must refuse before writing. */
export function checkCallbackUrl(config: ProjectConfig, callbackUrl: string): void {
  if (!isTrustedUrl(config, callbackUrl)) throw errors.redirectUrlNotWhitelisted();
}

/** Creates the code and queues its mail in `tx`: both exist exactly when the caller's work commits. */
export async function queueVerificationMail(
  ctx: AppContext,
  tx: Queryable,
  input: { projectId: string; config: ProjectConfig; callbackUrl: string; email: string; user: Pick<UserRow, 'id' | 'display_name'> },
): Promise<void> {
  const created = await createVerificationCode(tx, {
    projectId: input.projectId,
    config: input.config,
    type: 'CONTACT_CHANNEL_VERIFICATION',
    email: input.email,
    data: { user_id: input.user.id },
    callbackUrl: input.callbackUrl,
  });
  await enqueueEmail(ctx, tx, {
    projectId: input.projectId,
    to: input.email,
    template: 'email_verification',
    variables: { emailVerificationLink: created.link },
    user: { id: input.user.id, display_name: input.user.display_name },
  });
}

/** POST /contact-channels/{user_id}/{id}/send-verification-code: a mail for one channel of the user. */
export async function sendChannelVerification(
  ctx: AppContext,
  user: UserRow,
  channelId: string,
  request: VerificationRequest,
): Promise<void> {
  const channel = await getContactChannel(ctx.db, request.projectId, user.id, channelId);
  if (!channel) throw contactChannelNotFound(404);
  if (channel.is_verified) throw errors.emailAlreadyVerified();
  await send(ctx, user, channel.value, request);
}

/** The deprecated POST /contact-channels/send-verification-code: a mail for the user's primary e-mail. */
export async function sendPrimaryEmailVerification(
  ctx: AppContext,
  user: UserRow,
  email: string,
  request: VerificationRequest,
): Promise<void> {
  if (user.primary_email === null || email.trim().toLowerCase() !== user.primary_email) {
    throw errors.emailIsNotPrimaryEmail(email, user.primary_email);
  }
  if (user.primary_email_verified) throw errors.emailAlreadyVerified();
  await send(ctx, user, user.primary_email, request);
}

async function send(ctx: AppContext, user: UserRow, email: string, request: VerificationRequest): Promise<void> {
  checkCallbackUrl(request.config, request.callbackUrl);
  await ctx.limits.emailSend(request.projectId, request.clientAddress, email);
  await ctx.db.transaction((tx) => queueVerificationMail(ctx, tx, { ...request, email, user }));
}

/** POST /contact-channels/verify/check-code: the code is valid (not consumed). */
export async function checkEmailVerificationCode(ctx: AppContext, projectId: string, code: string): Promise<void> {
  await checkVerificationCode(ctx.db, { projectId, type: 'CONTACT_CHANNEL_VERIFICATION', code });
}

/**
 * POST /contact-channels/verify: marks the channel named by the code (its user and address) verified and uses the
 * code, in one transaction. A channel deleted (or changed) since the code was sent is a text 400, and the code stays
 * unused.
 */
export async function verifyEmail(ctx: AppContext, projectId: string, code: string): Promise<ContactChannel> {
  const found = await checkVerificationCode(ctx.db, { projectId, type: 'CONTACT_CHANNEL_VERIFICATION', code });
  const userId = typeof found.data.user_id === 'string' ? found.data.user_id : '';
  return ctx.db.transaction(async (tx) => {
    await consumeVerificationCode(tx, found);
    const channel = await findContactChannelByValue(tx, projectId, userId, found.email);
    if (!channel) throw contactChannelNotFound();
    await markContactChannelVerified(ctx.users, tx, channel);
    return toContactChannel({ ...channel, is_verified: true });
  });
}
