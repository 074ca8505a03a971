/**
 * Refresh-token revocation (spec §4.6, §4.12, §11.13): sign-out ends only the current session; a password
 * change (or removal, or an imported hash) ends every session of the user; deleting the user ends them too.
 * A revoked token then gets 401 REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED, with the header, on /auth/oauth/token
 * (no override: the SDK reads the real status) and on /auth/sessions/current/refresh.
 */
import { expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { decodePayload, expectKnownError, raw, signIn, signUp, withToken } from '../api/support.js';

describeOnEachStore('refresh-token revocation on %s', (t) => {
  /** The SDK's refresh request: form-encoded, no x-stack-* headers. */
  const refresh = (refreshToken: string, clientId = t.projectId, clientSecret = t.keys.publishableClientKey) =>
    raw(t, 'POST', '/auth/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
        client_secret: clientSecret,
      }).toString(),
    });

  async function expectLive(refreshToken: string) {
    const res = await refresh(refreshToken);
    expect(res.status, res.text).toBe(200);
    expect(res.json.token_type).toBe('Bearer');
    expect(res.json.refresh_token).toBe(refreshToken);
    return res.json.access_token as string;
  }

  async function expectRevoked(refreshToken: string) {
    expectKnownError(await refresh(refreshToken), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401, 'none');
    const plain = await api(t, 'POST', '/auth/sessions/current/refresh', {
      headers: clientHeaders(t, { 'x-stack-refresh-token': refreshToken }),
    });
    expectKnownError(plain, 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
  }

  it('sign-out revokes only the current session', async () => {
    const alice = await signUp(t);
    const second = (await signIn(t, alice.email)).json;
    const third = (await signIn(t, alice.email)).json;
    const tokens = [alice.refreshToken, second.refresh_token as string, third.refresh_token as string];
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) await expectLive(token);

    // Sign out the second session; its access token names the session by refresh_token_id.
    const out = await api(t, 'DELETE', '/auth/sessions/current', { headers: withToken(t, second.access_token as string), body: {} });
    expect(out.status, out.text).toBe(200);
    expect(out.json).toEqual({ success: true });
    await expectRevoked(tokens[1]!);
    await expectLive(tokens[0]!);
    await expectLive(tokens[2]!);

    // Signing out again: the session is gone.
    const again = await api(t, 'DELETE', '/auth/sessions/current', { headers: withToken(t, second.access_token as string), body: {} });
    expectKnownError(again, 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
    // Access tokens are stateless: the one issued before sign-out works until it expires (documented).
    expect((await api(t, 'GET', '/users/me', { headers: withToken(t, second.access_token as string) })).status).toBe(200);
  });

  it("one user's sign-out cannot end another user's session", async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const out = await api(t, 'DELETE', '/auth/sessions/current', { headers: withToken(t, bob.accessToken), body: {} });
    expect(out.status).toBe(200);
    await expectLive(alice.refreshToken);
    await expectRevoked(bob.refreshToken);
  });

  for (const [name, body] of [
    ['a new password', { password: 'another password 1' }],
    ['removing the password', { password: null }],
    ['an imported bcrypt hash', { password_hash: '$2b$10$' + 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0' }],
  ] as const) {
    it(`${name} revokes every session of the user, and only of that user`, async () => {
      const alice = await signUp(t);
      const second = (await signIn(t, alice.email)).json.refresh_token as string;
      const bob = await signUp(t);
      const res = await api(t, 'PATCH', `/users/${alice.userId}`, { headers: serverHeaders(t), body });
      expect(res.status, res.text).toBe(200);
      await expectRevoked(alice.refreshToken);
      await expectRevoked(second);
      await expectLive(bob.refreshToken);
    });
  }

  it('a password change through PATCH /users/me (server access) revokes too; a profile change does not', async () => {
    const alice = await signUp(t);
    const headers = serverHeaders(t, { 'x-stack-access-token': alice.accessToken });
    expect((await api(t, 'PATCH', '/users/me', { headers, body: { display_name: 'Alice', client_metadata: { a: 1 } } })).status).toBe(200);
    // The SDK refreshes right after an update; the refreshed token carries the new name.
    const fresh = await expectLive(alice.refreshToken);
    expect(decodePayload(fresh).name).toBe('Alice');
    expect((await api(t, 'PATCH', '/users/me', { headers, body: { password: 'brand new password' } })).status).toBe(200);
    await expectRevoked(alice.refreshToken);
    // The new password signs in; the old one does not.
    expect((await signIn(t, alice.email, 'brand new password')).status).toBe(200);
    expectKnownError(await signIn(t, alice.email), 'EMAIL_PASSWORD_MISMATCH', 400, 'none');
  });

  it('deleting the user invalidates its refresh tokens (server and client deletion)', async () => {
    const alice = await signUp(t);
    expect((await api(t, 'DELETE', `/users/${alice.userId}`, { headers: serverHeaders(t), body: {} })).status).toBe(200);
    await expectRevoked(alice.refreshToken);
    const { rows } = await t.server.ctx.db.query('SELECT 1 FROM authsync.refresh_tokens WHERE user_id = $1', [alice.userId]);
    expect(rows).toHaveLength(0);

    const bob = await signUp(t);
    expect(
      (await api(t, 'DELETE', '/users/me', { headers: serverHeaders(t, { 'x-stack-access-token': bob.accessToken }), body: {} })).status,
    ).toBe(200);
    await expectRevoked(bob.refreshToken);
  });

  it('an expired session and a wrong client are refused', async () => {
    const alice = await signUp(t);
    await t.server.ctx.db.query("UPDATE authsync.refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", [
      alice.userId,
    ]);
    await expectRevoked(alice.refreshToken);

    const bob = await signUp(t);
    expectKnownError(await refresh(bob.refreshToken, t.projectId, 'pck_wrong'), 'INVALID_OAUTH_CLIENT_ID_OR_SECRET', 400, {
      client_id: t.projectId,
    });
    expectKnownError(await refresh(bob.refreshToken, '00000000-0000-4000-8000-000000000000'), 'INVALID_OAUTH_CLIENT_ID_OR_SECRET', 400);
    expectKnownError(await refresh(bob.refreshToken, `${t.projectId}#dev`), 'INVALID_OAUTH_CLIENT_ID_OR_SECRET', 400);
    // Client IDs that are no project ID, or the internal project's alias with this project's key: refused the same way.
    for (const clientId of ['internal', 'not-a-project', 'INTERNAL']) {
      expectKnownError(await refresh(bob.refreshToken, clientId), 'INVALID_OAUTH_CLIENT_ID_OR_SECRET', 400);
    }
    expect((await refresh(bob.refreshToken, `${t.projectId}#main`)).status).toBe(200);
    expectKnownError(await refresh('not-a-token'), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
    // The refresh token is a secret of its own: the access token is not one.
    expectKnownError(await refresh(bob.accessToken), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
  });
});
