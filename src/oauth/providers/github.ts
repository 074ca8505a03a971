/**
 * GitHub: plain OAuth 2.0, not OIDC. The account is `/user`'s numeric id; the e-mail is the primary entry of
 * `/user/emails` with its `verified` flag (the `email` of `/user` is only the public one, and says nothing about
 * verification). GitHub adds `iss=https://github.com/login/oauth` to its callback (RFC 9207), hence that issuer.
 */
import * as oauth from 'oauth4webapi';
import { AppError } from '../../errors/app-error.js';
import { httpOptions } from './http-options.js';
import type { ProviderProfile, ProviderProtocol } from './types.js';

/** Where GitHub is; another value only in tests, which stand a fake GitHub in for it. */
export interface GithubEndpoints {
  web: string;
  api: string;
}

const GITHUB: GithubEndpoints = { web: 'https://github.com', api: 'https://api.github.com' };

export function githubProtocol(endpoints: GithubEndpoints = GITHUB): ProviderProtocol {
  const server: oauth.AuthorizationServer = {
    issuer: `${endpoints.web}/login/oauth`,
    authorization_endpoint: `${endpoints.web}/login/oauth/authorize`,
    token_endpoint: `${endpoints.web}/login/oauth/access_token`,
  };
  return {
    server: () => Promise.resolve(server),
    baseScopes: ['user:email'],
    authorizationParams: {},
    profile: (_server, _client, tokens) => githubProfile(endpoints.api, tokens.access_token),
  };
}

async function githubProfile(api: string, accessToken: string): Promise<ProviderProfile> {
  const user = (await getJson(accessToken, `${api}/user`)) as {
    id?: number | string;
    name?: string | null;
    login?: string;
    avatar_url?: string | null;
  };
  const emails = (await getJson(accessToken, `${api}/user/emails`)) as Array<{
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
}

async function getJson(accessToken: string, url: string): Promise<unknown> {
  const headers = new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });
  const response = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(url), headers, null, httpOptions(url));
  if (!response.ok)
    throw new AppError('OAUTH_PROVIDER_BAD_PROFILE', 502, `GitHub answered ${response.status} to ${new URL(url).pathname}.`);
  return response.json();
}
