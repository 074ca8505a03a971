/**
 * POST /auth/oauth/token with grant_type=authorization_code: the outer code of an OAuth sign-in becomes a session, as
 * the Stack SDK's callOAuthCallback expects (its own token request, through its interface), with PKCE S256 or plain;
 * codes are single use, bound to the redirect_uri and the verifier, and live 5 minutes. The codes here are minted
 * with the function the OAuth callback uses; the whole flow is in test/oauth/.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import * as sdk28108 from 'stack-js-28108';
import { createAuthorizationCode } from '../../src/auth/authorization-codes.js';
import { describeOnEachStore, type TestServer } from '../helpers/server.js';
import { decodePayload, expectKnownError, raw, signUp } from './support.js';

const REDIRECT = 'http://localhost:3000/handler/oauth-callback';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function mintCode(
  t: TestServer,
  userId: string,
  challenge: string,
  overrides: { method?: 'S256' | 'plain'; redirectUri?: string } = {},
) {
  return createAuthorizationCode(t.server.ctx.db, {
    projectId: t.projectId,
    userId,
    redirectUri: overrides.redirectUri ?? REDIRECT,
    codeChallenge: challenge,
    codeChallengeMethod: overrides.method ?? 'S256',
    isNewUser: true,
    afterCallbackRedirectUrl: null,
  });
}

function tokenRequest(t: TestServer, fields: Record<string, string>, as: 'form' | 'json' = 'form') {
  const body = { grant_type: 'authorization_code', client_id: t.projectId, client_secret: t.keys.publishableClientKey, ...fields };
  return raw(t, 'POST', '/auth/oauth/token', {
    headers: { 'content-type': as === 'form' ? 'application/x-www-form-urlencoded;charset=UTF-8' : 'application/json' },
    body: as === 'form' ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
}

describeOnEachStore('OAuth authorization-code grant on %s', (t) => {
  it('the SDK exchanges a code for a session: strict token response, is_new_user, no id_token', async () => {
    const user = await signUp(t);
    const { verifier, challenge } = pkce();
    const code = await mintCode(t, user.userId, challenge);
    const app = new sdk28108.StackClientApp({
      projectId: t.projectId,
      publishableClientKey: t.keys.publishableClientKey,
      baseUrl: t.url,
      tokenStore: 'memory',
    });
    const iface = (app as unknown as { _interface: { callOAuthCallback(options: unknown): Promise<Record<string, unknown>> } })._interface;
    const state = randomBytes(16).toString('base64url');
    const result = await iface.callOAuthCallback({
      oauthParams: new URLSearchParams({ code, state }),
      redirectUri: REDIRECT,
      codeVerifier: verifier,
      state,
    });
    expect(result.newUser).toBe(true);
    expect(decodePayload(result.accessToken as string).sub).toBe(user.userId);
    expect(result.refreshToken).toMatch(/^[a-z2-7]{45}$/);
  });

  it('answers JSON bodies too, with the camelCase twins and no-cache headers', async () => {
    const user = await signUp(t);
    const { verifier, challenge } = pkce();
    const code = await mintCode(t, user.userId, challenge);
    const res = await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: verifier }, 'json');
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.json).toMatchObject({
      token_type: 'Bearer',
      scope: 'legacy',
      is_new_user: true,
      newUser: true,
      after_callback_redirect_url: null,
      afterCallbackRedirectUrl: null,
    });
    expect(res.json).not.toHaveProperty('id_token');
    expect(typeof res.json.expires_in).toBe('number');
  });

  it('plain PKCE, as Stack accepts', async () => {
    const user = await signUp(t);
    const code = await mintCode(t, user.userId, 'some-code-challenge', { method: 'plain' });
    const res = await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: 'some-code-challenge' });
    expect(res.status, res.text).toBe(200);
  });

  it('a replayed outer code is refused', async () => {
    const user = await signUp(t);
    const { verifier, challenge } = pkce();
    const code = await mintCode(t, user.userId, challenge);
    expect((await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: verifier })).status).toBe(200);
    expectKnownError(await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: verifier }), 'INVALID_AUTHORIZATION_CODE', 400);
  });

  it('a wrong verifier is refused, and the code is spent', async () => {
    const user = await signUp(t);
    const { verifier, challenge } = pkce();
    const code = await mintCode(t, user.userId, challenge);
    expectKnownError(
      await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: pkce().verifier }),
      'INVALID_AUTHORIZATION_CODE',
      400,
    );
    expectKnownError(await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: verifier }), 'INVALID_AUTHORIZATION_CODE', 400);
    expectKnownError(
      await tokenRequest(t, { code: pkce().verifier, redirect_uri: REDIRECT, code_verifier: verifier }),
      'INVALID_AUTHORIZATION_CODE',
      400,
    );
  });

  it('a missing verifier is refused', async () => {
    const user = await signUp(t);
    const code = await mintCode(t, user.userId, pkce().challenge);
    expectKnownError(await tokenRequest(t, { code, redirect_uri: REDIRECT }), 'INVALID_AUTHORIZATION_CODE', 400);
  });

  it('another redirect_uri than the authorize request’s is a text 400 (a fragment does not count)', async () => {
    const user = await signUp(t);
    const { verifier, challenge } = pkce();
    const code = await mintCode(t, user.userId, challenge);
    const res = await tokenRequest(t, { code, redirect_uri: 'http://localhost:3000/elsewhere', code_verifier: verifier });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Invalid redirect URI');
    const other = await mintCode(t, user.userId, challenge);
    expect((await tokenRequest(t, { code: other, redirect_uri: `${REDIRECT}#top`, code_verifier: verifier })).status).toBe(200);
  });

  it('an expired code is refused', async () => {
    const user = await signUp(t);
    const { verifier, challenge } = pkce();
    const code = await mintCode(t, user.userId, challenge);
    await t.server.ctx.db.query(`UPDATE authsync.oauth_codes SET expires_at = now() - interval '1 second'`);
    expectKnownError(await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: verifier }), 'INVALID_AUTHORIZATION_CODE', 400);
  });

  it('a code of another project, or with a wrong client secret, is refused', async () => {
    const user = await signUp(t);
    const { verifier, challenge } = pkce();
    const code = await mintCode(t, user.userId, challenge);
    const wrongSecret = await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: verifier, client_secret: 'pck_wrong' });
    expectKnownError(wrongSecret, 'INVALID_OAUTH_CLIENT_ID_OR_SECRET', 400);
    // The refused request did not spend the code.
    expect((await tokenRequest(t, { code, redirect_uri: REDIRECT, code_verifier: verifier })).status).toBe(200);
  });

  it('an unknown grant type is a SCHEMA_ERROR', async () => {
    const res = await tokenRequest(t, { grant_type: 'password' });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
  });
});
