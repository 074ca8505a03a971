/**
 * OpenID Connect providers: any server found by its issuer URL (discovery), and Google, which is one at
 * https://accounts.google.com. The profile comes from the ID token's subject and the userinfo endpoint (checked to be
 * about that subject); the ID token itself stays here.
 */
import * as oauth from 'oauth4webapi';
import { AppError } from '../../errors/app-error.js';
import { httpOptions } from './http-options.js';
import type { ProviderProfile, ProviderProtocol } from './types.js';

/** Discovery documents by issuer, kept for 10 minutes (a failed discovery is not kept). */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const discovered = new Map<string, { at: number; server: Promise<oauth.AuthorizationServer> }>();

export function discover(issuerUrl: string): Promise<oauth.AuthorizationServer> {
  const cached = discovered.get(issuerUrl);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.server;
  const issuer = new URL(issuerUrl);
  const server = oauth
    .discoveryRequest(issuer, { algorithm: 'oidc', ...httpOptions(issuerUrl) })
    .then((response) => oauth.processDiscoveryResponse(issuer, response));
  discovered.set(issuerUrl, { at: Date.now(), server });
  server.catch(() => discovered.delete(issuerUrl));
  return server;
}

export function oidcProtocol(issuerUrl: string, options: { authorizationParams?: Record<string, string> } = {}): ProviderProtocol {
  return {
    server: () => discover(issuerUrl),
    baseScopes: ['openid', 'email', 'profile'],
    authorizationParams: options.authorizationParams ?? {},
    async profile(server, client, tokens): Promise<ProviderProfile> {
      const claims = oauth.getValidatedIdTokenClaims(tokens);
      if (!claims) throw new AppError('OAUTH_PROVIDER_NO_ID_TOKEN', 502, 'The provider answered without an ID token.');
      const info = server.userinfo_endpoint
        ? await oauth.processUserInfoResponse(
            server,
            client,
            claims.sub,
            await oauth.userInfoRequest(server, client, tokens.access_token, httpOptions(server.userinfo_endpoint)),
          )
        : claims;
      return {
        accountId: claims.sub,
        email: typeof info.email === 'string' ? info.email : null,
        emailVerified: info.email_verified === true,
        displayName: typeof info.name === 'string' ? info.name : null,
        profileImageUrl: typeof info.picture === 'string' ? info.picture : null,
      };
    },
  };
}

export const GOOGLE_ISSUER = 'https://accounts.google.com';

/** Google: OIDC, with a refresh token asked for on every consent. */
export function googleProtocol(issuerUrl = GOOGLE_ISSUER): ProviderProtocol {
  return oidcProtocol(issuerUrl, {
    authorizationParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
  });
}
