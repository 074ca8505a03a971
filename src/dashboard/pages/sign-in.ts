/**
 * GET/POST /dashboard/sign-in, POST /dashboard/sign-in/password and /sign-in/totp, POST /dashboard/sign-out.
 *
 * Two ways in. The instance admin secret (every project) or a project's super secret admin key (that project). Or an
 * operator's account: a user of the internal project, signed in with e-mail and password by the API's own password
 * sign-in (the internal project's settings, its rate limits, the second factor when the user has one), who sees the
 * projects their teams own (guard.ts).
 */
import type { Context, Hono } from 'hono';
import { signInWithTotp } from '../../auth/mfa.js';
import { signInWithPassword } from '../../auth/password-auth.js';
import type { SignInResult } from '../../auth/issue.js';
import { deleteSession as endUserSession, useSession } from '../../auth/sessions.js';
import type { AppContext } from '../../context/app-context.js';
import { hashesEqual, hashSecret } from '../../crypto/secrets.js';
import { AppError, hasCode } from '../../errors/app-error.js';
import { checkPasswordAtOldServer } from '../../import/lazy-passwords-check.js';
import { clientAddress } from '../../http/peer.js';
import { INTERNAL_PROJECT_ID } from '../../projects/internal-id.js';
import { getProject } from '../../projects/projects.js';
import type { Attempt } from '../../rate-limit/limits.js';
import { RATE_LIMITED } from '../../rate-limit/rate-limited.js';
import { restrictedReason } from '../../users/user-object.js';
import { isAdminSecret } from '../admin-secret.js';
import type { DashboardEnv } from '../env.js';
import { readForm } from '../form.js';
import { clearSessionCookie, requireCsrf, requireSession, sameOrigin, setSessionCookie } from '../guard.js';
import { DASHBOARD, projectPath } from '../paths.js';
import { createSession, deleteSession, type SessionScope } from '../sessions.js';
import { page } from '../view/layout.js';
import { html } from '../view/html.js';
import { errorPage } from './error-page.js';

/** The one answer to a wrong password and to an unknown e-mail alike: it does not tell whether the account exists. */
const WRONG_PASSWORD = 'Wrong e-mail or password.';

function signInPage(options: { error?: string; notice?: string; email?: string }) {
  return page({
    title: 'Sign in',
    ...options,
    body: html`<div class="signin">
<h1>Sign in to authsync</h1>
<section aria-labelledby="with-account">
<h2 id="with-account">With your operator account</h2>
<form method="post" action="${DASHBOARD}/sign-in/password">
  <label for="email">E-mail</label>
  <input type="email" id="email" name="email" autocomplete="username" required maxlength="256" value="${options.email ?? ''}" ${options.email ? '' : html`autofocus`}>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024" aria-describedby="account-help" ${options.email ? html`autofocus` : ''}>
  <p id="account-help" class="muted">An account of the instance’s internal project. It opens the projects owned by your teams.</p>
  <button type="submit" class="primary">Continue</button>
</form>
</section>
<section aria-labelledby="with-secret">
<h2 id="with-secret">With a secret</h2>
<form method="post" action="${DASHBOARD}/sign-in">
  <label for="secret">Admin secret or project admin key</label>
  <input type="password" id="secret" name="secret" autocomplete="off" required aria-describedby="secret-help">
  <p id="secret-help" class="muted">The instance admin secret (printed once at the first start, or <code>AUTHSYNC_ADMIN_SECRET</code>) opens every
  project. A project's super secret admin key (<code>sak_…</code>) opens that project only.</p>
  <button type="submit">Sign in</button>
</form>
</section>
</div>`,
  });
}

