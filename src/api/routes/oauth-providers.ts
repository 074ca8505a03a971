/**
 * A user's provider accounts: GET /oauth-providers?user_id=, GET/PATCH/DELETE /oauth-providers/{user_id}/{id}. With
 * client access only the signed-in user's own (`me` or its ID); with server access any user's.
 */
import { z } from 'zod';
import type { AppContext } from '../../context/app-context.js';
import { errors } from '../../errors/known-errors.js';
import {
  deleteUserOAuthProvider,
  getUserOAuthProvider,
  listUserOAuthProviders,
  updateUserOAuthProvider,
} from '../../oauth/user-accounts.js';
import type { RequestAuth } from '../request-auth.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { resolveUserId } from './users.js';

const ANY: ['client', 'server', 'admin'] = ['client', 'server', 'admin'];

/** The user the request may act on: with client access, only the signed-in user. */
async function targetUser(ctx: AppContext, auth: RequestAuth, userId: string): Promise<string> {
  const id = resolveUserId(auth, userId);
  if (auth.accessType === 'client' && id !== auth.user?.id) {
    throw auth.user ? errors.userNotFound() : errors.cannotGetOwnUserWithoutUser();
  }
  if (!(await ctx.users.get(auth.project.project.id, id))) throw errors.userNotFound();
  return id;
}

export const listOAuthProviderAccounts = endpoint({
  method: 'GET',
  path: '/oauth-providers',
  access: ANY,
  query: z.object({ user_id: z.string().max(64).default('me') }),
  handler: async ({ ctx, auth, query }) => {
    const userId = await targetUser(ctx, auth, query.user_id);
    const items = await listUserOAuthProviders(ctx, auth.project.project.id, userId);
    return ok({ items, is_paginated: false });
  },
});

export const getOAuthProviderAccount = endpoint({
  method: 'GET',
  path: '/oauth-providers/:user_id/:id',
  access: ANY,
  handler: async ({ ctx, auth, params }) =>
    ok(await getUserOAuthProvider(ctx, auth.project.project.id, await targetUser(ctx, auth, params.user_id!), params.id!)),
});

export const updateOAuthProviderAccount = endpoint({
  method: 'PATCH',
  path: '/oauth-providers/:user_id/:id',
  access: ANY,
  body: z.object({ allow_sign_in: z.boolean().optional(), allow_connected_accounts: z.boolean().optional() }),
  handler: async ({ ctx, auth, params, body }) =>
    ok(await updateUserOAuthProvider(ctx, auth.project.project.id, await targetUser(ctx, auth, params.user_id!), params.id!, body)),
});

export const deleteOAuthProviderAccount = endpoint({
  method: 'DELETE',
  path: '/oauth-providers/:user_id/:id',
  access: ANY,
  handler: async ({ ctx, auth, params }) => {
    await deleteUserOAuthProvider(ctx, auth.project.project.id, await targetUser(ctx, auth, params.user_id!), params.id!);
    return ok({ success: true });
  },
});
