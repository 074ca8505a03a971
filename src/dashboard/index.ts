/**
 * The dashboard at /dashboard: server-rendered pages over the same plain functions the API and the CLI call
 * (projects, keys, users, sync, RLS). Mounted by server/http-app.ts. See ARCHITECTURE.md, "Dashboard".
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppContext } from '../context/app-context.js';
import type { SqlService } from '../sql/service.js';
import { SCRIPT } from './assets/script.js';
import { STYLES } from './assets/styles.js';
import type { DashboardEnv } from './env.js';
import { requireCsrf, requireProject, requireSession, securityHeaders } from './guard.js';
import { DASHBOARD } from './paths.js';
import { registerConfiguration } from './pages/configuration.js';
import { registerEmails } from './pages/emails.js';
import { errorPage } from './pages/error-page.js';
import { registerProjects } from './pages/projects.js';
import { registerRls } from './pages/rls.js';
import { registerSignIn } from './pages/sign-in.js';
import { registerSync } from './pages/sync.js';
import { registerTeams } from './pages/teams.js';
import { registerUsers } from './pages/users.js';
import { registerUser } from './pages/user.js';

/** `sql` is the server's /sql service, which "query as user" runs through. */
export function mountDashboard(app: Hono, ctx: AppContext, sql: SqlService): void {
  const dashboard = new Hono<DashboardEnv>();
  dashboard.use('*', securityHeaders);
  dashboard.use('*', bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.html(errorPage('Too large', 'That form was too large.'), 413) }));

  dashboard.get('/assets/dashboard.css', (c) => asset(c.body(STYLES), 'text/css; charset=utf-8'));
  dashboard.get('/assets/dashboard.js', (c) => asset(c.body(SCRIPT), 'text/javascript; charset=utf-8'));
  registerSignIn(dashboard, ctx);

  dashboard.use('*', requireSession(ctx), requireCsrf(ctx));
  dashboard.get('/', (c) => {
    const { projectId } = c.get('session');
    return c.redirect(projectId === null ? `${DASHBOARD}/projects` : `${DASHBOARD}/projects/${projectId}/configuration`, 303);
  });
  registerProjects(dashboard, ctx);
  dashboard.use('/projects/:projectId/*', requireProject(ctx));
  dashboard.get('/projects/:projectId', (c) => c.redirect(`${DASHBOARD}/projects/${c.get('project').id}/configuration`, 303));
  registerConfiguration(dashboard, ctx);
  registerUsers(dashboard, ctx);
  registerUser(dashboard, ctx);
  registerSync(dashboard, ctx);
  registerRls(dashboard, ctx, sql);
  registerEmails(dashboard, ctx);
  registerTeams(dashboard, ctx);

  dashboard.notFound((c) => c.html(errorPage('Not found', 'There is no such page in the dashboard.'), 404));
  app.get(DASHBOARD, (c) => c.redirect(`${DASHBOARD}/`, 303));
  app.route(DASHBOARD, dashboard);
}

function asset(response: Response, type: string): Response {
  response.headers.set('content-type', type);
  response.headers.set('cache-control', 'public, max-age=300');
  return response;
}
