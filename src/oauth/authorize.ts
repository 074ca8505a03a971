/**
 * GET /auth/oauth/authorize/{provider_id}: the start of an OAuth sign-in (or link). Checks the app's request in Stack's
 * order (project, publishable key, provider, link token, trusted redirect URLs, scope, the user's token), then starts
 * the provider leg: a fresh inner state and PKCE verifier, stored with the app's request (oauth/flow-state.ts), and
 * the provider's authorization URL. The route answers that URL as a 307 with the inner cookie, or as `{location}` in
 * JSON mode.
 */
import * as oauth from 'oauth4webapi';
import { verifyAccessToken } from '../auth/access-tokens.js';
import { withoutFragment } from '../auth/authorization-code-grant.js';
import type { AppContext } from '../context/app-context.js';
import { secretMatchesAny } from '../crypto/secrets.js';
import { hasCode } from '../errors/app-error.js';
import { TextError, errors } from '../errors/known-errors.js';
import type { ProjectEntry } from '../projects/directory.js';
import { isTrustedUrl } from '../projects/trusted-urls.js';
import { saveFlowState, type OuterRequest } from './flow-state.js';
import { getOAuthProvider, oauthCallbackUrl } from './provider-config.js';
import { authorizationUrl } from './providers/client.js';

export interface AuthorizeInput {
  providerId: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256' | 'plain';
  type: 'authenticate' | 'link';
  token: string | undefined;
  errorRedirectUrl: string | undefined;
  afterCallbackRedirectUrl: string | undefined;
  providerScope: string | undefined;
  /** Redirect mode binds the flow to the inner cookie; JSON mode (SDK 2.8.102+) has no cookie. */
  cookieBound: boolean;
  /** The client's address, for the per-address limit; undefined (no such limit) for in-process callers. */
  clientAddress?: string | undefined;
}

export interface StartedAuthorization {
  /** The provider's authorization URL. */
  location: string;
  /** The state given to the provider: names the inner cookie in redirect mode. */
  innerState: string;
}

/** The URL the provider sends the browser back to: built from the configured base URL, never from the request. */
export function providerCallbackUrl(ctx: AppContext, providerId: string): string {
  return oauthCallbackUrl(ctx.config.baseUrl, providerId);
}

export async function startAuthorization(ctx: AppContext, input: AuthorizeInput): Promise<StartedAuthorization> {
  const project = await clientProject(ctx, input.clientId, input.clientSecret);
  const projectId = project.project.id;
  const provider = await getOAuthProvider(ctx.db, ctx.box, projectId, input.providerId.toLowerCase());
  if (!provider || (input.type === 'authenticate' && !provider.allowSignIn)) throw errors.oauthProviderNotFoundOrNotEnabled();
  if (input.type === 'link' && !input.token)
    throw new TextError('OAUTH_LINK_WITHOUT_TOKEN', 400, '?token= query parameter is required for link type');
  const config = project.project.config;
  for (const url of [input.redirectUri, input.afterCallbackRedirectUrl]) {
    if (url !== undefined && !isTrustedUrl(config, url)) throw errors.redirectUrlNotWhitelisted();
  }
  if (input.scope !== 'legacy') throw errors.invalidScope(input.scope);
  const userId = await tokenUser(ctx, projectId, input);
  await ctx.limits.oauthSignIn(projectId, input.clientAddress);

  const innerState = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const location = await authorizationUrl(provider, {
    redirectUri: providerCallbackUrl(ctx, provider.providerId),
    state: innerState,
    codeVerifier,
    extraScope: input.providerScope ?? null,
  });
  const outer: OuterRequest = {
    type: input.type,
    redirectUri: withoutFragment(input.redirectUri),
    errorRedirectUrl: input.errorRedirectUrl ?? null,
    afterCallbackRedirectUrl: input.afterCallbackRedirectUrl ?? null,
    state: input.state,
    codeChallenge: input.codeChallenge,
    codeChallengeMethod: input.codeChallengeMethod,
    userId,
    providerScope: input.providerScope ?? null,
  };
  await saveFlowState(
    ctx.db,
    ctx.box,
    { projectId, providerId: provider.providerId, codeVerifier, outer, cookieBound: input.cookieBound },
    innerState,
  );
  return { location, innerState };
}

/** The project named by client_id ("<projectId>" or "<projectId>#main"), with its publishable key as client_secret. */
async function clientProject(ctx: AppContext, clientId: string, clientSecret: string): Promise<ProjectEntry> {
  const [projectId = '', branchId = 'main'] = clientId.split('#');
  const project = branchId === 'main' ? await ctx.directory.getProject(projectId.toLowerCase()) : undefined;
  if (!project) throw errors.invalidOAuthClientIdOrSecret(clientId);
  if (!secretMatchesAny(clientSecret, project.keyHashes.publishable_client)) throw errors.invalidPublishableClientKey(project.project.id);
  return project;
}

/**
 * The user the flow acts for: with `link`, the token's user; with `authenticate`, only an anonymous user (upgraded in
 * place), since a signed-in user who signs in again gets the account the provider names.
 */
async function tokenUser(ctx: AppContext, projectId: string, input: AuthorizeInput): Promise<string | null> {
  if (!input.token) return null;
  try {
    const verified = await verifyAccessToken(ctx, input.token, { projectId, allowAnonymous: true });
    if (input.type === 'link') return verified.payload.sub;
    return verified.audience === 'anonymous' ? verified.payload.sub : null;
  } catch (error) {
    if (input.type === 'authenticate') return null;
    if (hasCode(error, 'INVALID_PROJECT_FOR_ACCESS_TOKEN')) {
      throw new TextError('OAUTH_TOKEN_OF_ANOTHER_PROJECT', 403, 'The access token is not valid for this project');
    }
    throw error;
  }
}
