/** GET/POST /dashboard/sign-in and POST /dashboard/sign-out. */
import type { Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import { hashesEqual, hashSecret } from '../../crypto/secrets.js';
import { hasCode } from '../../errors/app-error.js';
import { clientAddress } from '../../http/peer.js';
import type { Attempt } from '../../rate-limit/limits.js';
import { RATE_LIMITED } from '../../rate-limit/rate-limited.js';
import { isAdminSecret } from '../admin-secret.js';
import type { DashboardEnv } from '../env.js';
import { readForm } from '../form.js';
import { clearSessionCookie, requireCsrf, requireSession, sameOrigin, setSessionCookie } from '../guard.js';
import { DASHBOARD, projectPath } from '../paths.js';
import { createSession, deleteSession } from '../sessions.js';
import { page } from '../view/layout.js';
import { html } from '../view/html.js';
import { errorPage } from './error-page.js';

function signInPage(options: { error?: string; notice?: string }) {
  return page({
    title: 'Sign in',
    ...options,
    body: html`<div class="signin">
<h1>Sign in to authsync</h1>
<form method="post" action="${DASHBOARD}/sign-in">
  <label for="secret">Admin secret or project admin key</label>
  <input type="password" id="secret" name="secret" autocomplete="current-password" required autofocus aria-describedby="secret-help">
  <p id="secret-help" class="muted">The instance admin secret (printed once at the first start, or <code>AUTHSYNC_ADMIN_SECRET</code>) opens every
  project. A project's super secret admin key (<code>sak_…</code>) opens that project only.</p>
  <button type="submit" class="primary">Sign in</button>
</form>
</div>`,
  });
}

/** The project whose live super secret admin key this is, if any. */
async function projectOfAdminKey(ctx: AppContext, secret: string): Promise<string | undefined> {
  const hash = hashSecret(secret);
  const { rows } = await ctx.db.query<{ project_id: string; key_hash: string }>(
    "SELECT project_id, key_hash FROM authsync.project_keys WHERE kind = 'super_secret_admin' AND revoked_at IS NULL AND key_hash = $1",
    [hash],
  );
  return rows.find((row) => hashesEqual(hash, row.key_hash))?.project_id;
}

export function registerSignIn(app: Hono<DashboardEnv>, ctx: AppContext): void {
  app.get('/sign-in', (c) => c.html(signInPage(c.req.query('signed-out') !== undefined ? { notice: 'You are signed out.' } : {})));

  app.post('/sign-in', async (c) => {
    if (!sameOrigin(c, ctx)) return c.html(errorPage('Request refused', 'Sign in from the dashboard’s own page.'), 403);
    const address = clientAddress(c, ctx.config.trustedProxyHops);
    const secret = (await readForm(c)).secret?.trim() ?? '';
    // A token per attempt from the address's bucket and the presented secret's, taken before the secret is checked
    // (so concurrent attempts are counted first) and given back when it is right (rate-limit/limits.ts).
    let attempt: Attempt;
    try {
      attempt = await ctx.limits.dashboardSignIn(address, secret);
    } catch (error) {
      if (!hasCode(error, RATE_LIMITED)) throw error;
      const seconds = error.retryAfterSeconds ?? 1;
      c.header('retry-after', String(seconds));
      return c.html(signInPage({ error: `Too many failed sign-in attempts. Try again in ${seconds} seconds.` }), 429);
    }
    let scope: { projectId: string | null } | undefined;
    if (secret.length > 0 && secret.length <= 512) {
      if (await isAdminSecret(ctx.db, ctx.config, secret)) scope = { projectId: null };
      else {
        const projectId = await projectOfAdminKey(ctx, secret);
        if (projectId) scope = { projectId };
      }
    }
    if (!scope) {
      ctx.log.warn({ address }, 'dashboard sign-in refused');
      return c.html(signInPage({ error: 'That is neither the instance admin secret nor a project’s super secret admin key.' }), 401);
    }
    await attempt.succeeded();
    const session = await createSession(ctx.db, scope.projectId);
    setSessionCookie(c, ctx, session);
    return c.redirect(scope.projectId === null ? `${DASHBOARD}/projects` : projectPath(scope.projectId, '/configuration'), 303);
  });

  app.post('/sign-out', requireSession(ctx), requireCsrf(ctx), async (c) => {
    await deleteSession(ctx.db, c.get('session').id);
    clearSessionCookie(c);
    return c.redirect(`${DASHBOARD}/sign-in?signed-out`, 303);
  });
}
