/**
 * A user's contact channels (/contact-channels) and e-mail verification. With client access only the signed-in user's
 * own channels (`me` or its ID; another user's → text 403); with server access any user's. `is_verified` is set by the
 * server only; to a client a new address is unverified until its code is redeemed.
 */
import { z } from 'zod';
import {
  checkEmailVerificationCode,
  sendChannelVerification,
  sendPrimaryEmailVerification,
  verifyEmail,
} from '../../auth/email-verification.js';
import { verificationCodeField } from '../../auth/verification-codes.js';
import type { AppContext } from '../../context/app-context.js';
import { errors, TextError, type AccessType } from '../../errors/known-errors.js';
import {
  contactChannelNotFound,
  createContactChannel,
  deleteContactChannel,
  getContactChannel,
  listContactChannels,
  toContactChannel,
  updateContactChannel,
} from '../../users/contact-channels.js';
import type { UserRow } from '../../users/user-object.js';
import { emailField } from '../../users/user-fields.js';
import { endpoint } from '../endpoint.js';
import type { RequestAuth } from '../request-auth.js';
import { created, ok } from '../respond.js';
import { uuidField } from './fields.js';

const ANY: AccessType[] = ['client', 'server', 'admin'];
const callbackUrlField = z.string().max(2048);

/** The user the request acts on: `me`, or (client access) the signed-in user's own ID, or (server access) any user. */
type ChannelAction = 'list' | 'create' | 'read' | 'update' | 'delete' | 'verify';

/** What a client is refused for another user's channels, in Stack's words. */
function notOwn(action: ChannelAction): TextError {
  return action === 'verify'
    ? new TextError('CONTACT_CHANNEL_FORBIDDEN', 400, 'Can only send verification code for your own user')
    : new TextError('CONTACT_CHANNEL_FORBIDDEN', 403, `Client can only ${action} contact channels for their own user.`);
}

async function targetUser(ctx: AppContext, auth: RequestAuth, userId: string, action: ChannelAction): Promise<UserRow> {
  if (userId === 'me') {
    if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
    return auth.user;
  }
  if (!uuidField.safeParse(userId).success) throw errors.schemaError('Request validation failed:\n  - params.user_id must be a valid UUID');
  const id = userId.toLowerCase();
  if (auth.accessType === 'client') {
    if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
    if (auth.user.id !== id) throw notOwn(action);
    return auth.user;
  }
  const user = await ctx.users.get(auth.project.project.id, id);
  if (!user) throw errors.userIdDoesNotExist(id);
  return user;
}

const channelFields = {
  type: z.literal('email'),
  value: emailField,
  used_for_auth: z.boolean(),
  is_primary: z.boolean(),
};
const createClientBody = z.object({
  user_id: z.string().max(64),
  type: channelFields.type,
  value: channelFields.value,
  used_for_auth: channelFields.used_for_auth,
  is_primary: channelFields.is_primary.optional(),
});
const createServerBody = createClientBody.extend({ is_verified: z.boolean().optional() });
const updateClientBody = z.object({
  type: channelFields.type.optional(),
  value: channelFields.value.optional(),
  used_for_auth: channelFields.used_for_auth.optional(),
  is_primary: channelFields.is_primary.optional(),
});
const updateServerBody = updateClientBody.extend({ is_verified: z.boolean().optional() });
const isServer = (accessType: AccessType) => accessType !== 'client';

export const listContactChannelsEndpoint = endpoint({
  method: 'GET',
  path: '/contact-channels',
  access: ANY,
  query: z.object({ user_id: z.string().max(64).default('me') }),
  handler: async ({ ctx, auth, query }) => {
    const user = await targetUser(ctx, auth, query.user_id, 'list');
    const rows = await listContactChannels(ctx.db, auth.project.project.id, user.id);
    return ok({ items: rows.map(toContactChannel), is_paginated: false });
  },
});

