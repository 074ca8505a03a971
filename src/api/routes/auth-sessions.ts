/**
 * Sessions over plain HTTP: POST /auth/sessions/current/refresh (REST clients; the SDK uses
 * /auth/oauth/token), DELETE /auth/sessions/current (sign-out), POST /auth/sessions (server: a session for a
 * user, e.g. impersonation), GET /auth/sessions?user_id= (a user's sessions: clients their own, impersonations for admins
 * only) and DELETE /auth/sessions/{id} (revoke another of them; never the current one).
 */
import { z } from 'zod';
import { mintAccessToken } from '../../auth/access-tokens.js';
import { finishSignIn, openSession } from '../../auth/issue.js';
import { deleteSession, listSessions, sessionOwner, useSession } from '../../auth/sessions.js';
import { errors, TextError } from '../../errors/known-errors.js';
import type { RequestAuth } from '../request-auth.js';
import { endpoint } from '../endpoint.js';
import { stackHeader } from '../headers.js';
import { ok } from '../respond.js';
import { API_PREFIX } from '../router.js';
import { schemaErrorFor } from '../schema-error.js';
import { uuidField } from './fields.js';
import { resolveUserId } from './users.js';

export const refreshCurrentSession = endpoint({
  method: 'POST',
  path: '/auth/sessions/current/refresh',
  access: ['client', 'server', 'admin'],
  handler: async ({ ctx, auth, headers }) => {
    const refreshToken = stackHeader(headers, 'refresh-token');
    if (refreshToken === undefined) throw errors.refreshTokenNotFoundOrExpired();
    const session = await useSession(ctx.db, refreshToken);
    const user =
      session && session.project_id === auth.project.project.id ? await ctx.users.get(session.project_id, session.user_id) : undefined;
    if (!session || !user) throw errors.refreshTokenNotFoundOrExpired();
    await ctx.users.touchLastActive(user.id);
    return ok({ access_token: await mintAccessToken(ctx, user, session.id) });
  },
});

export const signOut = endpoint({
  method: 'DELETE',
  path: '/auth/sessions/current',
  access: ['client', 'server', 'admin'],
  handler: async ({ ctx, auth }) => {
    if (!auth.token) throw errors.userAuthenticationRequired();
    const sessionId = auth.token.payload.refresh_token_id;
    if (typeof sessionId !== 'string') {
      throw errors.accessTokenExpired({
        expiredAtMillis: null,
        projectId: auth.project.project.id,
        userId: auth.token.payload.sub,
        refreshTokenId: null,
      });
    }
    if (!(await deleteSession(ctx.db, auth.project.project.id, sessionId))) throw errors.refreshTokenNotFoundOrExpired();
    return ok({ success: true });
  },
});

export const createServerSession = endpoint({
  method: 'POST',
  path: '/auth/sessions',
  access: ['server', 'admin'],
  body: z.object({
    user_id: uuidField,
    expires_in_millis: z
      .number()
      .int()
      .min(1000)
      // Stack's limit: 367 days.
      .max(367 * 24 * 3600 * 1000)
      .optional(),
    is_impersonation: z.boolean().optional(),
  }),
  handler: async ({ ctx, auth, body }) => {
    const user = await ctx.users.get(auth.project.project.id, body.user_id);
    if (!user) throw errors.userNotFound();
    const opened = await ctx.db.transaction((tx) =>
      openSession(ctx, tx, user, {
        ...(body.expires_in_millis ? { ttlSeconds: Math.ceil(body.expires_in_millis / 1000) } : {}),
        isImpersonation: body.is_impersonation ?? false,
      }),
    );
    const tokens = await finishSignIn(ctx, opened);
    return ok({ access_token: tokens.access_token, refresh_token: tokens.refresh_token });
  },
});

/** The session the request's access token belongs to. */
function currentSessionId(auth: RequestAuth): string | undefined {
  const id = auth.token?.payload.refresh_token_id;
  return typeof id === 'string' ? id : undefined;
}

export const listUserSessions = endpoint({
  method: 'GET',
  path: '/auth/sessions',
  access: ['client', 'server', 'admin'],
  query: z.object({ user_id: z.string().max(64) }),
  handler: async ({ ctx, auth, query }) => {
    const userId = resolveUserId(auth, query.user_id);
    if (auth.accessType === 'client') {
      if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
      if (auth.user.id !== userId) throw new TextError('SESSIONS_OF_OTHER_USER', 403, 'Client can only list sessions for their own user.');
    }
    const current = currentSessionId(auth);
    const sessions = await listSessions(ctx.db, auth.project.project.id, userId, auth.accessType === 'admin');
    return ok({
      items: sessions.map((session) => ({
        id: session.id,
        user_id: session.user_id,
        created_at: session.created_at.getTime(),
        last_used_at: session.last_used_at.getTime(),
        is_impersonation: session.is_impersonation,
        is_current_session: session.id === current,
      })),
      is_paginated: false,
    });
  },
});

export const revokeSession = endpoint({
  method: 'DELETE',
  path: '/auth/sessions/:id',
  access: ['client', 'server', 'admin'],
  query: z.object({ user_id: z.string().max(64).optional() }),
  handler: async ({ ctx, auth, params }) => {
    const sessionId = params.id!;
    if (!uuidField.safeParse(sessionId).success) {
      throw schemaErrorFor('DELETE', `${API_PREFIX}/auth/sessions/${sessionId}`, ['params.id must be a valid UUID']);
    }
    const owner = await sessionOwner(ctx.db, auth.project.project.id, sessionId);
    // Another user's session is as absent as one that never was.
    if (!owner || (auth.accessType === 'client' && auth.user?.id !== owner))
      throw new TextError('SESSION_NOT_FOUND', 404, 'Session not found.');
    if (sessionId === currentSessionId(auth)) throw errors.cannotDeleteCurrentSession();
    await deleteSession(ctx.db, auth.project.project.id, sessionId);
    return ok({ success: true });
  },
});
