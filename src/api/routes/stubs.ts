/**
 * Endpoints the SDK calls that authsync answers minimally for now: the teams list (the prebuilt
 * account-settings page reads it; there are no teams yet) and the browser analytics batch.
 */
import { z } from 'zod';
import { errors } from '../../errors/known-errors.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { resolveUserId } from './users.js';

export const listTeams = endpoint({
  method: 'GET',
  path: '/teams',
  access: ['client', 'server', 'admin'],
  query: z.object({ user_id: z.string().max(64).optional() }),
  handler: async ({ auth, query }) => {
    if (auth.accessType === 'client' && query.user_id !== 'me')
      throw errors.schemaError('Request validation failed:\n  - query.user_id: client access may only list the teams of "me"');
    if (query.user_id !== undefined) resolveUserId(auth, query.user_id);
    return ok({ items: [], is_paginated: false });
  },
});

export const analyticsBatch = endpoint({
  method: 'POST',
  path: '/analytics/events/batch',
  access: ['client', 'server', 'admin'],
  body: z.object({ events: z.array(z.unknown()).max(10_000).default([]) }).optional(),
  handler: async ({ body }) => ok({ inserted: body?.events.length ?? 0 }),
});
