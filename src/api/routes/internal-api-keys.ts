/**
 * API key sets of a project (admin access: its super secret admin key, or an admin access token of a member of its
 * owner team): POST /internal/api-keys shows the new keys once (200, as Stack), GET lists the sets with each key's last
 * four characters, PATCH /internal/api-keys/:id changes the description or revokes the set.
 */
import { z } from 'zod';
import { createKeySet, listKeySets, updateKeySet, type KeySet } from '../../internal/api-key-sets.js';
import type { ProjectKeyKind } from '../../projects/projects.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

const FIELDS: Array<[ProjectKeyKind, string]> = [
  ['publishable_client', 'publishable_client_key'],
  ['secret_server', 'secret_server_key'],
  ['super_secret_admin', 'super_secret_admin_key'],
];

function keySetShape(set: KeySet): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: set.id,
    description: set.description,
    created_at_millis: set.createdAt.getTime(),
    expires_at_millis: set.expiresAt.getTime(),
  };
  if (set.revokedAt) out.manually_revoked_at_millis = set.revokedAt.getTime();
  for (const [kind, field] of FIELDS) if (set.lastFour[kind] !== undefined) out[field] = { last_four: set.lastFour[kind] };
  return out;
}

export const createApiKeySetEndpoint = endpoint({
  method: 'POST',
  path: '/internal/api-keys',
  access: ['admin'],
  body: z.strictObject({
    description: z.string().max(1024),
    expires_at_millis: z.number().int().positive().max(8_640_000_000_000_000),
    has_publishable_client_key: z.boolean(),
    has_secret_server_key: z.boolean(),
    has_super_secret_admin_key: z.boolean(),
  }),
  handler: async ({ ctx, auth, body }) => {
    const asked: Record<ProjectKeyKind, boolean> = {
      publishable_client: body.has_publishable_client_key,
      secret_server: body.has_secret_server_key,
      super_secret_admin: body.has_super_secret_admin_key,
    };
    const { set, keys } = await createKeySet(ctx.db, ctx.box, auth.project.project.id, {
      description: body.description,
      expiresAt: new Date(body.expires_at_millis),
      kinds: FIELDS.map(([kind]) => kind).filter((kind) => asked[kind]),
    });
    // This server serves the new keys at once; the others when the change notification reaches them.
    ctx.directory.invalidate(auth.project.project.id);
    const shape: Record<string, unknown> = keySetShape(set);
    for (const [kind, field] of FIELDS) if (keys[kind] !== undefined) shape[field] = keys[kind];
    return ok(shape);
  },
});

export const listApiKeySetsEndpoint = endpoint({
  method: 'GET',
  path: '/internal/api-keys',
  access: ['admin'],
  handler: async ({ ctx, auth }) =>
    ok({ items: (await listKeySets(ctx.db, auth.project.project.id)).map(keySetShape), is_paginated: false }),
});

export const updateApiKeySetEndpoint = endpoint({
  method: 'PATCH',
  path: '/internal/api-keys/:api_key_id',
  access: ['admin'],
  body: z.strictObject({ description: z.string().max(1024).optional(), revoked: z.boolean().optional() }),
  handler: async ({ ctx, auth, params, body }) => {
    const set = await updateKeySet(ctx.db, auth.project.project.id, params.api_key_id!, {
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.revoked !== undefined ? { revoked: body.revoked } : {}),
    });
    ctx.directory.invalidate(auth.project.project.id);
    return ok(keySetShape(set));
  },
});
