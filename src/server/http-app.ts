/** The HTTP application: /health, /metrics, the Stack-compatible API under /api/v1 and /dashboard. (/sql is
 * served on Node's request directly: see server.ts.) */
import { Hono, type Context } from 'hono';
import { mountDevMailbox } from '../api/dev-mailbox.js';
import { apiEndpoints } from '../api/routes/index.js';
import { mountStorage } from '../api/routes/storage.js';
import { mountApi } from '../api/router.js';
import type { Config } from '../config/index.js';
import type { AppContext } from '../context/app-context.js';
import { hashesEqual, hashSecret } from '../crypto/secrets.js';
import { clientAddress, isLoopback } from '../http/peer.js';
import { mountDashboard } from '../dashboard/index.js';
import type { SqlService } from '../sql/service.js';
import { renderMetrics } from '../sync/metrics.js';
import { syncStatus } from '../sync/status.js';

export function createHttpApp(ctx: AppContext, sql: SqlService): Hono {
  const app = new Hono();
  // Answered by whichever server process took the connection: its pid, and its place in an `authsync start --workers` set.
  app.get('/health', async (c) => {
    await ctx.db.query('SELECT 1');
    const workers = ctx.config.workers === 'auto' ? 1 : ctx.config.workers;
    return c.json({ status: 'ok', pid: process.pid, worker: ctx.config.clusterSlot ?? 1, workers });
  });
  // users_sync pending changes, lag and errors per target (Prometheus text format). The labels name projects and
  // their databases, so the endpoint wants the metrics token, or a loopback connection when none is configured.
  app.get('/metrics', async (c) => {
    const refusal = metricsRefusal(c, ctx.config);
    if (refusal) return c.text(refusal.message, refusal.status, refusal.headers);
    return c.text(renderMetrics(await syncStatus(ctx.db)), 200, { 'content-type': 'text/plain; version=0.0.4' });
  });
  mountApi(app, ctx, apiEndpoints);
  mountStorage(app, ctx);
  if (ctx.config.devMailbox) mountDevMailbox(app, ctx);
  mountDashboard(app, ctx, sql);
  app.notFound((c) => c.text('Not found', 404));
  app.onError((error, c) => {
    ctx.log.error({ err: error }, 'unhandled error');
    return c.text('Internal server error', 500);
  });
  return app;
}

interface Refusal {
  status: 401 | 403;
  message: string;
  headers: Record<string, string>;
}

function metricsRefusal(c: Context, config: Config): Refusal | undefined {
  if (config.metricsToken !== undefined) {
    const header = c.req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (hashesEqual(hashSecret(given), hashSecret(config.metricsToken))) return undefined;
    return {
      status: 401,
      message: 'GET /metrics needs the metrics token: Authorization: Bearer <AUTHSYNC_METRICS_TOKEN>\n',
      headers: { 'www-authenticate': 'Bearer realm="authsync metrics"' },
    };
  }
  // Behind trusted proxies, the client is the one they name: a proxy on this machine would make every client loopback.
  if (isLoopback(clientAddress(c, config.trustedProxyHops))) return undefined;
  return {
    status: 403,
    message: 'GET /metrics answers only on loopback connections; set AUTHSYNC_METRICS_TOKEN to scrape it from elsewhere.\n',
    headers: {},
  };
}
