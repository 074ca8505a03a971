/**
 * The dashboard's middleware: security headers on every response, the session from the cookie, the CSRF
 * check of state-changing requests (per-session token and Origin), and the project scope of a session: which projects
 * it may list and open is decided here and nowhere else (`mayOpenProject`, `projectsOf`).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppContext } from '../context/app-context.js';
import { hashesEqual, hashSecret } from '../crypto/secrets.js';
import { listManagedProjects } from '../internal/managed-projects.js';
import { managesProject } from '../internal/admin-access.js';
import { INTERNAL_PROJECT_ID } from '../projects/internal-id.js';
import { getProject, isProjectId, listProjects, type Project } from '../projects/projects.js';
import { restrictedReason } from '../users/user-object.js';
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
    const found = await findSession(ctx.db, getCookie(c, SESSION_COOKIE));
    const session = found && (await operatorStillAllowed(ctx, found)) ? found : undefined;
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
 * An operator signs in only as a user who is neither anonymous nor restricted, as the admin access token demands
 * (internal/admin-access.ts); a user restricted since keeps their session row but it opens nothing.
 */
async function operatorStillAllowed(ctx: AppContext, session: DashboardSession): Promise<boolean> {
  if (session.scope.kind !== 'operator') return true;
  const user = await ctx.users.get(INTERNAL_PROJECT_ID, session.scope.userId);
  return user !== undefined && restrictedReason(user) === null;
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

/**
 * Whether a session may see and manage a project: the instance admin every one, a project key its own, an operator
 * those owned by a team of the internal project they are a member of now (src/internal/admin-access.ts, the rule of
 * the admin access token).
 */
export async function mayOpenProject(ctx: AppContext, session: DashboardSession, projectId: string): Promise<boolean> {
  const { scope } = session;
  if (scope.kind === 'instance') return true;
  if (scope.kind === 'project') return scope.projectId === projectId;
  return managesProject(ctx.db, scope.userId, projectId);
}

/** The projects a session lists, oldest first (by the same rule as `mayOpenProject`). */
export async function projectsOf(ctx: AppContext, session: DashboardSession): Promise<Project[]> {
  const { scope } = session;
  if (scope.kind === 'instance') return listProjects(ctx.db);
  if (scope.kind === 'operator') return listManagedProjects(ctx.db, scope.userId);
  const own = await getProject(ctx.db, scope.projectId);
  return own ? [own] : [];
}

/**
 * Resolves :projectId and refuses projects outside the session's scope (404: a project key or an operator does not
 * learn what else exists). Every page and action under /projects/:projectId/ passes here.
 */
export function requireProject(ctx: AppContext): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const projectId = (c.req.param('projectId') ?? '').toLowerCase();
    const session = c.get('session');
    const allowed = isProjectId(projectId) && (await mayOpenProject(ctx, session, projectId));
    const project = allowed ? await getProject(ctx.db, projectId) : undefined;
    if (!project)
      return c.html(errorPage('Project not found', 'There is no such project, or this sign-in does not give access to it.', session), 404);
    c.set('project', project);
    await next();
  };
}

/** The projects list and creating projects: for the instance admin and operators; a project key goes to its project. */
export const requireProjectList: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  const { scope } = c.get('session');
  if (scope.kind === 'project') return c.redirect(`${DASHBOARD}/projects/${scope.projectId}/configuration`, 303);
  await next();
};