export const createContactChannelEndpoint = endpoint({
  method: 'POST',
  path: '/contact-channels',
  access: ANY,
  body: createServerBody,
  bodyFor: (accessType) => (isServer(accessType) ? createServerBody : createClientBody),
  handler: async ({ ctx, auth, body }) => {
    const user = await targetUser(ctx, auth, body.user_id, 'create');
    const row = await createContactChannel(ctx, auth.project.project.id, user.id, {
      value: body.value,
      used_for_auth: body.used_for_auth,
      is_primary: body.is_primary,
      is_verified: isServer(auth.accessType) ? body.is_verified : undefined,
    });
    return created(toContactChannel(row));
  },
});

export const verifyContactChannelCheckCode = endpoint({
  method: 'POST',
  path: '/contact-channels/verify/check-code',
  access: ANY,
  body: z.object({ code: verificationCodeField }),
  handler: async ({ ctx, auth, body }) => {
    await checkEmailVerificationCode(ctx, auth.project.project.id, body.code);
    return ok({ is_code_valid: true });
  },
});

export const verifyContactChannel = endpoint({
  method: 'POST',
  path: '/contact-channels/verify',
  access: ANY,
  body: z.object({ code: verificationCodeField }),
  handler: async ({ ctx, auth, body }) => {
    await verifyEmail(ctx, auth.project.project.id, body.code);
    return ok({ success: true });
  },
});

/** Deprecated (used by `user.sendVerificationEmail()`): a new code for the signed-in user's primary e-mail. */
export const sendPrimaryEmailVerificationCode = endpoint({
  method: 'POST',
  path: '/contact-channels/send-verification-code',
  access: ANY,
  body: z.object({ email: z.string().max(256), callback_url: callbackUrlField }),
  handler: async ({ ctx, auth, body, clientAddress }) => {
    // Stack answers a signed-out call as a validation failure of the request's user.
    if (!auth.user) throw errors.schemaError('Request validation failed:\n  - auth.user must be defined');
    await sendPrimaryEmailVerification(ctx, auth.user, body.email, {
      projectId: auth.project.project.id,
      config: auth.project.project.config,
      callbackUrl: body.callback_url,
      clientAddress,
    });
    return ok({ success: true });
  },
});

export const sendContactChannelVerificationCode = endpoint({
  method: 'POST',
  path: '/contact-channels/:user_id/:id/send-verification-code',
  access: ANY,
  body: z.object({ callback_url: callbackUrlField }),
  handler: async ({ ctx, auth, params, body, clientAddress }) => {
    const user = await targetUser(ctx, auth, params.user_id!, 'verify');
    await sendChannelVerification(ctx, user, params.id!, {
      projectId: auth.project.project.id,
      config: auth.project.project.config,
      callbackUrl: body.callback_url,
      clientAddress,
    });
    return ok({ success: true });
  },
});

export const getContactChannelEndpoint = endpoint({
  method: 'GET',
  path: '/contact-channels/:user_id/:id',
  access: ANY,
  handler: async ({ ctx, auth, params }) => {
    const user = await targetUser(ctx, auth, params.user_id!, 'read');
    const row = await getContactChannel(ctx.db, auth.project.project.id, user.id, params.id!);
    if (!row) throw contactChannelNotFound(404);
    return ok(toContactChannel(row));
  },
});

export const updateContactChannelEndpoint = endpoint({
  method: 'PATCH',
  path: '/contact-channels/:user_id/:id',
  access: ANY,
  body: updateServerBody,
  bodyFor: (accessType) => (isServer(accessType) ? updateServerBody : updateClientBody),
  handler: async ({ ctx, auth, params, body }) => {
    const user = await targetUser(ctx, auth, params.user_id!, 'update');
    const row = await updateContactChannel(ctx, auth.project.project.id, user.id, params.id!, {
      value: body.value,
      used_for_auth: body.used_for_auth,
      is_primary: body.is_primary,
      is_verified: isServer(auth.accessType) ? body.is_verified : undefined,
    });
    return ok(toContactChannel(row));
  },
});

export const deleteContactChannelEndpoint = endpoint({
  method: 'DELETE',
  path: '/contact-channels/:user_id/:id',
  access: ANY,
  handler: async ({ ctx, auth, params }) => {
    const user = await targetUser(ctx, auth, params.user_id!, 'delete');
    await deleteContactChannel(ctx, auth.project.project.id, user.id, params.id!);
    return ok({ success: true });
  },
});
