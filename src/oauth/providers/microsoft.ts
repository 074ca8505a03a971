/**
 * Microsoft (Entra ID / personal accounts): OAuth 2.0 against the tenant's v2.0 endpoints (tenant `consumers` unless
 * the provider's issuer URL names another), profile from Microsoft Graph `/me`. Its e-mail is never taken as verified:
 * Microsoft does not vouch for `mail` or `userPrincipalName`, so it never merges with an existing account.
 */
import * as oauth from 'oauth4webapi';
import { AppError } from '../../errors/app-error.js';
import { httpOptions } from './http-options.js';
import type { ProviderProfile, ProviderProtocol } from './types.js';

/** Where Microsoft is; another value only in tests, which stand a fake Microsoft in for it. */
export interface MicrosoftEndpoints {
  login: string;
  graph: string;
}

const MICROSOFT: MicrosoftEndpoints = { login: 'https://login.microsoftonline.com', graph: 'https://graph.microsoft.com' };

/** The tenant of an issuer URL like https://login.microsoftonline.com/<tenant>/v2.0; `consumers` by default. */
export function microsoftTenant(issuerUrl: string | null | undefined): string {
  const match = issuerUrl ? /login\.microsoftonline\.com\/([^/]+)/.exec(issuerUrl) : null;
  return match?.[1] ?? 'consumers';
}

export function microsoftProtocol(issuerUrl: string | null | undefined, endpoints: MicrosoftEndpoints = MICROSOFT): ProviderProtocol {
  const tenant = microsoftTenant(issuerUrl);
  const base = `${endpoints.login}/${tenant}/oauth2/v2.0`;
  const graphMe = `${endpoints.graph}/v1.0/me`;
  const server: oauth.AuthorizationServer = {
    issuer: `${endpoints.login}/${tenant}/v2.0`,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
  };
  return {
    server: () => Promise.resolve(server),
    // No `openid`: the ID token's issuer varies by tenant for `consumers`/`common`, and Graph gives the profile.
    baseScopes: ['User.Read', 'offline_access'],
    authorizationParams: {},
    async profile(_server, _client, tokens): Promise<ProviderProfile> {
      const response = await oauth.protectedResourceRequest(
        tokens.access_token,
        'GET',
        new URL(graphMe),
        new Headers(),
        null,
        httpOptions(graphMe),
      );
      if (!response.ok) throw new AppError('OAUTH_PROVIDER_BAD_PROFILE', 502, `Microsoft Graph answered ${response.status}.`);
      const me = (await response.json()) as {
        id?: string;
        mail?: string | null;
        userPrincipalName?: string | null;
        displayName?: string | null;
      };
      if (!me.id) throw new AppError('OAUTH_PROVIDER_BAD_PROFILE', 502, 'Microsoft Graph answered without a user id.');
      return {
        accountId: me.id,
        email: me.mail ?? me.userPrincipalName ?? null,
        emailVerified: false,
        displayName: me.displayName ?? null,
        profileImageUrl: null,
      };
    },
  };
}
