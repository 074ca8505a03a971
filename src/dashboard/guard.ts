/**
 * The dashboard's middleware: security headers on every response, the session from the cookie, the CSRF
 * check of state-changing requests (per-session token and Origin), and the project scope of a session.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppContext } from '../context/app-context.js';
import { hashesEqual, hashSecret } from '../crypto/secrets.js';
import { getProject, isProjectId } from '../projects/projects.js';
import type { DashboardEnv } from './env.js';
import { DASHBOARD } from './paths.js';
import { findSession, SESSION_TTL_SECONDS, type DashboardSession } from './sessions.js';
import { errorPage } from './pages/error-page.js';

export const SESSION_COOKIE = 'authsync_dashboard';

/** No inline script or style, nothing from elsewhere, no framing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('content-security-policy', CSP);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
  c.header('x-frame-options', 'DENY');
  if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
};

export function setSessionCookie(c: Context, ctx: AppContext, session: DashboardSession): void {
  setCookie(c, SESSION_COOKIE, session.id, {
    path: DASHBOARD,
    httpOnly: true,
    sameSite: 'Strict',
    secure: ctx.config.baseUrl.startsWith('https:'),
    maxAge: SESSION_TTL_SECONDS,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: DASHBOARD });
}

/** Loads the session; without one, pages redirect to sign-in and JSON endpoints answer 401. */
export function requireSession(ctx: AppContext): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const session = await findSession(ctx.db, getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (c.req.method === 'GET' && !(c.req.header('accept') ?? '').includes('application/json'))
        return c.redirect(`${DASHBOARD}/sign-in`, 303);
      return c.html(errorPage('Signed out', 'Your session has ended. Sign in again.'), 401);
    }
    c.set('session', session);
    await next();
  };
}

/**
 * True when the request comes from a page of this dashboard: its Origin (or, failing that, its Referer) is the
 * server's public origin or the origin the request was addressed to. SameSite=Strict already keeps the cookie
 * off cross-site requests; this keeps a same-site but foreign page (another port, a sibling app) out too.
 */
export function sameOrigin(c: Context, ctx: AppContext): boolean {
  const from = c.req.header('origin') ?? refererOrigin(c.req.header('referer'));
  if (!from || from === 'null') return false;
  return from === new URL(ctx.config.baseUrl).origin || from === new URL(c.req.url).origin;
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Every request that is not GET/HEAD needs the session's CSRF token in its form and a same-origin Origin. */
export function requireCsrf(ctx: AppContext): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const session = c.get('session');
    const type = c.req.header('content-type') ?? '';
    const form =
      type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data') ? await c.req.parseBody() : {};
    const token = typeof form._csrf === 'string' ? form._csrf : (c.req.header('x-csrf-token') ?? '');
    if (!sameOrigin(c, ctx) || !hashesEqual(hashSecret(token), hashSecret(session.csrfToken))) {
      return c.html(
        errorPage(
          'Request refused',
          'This request did not come from a dashboard page (missing or wrong CSRF token, or another origin). Reload the page and try again.',
        ),
        403,
      );
    }
    await next();
  };
}

/** Resolves :projectId and refuses projects outside the session's scope (404: a project key does not learn what else exists). */
export function requireProject(ctx: AppContext): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const projectId = c.req.param('projectId') ?? '';
    const session = c.get('session');
    const allowed = isProjectId(projectId) && (session.projectId === null || session.projectId === projectId.toLowerCase());
    const project = allowed ? await getProject(ctx.db, projectId.toLowerCase()) : undefined;
    if (!project)
      return c.html(errorPage('Project not found', 'There is no such project, or this sign-in does not give access to it.', session), 404);
    c.set('project', project);
    await next();
  };
}

/** Pages for the instance admin only (the projects list, creating projects). */
export const requireInstanceAdmin: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  const session = c.get('session');
  if (session.projectId !== null) return c.redirect(`${DASHBOARD}/projects/${session.projectId}/configuration`, 303);
  await next();
};
