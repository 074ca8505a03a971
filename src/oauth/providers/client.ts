/**
 * authsync as an OAuth client of a provider (the inner leg of sign-in), on oauth4webapi: the authorization URL with
 * state and PKCE (S256), then, at the callback, the response's checks (state, RFC 9207 issuer), the code exchange with
 * the verifier, and the profile. The provider's failures become Stack's errors: a refusal at the provider is
 * OAUTH_PROVIDER_ACCESS_DENIED, a used or wrong code the text error Stack answers, anything else
 * OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE.
 */
import * as oauth from 'oauth4webapi';
import { AppError } from '../../errors/app-error.js';
import { KnownError, TextError, errors } from '../../errors/known-errors.js';
import { githubProtocol } from './github.js';
import { httpOptions } from './http-options.js';
import { microsoftProtocol } from './microsoft.js';
import { googleProtocol, oidcProtocol } from './oidc.js';
import type { ProviderProfile, ProviderProtocol, ProviderTokens } from './types.js';

/** What the flow needs of a provider's configuration (src/oauth/provider-config.ts). */
export interface ProviderSettings {
  type: 'google' | 'github' | 'microsoft' | 'oidc';
  clientId: string;
  clientSecret: string;
  issuerUrl: string | null;
  scopes: readonly string[];
}

export function protocolFor(settings: ProviderSettings): ProviderProtocol {
  switch (settings.type) {
    case 'google':
      return googleProtocol(settings.issuerUrl ?? undefined);
    case 'github':
      return githubProtocol();
    case 'microsoft':
      return microsoftProtocol(settings.issuerUrl);
    case 'oidc':
      if (!settings.issuerUrl) throw new AppError('OAUTH_PROVIDER_MISCONFIGURED', 500, 'An OpenID Connect provider needs an issuer URL.');
      return oidcProtocol(settings.issuerUrl);
  }
}

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  codeVerifier: string;
  /** Extra scopes the app asked for (`provider_scope`), space-separated. */
  extraScope: string | null;
}

/** The provider's authorization URL the browser is sent to. */
export async function authorizationUrl(
  settings: ProviderSettings,
  request: AuthorizationRequest,
  protocol: ProviderProtocol = protocolFor(settings),
): Promise<string> {
  const server = await reachProvider(() => protocol.server());
  if (!server.authorization_endpoint) throw errors.oauthProviderTemporarilyUnavailable();
  const scopes = new Set([...protocol.baseScopes, ...settings.scopes, ...(request.extraScope?.split(/\s+/).filter(Boolean) ?? [])]);
  const url = new URL(server.authorization_endpoint);
  const params: Record<string, string> = {
    client_id: settings.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: [...scopes].join(' '),
    state: request.state,
    code_challenge: await oauth.calculatePKCECodeChallenge(request.codeVerifier),
    code_challenge_method: 'S256',
    ...protocol.authorizationParams,
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

export interface AuthorizationResult {
  profile: ProviderProfile;
  tokens: ProviderTokens;
}

/** Checks the provider's answer at the callback, exchanges its code and reads the profile. */
export async function completeAuthorization(
  settings: ProviderSettings,
  request: { redirectUri: string; callbackParams: URLSearchParams; state: string; codeVerifier: string },
  protocol: ProviderProtocol = protocolFor(settings),
): Promise<AuthorizationResult> {
  const server = await reachProvider(() => protocol.server());
  const client: oauth.Client = { client_id: settings.clientId };
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(server, client, request.callbackParams, request.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) throw providerRefusal(error.error, error);
    // A response that fails the checks (another issuer: a mix-up) is refused like a denial.
    throw withCause(errors.oauthProviderAccessDenied(), error);
  }
  let response: oauth.TokenEndpointResponse;
  try {
    const exchange = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      oauth.ClientSecretBasic(settings.clientSecret),
      params,
      request.redirectUri,
      request.codeVerifier,
      httpOptions(server.token_endpoint ?? server.issuer),
    );
    response = await oauth.processAuthorizationCodeResponse(server, client, exchange, {
      requireIdToken: settings.type === 'oidc' || settings.type === 'google',
    });
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant') {
      throw new TextError('OAUTH_INNER_INVALID_GRANT', 400, 'Inner OAuth callback failed due to invalid grant. Please try again.', {
        cause: error,
      });
    }
    if (error instanceof oauth.ResponseBodyError) throw providerRefusal(error.error, error);
    throw withCause(errors.oauthProviderTemporarilyUnavailable(), error);
  }
  const profile = await reachProvider(() => protocol.profile(server, client, response));
  return { profile, tokens: toTokens(response) };
}

/**
 * A new access token for a stored refresh token (connected accounts). undefined when the provider refuses the refresh
 * token (revoked, expired: the user must link the account again); a provider that cannot be reached is
 * OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE.
 */
export async function refreshAccessToken(
  settings: ProviderSettings,
  refreshToken: string,
  protocol: ProviderProtocol = protocolFor(settings),
): Promise<ProviderTokens | undefined> {
  const server = await reachProvider(() => protocol.server());
  const client: oauth.Client = { client_id: settings.clientId };
  try {
    const response = await oauth.processRefreshTokenResponse(
      server,
      client,
      await oauth.refreshTokenGrantRequest(
        server,
        client,
        oauth.ClientSecretBasic(settings.clientSecret),
        refreshToken,
        httpOptions(server.token_endpoint ?? server.issuer),
      ),
    );
    return toTokens(response);
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError && error.status >= 400 && error.status < 500) return undefined;
    throw withCause(errors.oauthProviderTemporarilyUnavailable(), error);
  }
}

function toTokens(response: oauth.TokenEndpointResponse): ProviderTokens {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? null,
    expiresAt: typeof response.expires_in === 'number' ? new Date(Date.now() + response.expires_in * 1000) : null,
    scope: response.scope ?? null,
  };
}

function providerRefusal(code: string, cause: unknown): AppError {
  const error =
    code === 'temporarily_unavailable' || code === 'server_error'
      ? errors.oauthProviderTemporarilyUnavailable()
      : errors.oauthProviderAccessDenied();
  return withCause(error, cause);
}

/** Runs requests to the provider; any failure but a Stack error of ours means the provider is unavailable. */
async function reachProvider<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof KnownError || error instanceof TextError) throw error;
    throw withCause(errors.oauthProviderTemporarilyUnavailable(), error);
  }
}

function withCause<E extends AppError>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}
