/**
 * The built-in provider clients that do not speak OpenID Connect, against fakes of GitHub and Microsoft on 127.0.0.1
 * (the real ones are on the internet, which no test reaches): the authorization URL, the code exchange with PKCE and
 * Basic client authentication, and the profile. GitHub: the account is /user's numeric id, the e-mail the primary
 * entry of /user/emails with its verified flag, and the RFC 9207 `iss` of its callback is accepted (another is
 * refused). Microsoft: the profile from Graph /me, its e-mail never taken as verified.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrl, completeAuthorization, type ProviderSettings } from '../../src/oauth/providers/client.js';
import { githubProtocol } from '../../src/oauth/providers/github.js';
import { microsoftProtocol } from '../../src/oauth/providers/microsoft.js';

const REDIRECT = 'http://127.0.0.1:1/api/v1/auth/oauth/callback/test';
const CLIENT = { clientId: 'client-1', clientSecret: 'secret/with+chars' };

interface Fake {
  url: string;
  /** What the fake's /user/emails answers. */
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
  graphMe: Record<string, unknown>;
  /** Extra query parameters the fake's authorize adds to its redirect (GitHub's `iss`). */
  callbackExtras: Record<string, string>;
  requests: Array<{ method: string; path: string; authorization: string | undefined }>;
  stop(): Promise<void>;
}

/** One fake for both: GitHub's paths under /login/oauth and /api, Microsoft's under /<tenant>/oauth2/v2.0 and /graph. */
async function startFake(): Promise<Fake> {
  const challenges = new Map<string, string>();
  const fake = { emails: [], graphMe: {}, callbackExtras: {}, requests: [] } as unknown as Fake;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://fake');
    fake.requests.push({ method: req.method!, path: url.pathname, authorization: req.headers.authorization });
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname.endsWith('/authorize')) {
      const code = randomBytes(8).toString('hex');
      challenges.set(code, url.searchParams.get('code_challenge')!);
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state')!);
      for (const [key, value] of Object.entries(fake.callbackExtras)) back.searchParams.set(key, value);
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname.endsWith('/access_token') || url.pathname.endsWith('/token')) {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const expected = challenges.get(form.get('code') ?? '');
        const derived = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        const [id, secret] = basic.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
        if (!expected || derived !== expected || id !== CLIENT.clientId || secret !== CLIENT.clientSecret) {
          json(400, { error: 'invalid_grant' });
          return;
        }
        json(200, { access_token: 'provider-access-token', token_type: 'bearer', scope: 'user:email' });
      });
      return;
    }
    if (req.headers.authorization !== 'Bearer provider-access-token') return json(401, { message: 'Bad credentials' });
    if (url.pathname === '/api/user')
      return json(200, { id: 1001, login: 'octo', name: 'Octo Cat', avatar_url: 'https://img.example/o.png' });
    if (url.pathname === '/api/user/emails') return json(200, fake.emails);
    if (url.pathname === '/graph/v1.0/me') return json(200, fake.graphMe);
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}

describe('provider clients against fakes of GitHub and Microsoft', () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await startFake();
  });
  afterAll(async () => {
    await fake?.stop();
  });

  /** The provider leg as the flow runs it: authorization URL → the fake's redirect → completeAuthorization. */
  async function roundTrip(settings: ProviderSettings, protocol: Parameters<typeof completeAuthorization>[2]) {
    const state = randomBytes(16).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    const location = new URL(
      await authorizationUrl(settings, { redirectUri: REDIRECT, state, codeVerifier, extraScope: 'repo' }, protocol),
    );
    const redirect = await fetch(location, { redirect: 'manual' });
    const callbackParams = new URL(redirect.headers.get('location')!).searchParams;
    return {
      location,
      result: completeAuthorization(settings, { redirectUri: REDIRECT, callbackParams, state, codeVerifier }, protocol),
    };
  }

  const github = () => githubProtocol({ web: fake.url, api: `${fake.url}/api` });
  const githubSettings: ProviderSettings = { type: 'github', ...CLIENT, issuerUrl: null, scopes: ['read:org'] };

  it('GitHub: numeric id as the account, the primary verified e-mail of /user/emails, its RFC 9207 issuer accepted', async () => {
    fake.emails = [
      { email: 'public@example.com', primary: false, verified: true },
      { email: 'octo@example.com', primary: true, verified: true },
    ];
    fake.callbackExtras = { iss: `${fake.url}/login/oauth` };
    const { location, result } = await roundTrip(githubSettings, github());
    expect(location.searchParams.get('scope')).toBe('user:email read:org repo');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    const { profile, tokens } = await result;
    expect(profile).toEqual({
      accountId: '1001',
      email: 'octo@example.com',
      emailVerified: true,
      displayName: 'Octo Cat',
      profileImageUrl: 'https://img.example/o.png',
    });
    expect(tokens).toMatchObject({ accessToken: 'provider-access-token', refreshToken: null, expiresAt: null });
  });

  it('GitHub: an unverified primary e-mail is not taken as verified', async () => {
    fake.emails = [{ email: 'new@example.com', primary: true, verified: false }];
    fake.callbackExtras = {};
    const { result } = await roundTrip(githubSettings, github());
    expect((await result).profile).toMatchObject({ email: 'new@example.com', emailVerified: false });
  });

  it('GitHub: a callback naming another issuer is refused (mix-up)', async () => {
    fake.callbackExtras = { iss: 'https://evil.example/login/oauth' };
    const { result } = await roundTrip(githubSettings, github());
    await expect(result).rejects.toMatchObject({ code: 'OAUTH_PROVIDER_ACCESS_DENIED' });
  });

  it('a wrong client secret: the provider’s invalid_grant is Stack’s text error', async () => {
    fake.callbackExtras = {};
    const { result } = await roundTrip({ ...githubSettings, clientSecret: 'wrong' }, github());
    await expect(result).rejects.toMatchObject({
      status: 400,
      message: 'Inner OAuth callback failed due to invalid grant. Please try again.',
    });
  });

  it('Microsoft: the profile from Graph /me, the tenant from the issuer URL, the e-mail never verified', async () => {
    fake.graphMe = { id: 'ms-42', mail: null, userPrincipalName: 'Kim@Contoso.example', displayName: 'Kim' };
    const settings: ProviderSettings = {
      type: 'microsoft',
      ...CLIENT,
      issuerUrl: 'https://login.microsoftonline.com/organizations/v2.0',
      scopes: [],
    };
    const protocol = microsoftProtocol(settings.issuerUrl, { login: fake.url, graph: `${fake.url}/graph` });
    const { location, result } = await roundTrip(settings, protocol);
    expect(location.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    expect(location.searchParams.get('scope')).toBe('User.Read offline_access repo');
    expect((await result).profile).toEqual({
      accountId: 'ms-42',
      email: 'Kim@Contoso.example',
      emailVerified: false,
      displayName: 'Kim',
      profileImageUrl: null,
    });
  });
});
