/** GET /internal/metrics (admin access): the project's metrics in Stack's shape (internal/metrics.ts, docs/metrics.md). */
import { z } from 'zod';
import { projectMetrics } from '../../internal/metrics.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

export const internalMetricsEndpoint = endpoint({
  method: 'GET',
  path: '/internal/metrics',
  access: ['admin'],
  query: z.strictObject({ include_anonymous: z.enum(['true', 'false']).optional() }),
  handler: async ({ ctx, auth, query }) =>
    ok(await projectMetrics(ctx.db, auth.project.project.id, { includeAnonymous: query.include_anonymous === 'true' })),
});
