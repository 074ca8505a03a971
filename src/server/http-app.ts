/** The HTTP application: /health, the Stack-compatible API under /api/v1, and (later) /sql and /dashboard. */
import { Hono } from 'hono';
import { apiEndpoints } from '../api/routes/index.js';
import { mountApi } from '../api/router.js';
import type { AppContext } from '../context.js';

export function createHttpApp(ctx: AppContext): Hono {
  const app = new Hono();
  app.get('/health', async (c) => {
    await ctx.db.query('SELECT 1');
    return c.json({ status: 'ok' });
  });
  mountApi(app, ctx, apiEndpoints);
  app.notFound((c) => c.text('Not found', 404));
  app.onError((error, c) => {
    ctx.log.error({ err: error }, 'unhandled error');
    return c.text('Internal server error', 500);
  });
  return app;
}
