/**
 * The INVALID_ACCESS_TOKEN family as the SDK reacts to it (spec §2, §3): garbage → UNPARSABLE_ACCESS_TOKEN,
 * expired → ACCESS_TOKEN_EXPIRED with its details object, another project's token →
 * INVALID_PROJECT_FOR_ACCESS_TOKEN, an anonymous token without the allow header →
 * ANONYMOUS_AUTHENTICATION_NOT_ALLOWED; a deleted user's valid token simply means "no user".
 */
import { expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { decodePayload, expectKnownError, signUp, signWithProjectKey, withToken } from './support.js';

describeOnEachStore('access-token errors on %s', (t) => {
  it('garbage tokens are UNPARSABLE_ACCESS_TOKEN, never a 500', async () => {
    const alice = await signUp(t);
    const [h, p, s] = alice.accessToken.split('.') as [string, string, string];
    const garbage = [
      'garbage',
      'a.b.c',
      '...',
      `${h}.${p}`,
      `${h}.${p}.${s}.extra`,
      `${h}.${p}.`,
      `${h}.${p}.${s.slice(0, -4)}AAAA`,
      `${h}.${Buffer.from('{"sub":"x"}').toString('base64url')}.${s}`,
      `${Buffer.from('not json').toString('base64url')}.${p}.${s}`,
      `${Buffer.from('[1,2]').toString('base64url')}.${p}.${s}`,
      `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${p}.${s}`,
      `${Buffer.from('{"alg":"ES256","kid":42}').toString('base64url')}.${p}.${s}`,
      `${Buffer.from('{"alg":"ES256","kid":"nope"}').toString('base64url')}.${p}.${s}`,
      `${Buffer.from('{"alg":"ES256","kid":"a\\u0000b"}').toString('base64url')}.${p}.${s}`,
      `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'k'.repeat(5000) })).toString('base64url')}.${p}.${s}`,
      // The JSON cookie value old SDKs sent as a token.
      JSON.stringify({ accessToken: alice.accessToken, refreshToken: alice.refreshToken }),
      `Bearer ${alice.accessToken}`,
      'e'.repeat(12_000),
    ];
    for (const token of garbage) {
      const res = await api(t, 'GET', '/users/me', { headers: withToken(t, token) });
      expect(res.status, token.slice(0, 60)).toBe(401);
      expectKnownError(res, 'UNPARSABLE_ACCESS_TOKEN', 401, 'none');
    }
  });

  it('tokens with our signature but wrong claims are UNPARSABLE_ACCESS_TOKEN', async () => {
    const alice = await signUp(t);
    const good = decodePayload(alice.accessToken);
    const variants: Array<Record<string, unknown>> = [
      { ...good, iss: 'https://api.stack-auth.com/api/v1/projects/' + t.projectId },
      { ...good, aud: `${t.projectId}:anon` },
      { ...good, aud: [t.projectId] },
      { ...good, branch_id: 'dev' },
      { ...good, sub: 42 },
      { ...good, exp: 'tomorrow' },
    ];
    for (const payload of variants) {
      const res = await api(t, 'GET', '/users/me', { headers: withToken(t, await signWithProjectKey(t, payload)) });
      expectKnownError(res, 'UNPARSABLE_ACCESS_TOKEN', 401);
    }
    // The same payload re-signed is accepted: the variants fail for their claims, not for the signing helper.
    const resigned = await api(t, 'GET', '/users/me', { headers: withToken(t, await signWithProjectKey(t, good)) });
    expect(resigned.status).toBe(200);
  });

  it('expired tokens are ACCESS_TOKEN_EXPIRED with the details object', async () => {
    const alice = await signUp(t);
    const good = decodePayload(alice.accessToken);
    const exp = Math.floor(Date.now() / 1000) - 60;
    const expired = await signWithProjectKey(t, { ...good, iat: exp - 600, exp });
    for (const headers of [withToken(t, expired), serverHeaders(t, { 'x-stack-access-token': expired })]) {
      const res = await api(t, 'GET', '/users/me', { headers });
      expectKnownError(res, 'ACCESS_TOKEN_EXPIRED', 401, {
        expired_at_millis: exp * 1000,
        project_id: t.projectId,
        user_id: alice.userId,
        refresh_token_id: good.refresh_token_id,
      });
    }
    // Token errors come first, even on sign-in (the SDK then refreshes and retries).
    const signIn = await api(t, 'POST', '/auth/password/sign-in', {
      headers: withToken(t, expired),
      body: { email: alice.email, password: alice.password },
    });
    expectKnownError(signIn, 'ACCESS_TOKEN_EXPIRED', 401);
    // An expired token without refresh_token_id still has the details object, with nulls.
    const { refresh_token_id: _dropped, ...withoutSession } = good;
    const bare = await api(t, 'GET', '/users/me', { headers: withToken(t, await signWithProjectKey(t, { ...withoutSession, exp })) });
    expectKnownError(bare, 'ACCESS_TOKEN_EXPIRED', 401, {
      expired_at_millis: exp * 1000,
      project_id: t.projectId,
      user_id: alice.userId,
      refresh_token_id: null,
    });
  });

  it("another project's token is INVALID_PROJECT_FOR_ACCESS_TOKEN", async () => {
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other project' });
    const otherHeaders = {
      'x-stack-access-type': 'client',
      'x-stack-project-id': other.project.id,
      'x-stack-publishable-client-key': other.keys.publishableClientKey,
      'content-type': 'application/json',
    };
    const bob = await api(t, 'POST', '/auth/password/sign-up', {
      headers: otherHeaders,
      body: { email: 'bob@example.com', password: 'correct horse battery' },
    });
    expect(bob.status).toBe(200);
    const res = await api(t, 'GET', '/users/me', { headers: withToken(t, bob.json.access_token as string) });
    expectKnownError(res, 'INVALID_PROJECT_FOR_ACCESS_TOKEN', 401, {
      expected_project_id: t.projectId,
      actual_project_id: other.project.id,
    });
    // A token claiming our project but signed with the other project's key.
    const alice = await signUp(t);
    const forged = await signWithProjectKey(t, decodePayload(alice.accessToken), 'default', other.project.id);
    const forgedRes = await api(t, 'GET', '/users/me', { headers: withToken(t, forged) });
    expect(forgedRes.status).toBe(401);
    expect(['UNPARSABLE_ACCESS_TOKEN', 'INVALID_PROJECT_FOR_ACCESS_TOKEN']).toContain(forgedRes.json.code);
  });

  it('an anonymous token needs x-stack-allow-anonymous-user', async () => {
    const anon = await api(t, 'POST', '/auth/anonymous/sign-up', { headers: clientHeaders(t) });
    expect(anon.status).toBe(200);
    const token = anon.json.access_token as string;
    const denied = await api(t, 'GET', '/users/me', { headers: withToken(t, token) });
    expectKnownError(denied, 'ANONYMOUS_AUTHENTICATION_NOT_ALLOWED', 401, 'none');
    const deniedFalse = await api(t, 'GET', '/users/me', { headers: withToken(t, token, { 'x-stack-allow-anonymous-user': 'false' }) });
    expectKnownError(deniedFalse, 'ANONYMOUS_AUTHENTICATION_NOT_ALLOWED', 401);
    for (const prefix of ['x-stack-', 'x-hexclave-']) {
      const allowed = await api(t, 'GET', '/users/me', { headers: withToken(t, token, { [`${prefix}allow-anonymous-user`]: 'true' }) });
      expect(allowed.status).toBe(200);
      expect(allowed.json.is_anonymous).toBe(true);
    }
  });

  it("a deleted user's valid token means no user, not an error of its own", async () => {
    const alice = await signUp(t);
    expect((await api(t, 'DELETE', `/users/${alice.userId}`, { headers: serverHeaders(t), body: {} })).status).toBe(200);
    const res = await api(t, 'GET', '/users/me', { headers: withToken(t, alice.accessToken) });
    expectKnownError(res, 'CANNOT_GET_OWN_USER_WITHOUT_USER', 400);
    const patch = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { display_name: 'ghost' } });
    expectKnownError(patch, 'CANNOT_GET_OWN_USER_WITHOUT_USER', 400);
  });
});
