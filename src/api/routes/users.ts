/** Server-side user management: GET/POST /users, GET/PATCH/DELETE /users/{user_id}. */
import { z } from 'zod';
import type { Queryable } from '../../db/database.js';
import { TextError, errors } from '../../errors/known-errors.js';
import { importOAuthAccounts } from '../../oauth/import-accounts.js';
import { toServerUser } from '../../users/user-object.js';
import { imageTarget } from '../../storage/image-store.js';
import { toUserFields } from '../../users/user-input.js';
import type { RequestAuth } from '../request-auth.js';
import { endpoint } from '../endpoint.js';
import { created, ok } from '../respond.js';
import { serverUserCreateSchema, serverUserUpdateSchema } from '../../users/user-fields.js';
import { booleanQuery, uuidField } from './fields.js';

const SERVER: ['server', 'admin'] = ['server', 'admin'];

export const listUsers = endpoint({
  method: 'GET',
  path: '/users',
  access: SERVER,
  query: z.object({
    limit: z.coerce.number().int().min(1).max(10_000).optional(),
    cursor: uuidField.optional(),
    order_by: z.literal('signed_up_at').optional(),
    desc: booleanQuery.optional(),
    query: z.string().max(1024).optional(),
    include_restricted: booleanQuery.optional(),
    include_anonymous: booleanQuery.optional(),
    only_anonymous: booleanQuery.optional(),
    team_id: uuidField.optional(),
  }),
  handler: async ({ ctx, auth, query }) => {
    if (query.only_anonymous && !query.include_anonymous)
      throw new TextError('ONLY_ANONYMOUS_WITHOUT_ANONYMOUS', 400, 'only_anonymous=true requires include_anonymous=true');
    const page = await ctx.users.list(auth.project.project.id, {
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      ...(query.query ? { query: query.query } : {}),
      desc: query.desc ?? false,
      includeAnonymous: query.include_anonymous ?? false,
      onlyAnonymous: query.only_anonymous ?? false,
      includeRestricted: query.include_restricted ?? false,
      ...(query.team_id !== undefined ? { teamId: query.team_id.toLowerCase() } : {}),
    });
    return ok({ items: page.items.map(toServerUser), is_paginated: true, pagination: { next_cursor: page.nextCursor } });
  },
});

export const createUser = endpoint({
  method: 'POST',
  path: '/users',
  access: SERVER,
  body: serverUserCreateSchema,
  handler: async ({ ctx, auth, body }) => {
    const projectId = auth.project.project.id;
    const fields = await toUserFields(body, undefined, imageTarget(ctx, projectId));
    const accounts = body.oauth_providers ?? [];
    const importAccounts =
      accounts.length === 0
        ? undefined
        : (tx: Queryable, user: { id: string }) => importOAuthAccounts(ctx, tx, projectId, user.id, accounts);
    const user = toServerUser(await ctx.users.create(projectId, fields, importAccounts));
    // Stack answers with the user as it was before its personal team (the team is made after the user is read), so the
    // answer names no selected team; the team is there, and selected, from the next read on.
    return created({ ...user, selected_team_id: null, selected_team: null });
  },
});

/** `me` is the token's user; anything else must be a UUID. */
export function resolveUserId(auth: RequestAuth, userId: string): string {
  if (userId === 'me') {
    if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
    return auth.user.id;
  }
  const parsed = uuidField.safeParse(userId);
  if (!parsed.success) throw errors.schemaError(`Request validation failed:\n  - params.user_id: must be a UUID or "me"`);
  return userId.toLowerCase();
}

export const getUser = endpoint({
  method: 'GET',
  path: '/users/:user_id',
  access: SERVER,
  handler: async ({ ctx, auth, params }) => {
    const user = await ctx.users.get(auth.project.project.id, resolveUserId(auth, params.user_id!));
    if (!user) throw errors.userNotFound();
    return ok(toServerUser(user));
  },
});

export const updateUser = endpoint({
  method: 'PATCH',
  path: '/users/:user_id',
  access: SERVER,
  body: serverUserUpdateSchema,
  handler: async ({ ctx, auth, params, body }) => {
    const projectId = auth.project.project.id;
    const id = resolveUserId(auth, params.user_id!);
    const current = await ctx.users.get(projectId, id);
    if (!current) throw errors.userNotFound();
    const user = await ctx.users.update(projectId, id, await toUserFields(body, current, imageTarget(ctx, projectId)));
    if (!user) throw errors.userNotFound();
    return ok(toServerUser(user));
  },
});

export const deleteUser = endpoint({
  method: 'DELETE',
  path: '/users/:user_id',
  access: SERVER,
  handler: async ({ ctx, auth, params }) => {
    if (!(await ctx.users.delete(auth.project.project.id, resolveUserId(auth, params.user_id!)))) throw errors.userNotFound();
    return ok({ success: true });
  },
});
