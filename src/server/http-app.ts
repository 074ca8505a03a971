/** The HTTP application: /health, /metrics, the Stack-compatible API under /api/v1 and /dashboard. (/sql is
 * served on Node's request directly: see server.ts.) */
import { Hono } from 'hono';
import { apiEndpoints } from '../api/routes/index.js';
import { mountApi } from '../api/router.js';
import type { AppContext } from '../context.js';
import { mountDashboard } from '../dashboard/index.js';
import { renderMetrics } from '../sync/metrics.js';
import { syncStatus } from '../sync/status.js';

export function createHttpApp(ctx: AppContext): Hono {
  const app = new Hono();
  app.get('/health', async (c) => {
    await ctx.db.query('SELECT 1');
    return c.json({ status: 'ok' });
  });
  // users_sync pending changes, lag and errors per target (Prometheus text format).
  app.get('/metrics', async (c) => c.text(renderMetrics(await syncStatus(ctx.db)), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  mountApi(app, ctx, apiEndpoints);
  mountDashboard(app, ctx);
  app.notFound((c) => c.text('Not found', 404));
  app.onError((error, c) => {
    ctx.log.error({ err: error }, 'unhandled error');
    return c.text('Internal server error', 500);
  });
  return app;
}
