/**
 * POST /auth/oauth/token: the OAuth 2.0 refresh-token grant every SDK refresh goes through. It carries no
 * x-stack-* headers (client_id = project ID, client_secret = publishable client key, form-encoded) and its
 * errors use real HTTP statuses.
 */
import { z } from 'zod';
import { mintAccessToken } from '../../auth/access-tokens.js';
import { useSession } from '../../auth/sessions.js';
import { secretMatchesAny } from '../../crypto/secrets.js';
import { errors } from '../../errors/known-errors.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

export const oauthToken = endpoint({
  method: 'POST',
  path: '/auth/oauth/token',
  access: 'public',
  body: z.object({
    grant_type: z.literal('refresh_token', { message: 'only the refresh_token grant is supported' }),
    // Any string: a token we never issued (too long, empty, an access token sent by mistake) is "not found",
    // which makes the SDK end the session, where a SCHEMA_ERROR would make every later refresh throw.
    refresh_token: z.string(),
    client_id: z.string().max(256),
    client_secret: z.string().max(512),
  }),
  handler: async ({ ctx, body }) => {
    // client_id may be "<projectId>#<branchId>".
    const [projectId = '', branchId = 'main'] = body.client_id.split('#');
    const project = branchId === 'main' ? await ctx.directory.getProject(projectId.toLowerCase()) : undefined;
    if (!project || !secretMatchesAny(body.client_secret, project.keyHashes.publishable_client)) {
      throw errors.invalidOAuthClientIdOrSecret(body.client_id);
    }
    const session = await useSession(ctx.db, body.refresh_token);
    const user =
      session && session.project_id === project.project.id ? await ctx.users.get(session.project_id, session.user_id) : undefined;
    if (!session || !user) throw errors.refreshTokenNotFoundOrExpired();
    await ctx.users.touchLastActive(user.id);
    return ok({
      access_token: await mintAccessToken(ctx, user, session.id),
      token_type: 'Bearer',
      expires_in: ctx.config.accessTokenTtlSeconds,
      refresh_token: body.refresh_token,
      scope: 'legacy',
      afterCallbackRedirectUrl: null,
      after_callback_redirect_url: null,
    });
  },
});
