/**
 * GitHub: plain OAuth 2.0, not OIDC. The account is `/user`'s numeric id; the e-mail is the primary entry of
 * `/user/emails` with its `verified` flag (the `email` of `/user` is only the public one, and says nothing about
 * verification). GitHub adds `iss=https://github.com/login/oauth` to its callback (RFC 9207), hence that issuer.
 */
import * as oauth from 'oauth4webapi';
import { AppError } from '../../errors/app-error.js';
import { httpOptions } from './http-options.js';
import type { ProviderProfile, ProviderProtocol } from './types.js';

const API = 'https://api.github.com';
const SERVER: oauth.AuthorizationServer = {
  issuer: 'https://github.com/login/oauth',
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
};

export const githubProtocol: ProviderProtocol = {
  server: () => Promise.resolve(SERVER),
  baseScopes: ['user:email'],
  authorizationParams: {},
  async profile(_server, _client, tokens): Promise<ProviderProfile> {
    const user = (await getJson(tokens.access_token, `${API}/user`)) as {
      id?: number | string;
      name?: string | null;
      login?: string;
      avatar_url?: string | null;
    };
    const emails = (await getJson(tokens.access_token, `${API}/user/emails`)) as Array<{
      email?: string;
      primary?: boolean;
      verified?: boolean;
    }>;
    if (user.id === undefined) throw new AppError('OAUTH_PROVIDER_BAD_PROFILE', 502, 'GitHub answered without a user id.');
    const primary = Array.isArray(emails) ? emails.find((entry) => entry.primary) : undefined;
    return {
      accountId: String(user.id),
      email: primary?.email ?? null,
      emailVerified: primary?.verified === true,
      displayName: user.name ?? user.login ?? null,
      profileImageUrl: user.avatar_url ?? null,
    };
  },
};

async function getJson(accessToken: string, url: string): Promise<unknown> {
  const headers = new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });
  const response = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(url), headers, null, httpOptions(url));
  if (!response.ok)
    throw new AppError('OAUTH_PROVIDER_BAD_PROFILE', 502, `GitHub answered ${response.status} to ${new URL(url).pathname}.`);
  return response.json();
}