/** The second step of an operator with a TOTP: the attempt code of the first step travels in the form. */
function totpPage(attemptCode: string, error?: string) {
  return page({
    title: 'Two-factor code',
    ...(error ? { error } : {}),
    body: html`<div class="signin">
<h1>Two-factor code</h1>
<form method="post" action="${DASHBOARD}/sign-in/totp">
  <input type="hidden" name="attempt_code" value="${attemptCode}">
  <label for="totp">Code from your authenticator app</label>
  <input type="text" id="totp" name="totp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus>
  <button type="submit" class="primary">Verify</button>
</form>
<p><a href="${DASHBOARD}/sign-in">Start again</a></p>
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

function tooMany(c: Context, error: AppError, retry: (message: string) => ReturnType<typeof signInPage>) {
  const seconds = error.retryAfterSeconds ?? 1;
  c.header('retry-after', String(seconds));
  return c.html(retry(`Too many failed sign-in attempts. Try again in ${seconds} seconds.`), 429);
}

/** Opens the dashboard session of an operator whose internal-project sign-in succeeded (or refuses a restricted one). */
async function operatorSession(c: Context<DashboardEnv>, ctx: AppContext, signedIn: SignInResult) {
  const userSession = await useSession(ctx.db, signedIn.refresh_token);
  const user = userSession ? await ctx.users.get(INTERNAL_PROJECT_ID, userSession.user_id) : undefined;
  if (!userSession || !user || restrictedReason(user) !== null) {
    if (userSession) await endUserSession(ctx.db, INTERNAL_PROJECT_ID, userSession.id);
    return c.html(signInPage({ error: 'This account may not sign in to the dashboard.' }), 403);
  }
  const session = await createSession(ctx.db, { kind: 'operator', userId: user.id, refreshTokenId: userSession.id });
  setSessionCookie(c, ctx, session);
  return c.redirect(`${DASHBOARD}/projects`, 303);
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
      return tooMany(c, error, (message) => signInPage({ error: message }));
    }
    let scope: SessionScope | undefined;
    if (secret.length > 0 && secret.length <= 512) {
      if (await isAdminSecret(ctx.db, ctx.config, secret)) scope = { kind: 'instance' };
      else {
        const projectId = await projectOfAdminKey(ctx, secret);
        if (projectId) scope = { kind: 'project', projectId };
      }
    }
    if (!scope) {
      ctx.log.warn({ address }, 'dashboard sign-in refused');
      return c.html(signInPage({ error: 'That is neither the instance admin secret nor a project’s super secret admin key.' }), 401);
    }
    await attempt.succeeded();
    const session = await createSession(ctx.db, scope);
    setSessionCookie(c, ctx, session);
    return c.redirect(scope.kind === 'project' ? projectPath(scope.projectId, '/configuration') : `${DASHBOARD}/projects`, 303);
  });

  app.post('/sign-in/password', async (c) => {
    if (!sameOrigin(c, ctx)) return c.html(errorPage('Request refused', 'Sign in from the dashboard’s own page.'), 403);
    const form = await readForm(c);
    const email = (form.email ?? '').trim().slice(0, 256);
    const password = (form.password ?? '').slice(0, 1024);
    const internal = await getProject(ctx.db, INTERNAL_PROJECT_ID);
    if (!internal) return c.html(signInPage({ error: 'This instance has no internal project yet.' }), 503);
    const address = clientAddress(c, ctx.config.trustedProxyHops);
    try {
      const signedIn = await signInWithPassword(ctx, {
        projectId: INTERNAL_PROJECT_ID,
        config: internal.config,
        email,
        password,
        clientAddress: address,
        passwordElsewhere: checkPasswordAtOldServer,
      });
      return await operatorSession(c, ctx, signedIn);
    } catch (error) {
      if (hasCode(error, RATE_LIMITED)) return tooMany(c, error, (message) => signInPage({ error: message, email }));
      if (hasCode(error, 'MULTI_FACTOR_AUTHENTICATION_REQUIRED')) return c.html(totpPage(String(error.details?.attempt_code ?? '')));
      if (hasCode(error, 'EMAIL_PASSWORD_MISMATCH')) {
        ctx.log.warn({ address }, 'dashboard password sign-in refused');
        return c.html(signInPage({ error: WRONG_PASSWORD, email }), 401);
      }
      // The internal project's settings (password sign-in off): their own message. Anything else is a bug.
      if (!(error instanceof AppError)) throw error;
      return c.html(signInPage({ error: error.message, email }), 400);
    }
  });

  app.post('/sign-in/totp', async (c) => {
    if (!sameOrigin(c, ctx)) return c.html(errorPage('Request refused', 'Sign in from the dashboard’s own page.'), 403);
    const form = await readForm(c);
    const code = (form.attempt_code ?? '').slice(0, 256);
    const totp = (form.totp ?? '').trim();
    try {
      const signedIn = await signInWithTotp(ctx, {
        projectId: INTERNAL_PROJECT_ID,
        code,
        totp,
        clientAddress: clientAddress(c, ctx.config.trustedProxyHops),
      });
      return await operatorSession(c, ctx, signedIn);
    } catch (error) {
      if (hasCode(error, RATE_LIMITED)) return tooMany(c, error, (message) => totpPage(code, message));
      if (hasCode(error, 'INVALID_TOTP_CODE')) return c.html(totpPage(code, 'That code is not right. Try the current one.'), 401);
      if (error instanceof AppError && error.code.startsWith('VERIFICATION_CODE_'))
        return c.html(signInPage({ error: 'This sign-in has expired or was already used. Sign in again.' }), 400);
      throw error;
    }
  });

  app.post('/sign-out', requireSession(ctx), requireCsrf(ctx), async (c) => {
    await deleteSession(ctx.db, c.get('session'));
    clearSessionCookie(c);
    return c.redirect(`${DASHBOARD}/sign-in?signed-out`, 303);
  });
}
