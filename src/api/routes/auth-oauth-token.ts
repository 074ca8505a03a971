/**
 * POST /auth/oauth/token, the OAuth 2.0 token endpoint: the refresh-token grant every SDK refresh goes through, and
 * the authorization-code grant that ends an OAuth sign-in (`callOAuthCallback`, with PKCE). It carries no x-stack-*
 * headers (client_id = project ID, client_secret = publishable client key; form-encoded from the SDK, JSON from
 * Stack's tests) and its errors use real HTTP statuses. The code grant's answer is what the SDK's OAuth library
 * checks strictly: 200, a token_type, a string scope, a refresh token, and never an id_token.
 */
import { z } from 'zod';
import { mintAccessToken } from '../../auth/access-tokens.js';
import { exchangeAuthorizationCode } from '../../auth/authorization-code-grant.js';
import { useSession } from '../../auth/sessions.js';
import type { AppContext } from '../../context/app-context.js';
import { secretMatchesAny } from '../../crypto/secrets.js';
import { errors } from '../../errors/known-errors.js';
import type { ProjectEntry } from '../../projects/directory.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

const client = { client_id: z.string().max(256), client_secret: z.string().max(512) };

const refreshGrant = z.object({
  grant_type: z.literal('refresh_token'),
  // Any string: a token we never issued (too long, empty, an access token sent by mistake) is "not found",
  // which makes the SDK end the session, where a SCHEMA_ERROR would make every later refresh throw.
  refresh_token: z.string(),
  ...client,
});

const codeGrant = z.object({
  grant_type: z.literal('authorization_code'),
  code: z.string().max(512),
  redirect_uri: z.string().max(2048),
  code_verifier: z.string().max(512).optional(),
  ...client,
});

export const oauthToken = endpoint({
  method: 'POST',
  path: '/auth/oauth/token',
  access: 'public',
  body: z.discriminatedUnion('grant_type', [refreshGrant, codeGrant], {
    message: 'grant_type must be refresh_token or authorization_code',
  }),
  handler: async ({ ctx, body }) => {
    const project = await oauthClientProject(ctx, body.client_id, body.client_secret);
    return body.grant_type === 'refresh_token' ? refresh(ctx, project, body.refresh_token) : exchangeCode(ctx, project, body);
  },
});

/** The project named by client_id ("<projectId>" or "<projectId>#<branchId>"), whose publishable key client_secret must be. */
async function oauthClientProject(ctx: AppContext, clientId: string, clientSecret: string): Promise<ProjectEntry> {
  const [projectId = '', branchId = 'main'] = clientId.split('#');
  const project = branchId === 'main' ? await ctx.directory.getProject(projectId.toLowerCase()) : undefined;
  if (!project || !secretMatchesAny(clientSecret, project.keyHashes.publishable_client)) {
    throw errors.invalidOAuthClientIdOrSecret(clientId);
  }
  return project;
}

async function refresh(ctx: AppContext, project: ProjectEntry, refreshToken: string) {
  const session = await useSession(ctx.db, refreshToken);
  const user = session && session.project_id === project.project.id ? await ctx.users.get(session.project_id, session.user_id) : undefined;
  if (!session || !user) throw errors.refreshTokenNotFoundOrExpired();
  await ctx.users.touchLastActive(user.id);
  return ok({
    access_token: await mintAccessToken(ctx, user, session.id),
    token_type: 'Bearer',
    expires_in: ctx.config.accessTokenTtlSeconds,
    refresh_token: refreshToken,
    scope: 'legacy',
    afterCallbackRedirectUrl: null,
    after_callback_redirect_url: null,
  });
}

async function exchangeCode(ctx: AppContext, project: ProjectEntry, body: z.infer<typeof codeGrant>) {
  const result = await exchangeAuthorizationCode(ctx, {
    projectId: project.project.id,
    code: body.code,
    redirectUri: body.redirect_uri,
    codeVerifier: body.code_verifier,
  });
  return ok(
    {
      access_token: result.access_token,
      token_type: 'Bearer',
      expires_in: ctx.config.accessTokenTtlSeconds,
      refresh_token: result.refresh_token,
      scope: 'legacy',
      is_new_user: result.isNewUser,
      newUser: result.isNewUser,
      after_callback_redirect_url: result.afterCallbackRedirectUrl,
      afterCallbackRedirectUrl: result.afterCallbackRedirectUrl,
    },
    { pragma: 'no-cache' },
  );
}
