/** Endpoints the SDK calls that authsync answers minimally for now: the browser analytics batch. */
import { z } from 'zod';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

export const analyticsBatch = endpoint({
  method: 'POST',
  path: '/analytics/events/batch',
  access: ['client', 'server', 'admin'],
  body: z.object({ events: z.array(z.unknown()).max(10_000).default([]) }).optional(),
  handler: async ({ body }) => ok({ inserted: body?.events.length ?? 0 }),
});
