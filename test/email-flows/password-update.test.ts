/**
 * POST /auth/password/update and /auth/password/set over HTTP (spec §2.5): Stack's errors in Stack's order, the
 * caller's session kept (by the x-stack- or x-hexclave- refresh token header) and every other one ended, and the new
 * password the only one that signs in.
 */
import { describe, expect, it } from 'vitest';
import { api, describeOnEachStore, type TestServer } from '../helpers/server.js';
import { PASSWORD, expectKnownError, signIn, signUp, type SignedUp } from '../api/support.js';
import { asUser, refresh, serverMadeUser, withProjectConfig } from './password-support.js';

const NEW_PASSWORD = 'a brand new password';

async function secondSession(t: TestServer, user: SignedUp): Promise<string> {
  const res = await signIn(t, user.email, user.password);
  expect(res.status).toBe(200);
  return res.json.refresh_token as string;
}

describeOnEachStore('POST /auth/password/update on %s', (t) => {
  it('changes the password: the new one signs in, the old one no longer does', async () => {
    const user = await signUp(t);
    const res = await api(t, 'POST', '/auth/password/update', {
      headers: asUser(t, user),
      body: { old_password: PASSWORD, new_password: NEW_PASSWORD },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ success: true });
    expectKnownError(await signIn(t, user.email, PASSWORD), 'EMAIL_PASSWORD_MISMATCH', 400);
    expect((await signIn(t, user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it.each(['x-stack-refresh-token', 'x-hexclave-refresh-token'])(
    'keeps the session named by %s and ends every other one of the user',
    async (header) => {
      const user = await signUp(t);
      const other = await secondSession(t, user);
      const bystander = await signUp(t);
      const res = await api(t, 'POST', '/auth/password/update', {
        headers: asUser(t, user, header),
        body: { old_password: PASSWORD, new_password: NEW_PASSWORD },
      });
      expect(res.status, res.text).toBe(200);
      expect((await refresh(t, user.refreshToken)).status).toBe(200);
      expectKnownError(await refresh(t, other), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
      // Another user's sessions are untouched.
      expect((await refresh(t, bystander.refreshToken)).status).toBe(200);
    },
  );

  it('ends every session, the caller’s too, when no refresh token is sent', async () => {
    const user = await signUp(t);
    const res = await api(t, 'POST', '/auth/password/update', {
      headers: asUser(t, { accessToken: user.accessToken }),
      body: { old_password: PASSWORD, new_password: NEW_PASSWORD },
    });
    expect(res.status, res.text).toBe(200);
    expectKnownError(await refresh(t, user.refreshToken), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
  });

  it('does not keep a session named by another user’s refresh token', async () => {
    const user = await signUp(t);
    const stranger = await signUp(t);
    const res = await api(t, 'POST', '/auth/password/update', {
      headers: asUser(t, { accessToken: user.accessToken, refreshToken: stranger.refreshToken }),
      body: { old_password: PASSWORD, new_password: NEW_PASSWORD },
    });
    expect(res.status, res.text).toBe(200);
    expectKnownError(await refresh(t, user.refreshToken), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
    expect((await refresh(t, stranger.refreshToken)).status).toBe(200);
  });

  it('answers a wrong current password with PASSWORD_CONFIRMATION_MISMATCH and changes nothing', async () => {
    const user = await signUp(t);
    const res = await api(t, 'POST', '/auth/password/update', {
      headers: asUser(t, user),
      body: { old_password: 'not the password', new_password: NEW_PASSWORD },
    });
    expectKnownError(res, 'PASSWORD_CONFIRMATION_MISMATCH', 400, 'none');
    expect((await signIn(t, user.email, PASSWORD)).status).toBe(200);
    expect((await refresh(t, user.refreshToken)).status).toBe(200);
  });

  it('checks the new password’s rules before the current password (Stack’s order)', async () => {
    const user = await signUp(t);
    const short = await api(t, 'POST', '/auth/password/update', {
      headers: asUser(t, user),
      body: { old_password: 'wrong as well', new_password: 'short' },
    });
    expectKnownError(short, 'PASSWORD_TOO_SHORT', 400, { min_length: 8 });
    const long = await api(t, 'POST', '/auth/password/update', {
      headers: asUser(t, user),
      body: { old_password: PASSWORD, new_password: 'x'.repeat(71) },
    });
    expectKnownError(long, 'PASSWORD_TOO_LONG', 400, { maxLength: 70 });
    expect((await signIn(t, user.email, PASSWORD)).status).toBe(200);
  });

  it('answers USER_DOES_NOT_HAVE_PASSWORD for a user without one', async () => {
    const user = await serverMadeUser(t);
    const res = await api(t, 'POST', '/auth/password/update', {
      headers: asUser(t, user),
      body: { old_password: 'anything at all', new_password: NEW_PASSWORD },
    });
    expectKnownError(res, 'USER_DOES_NOT_HAVE_PASSWORD', 400, 'none');
  });

  it('needs a signed-in user', async () => {
    const res = await api(t, 'POST', '/auth/password/update', { body: { old_password: PASSWORD, new_password: NEW_PASSWORD } });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    expect(res.json.error).toBe('Request validation failed on POST /api/v1/auth/password/update:\n  - auth.user must be defined');
  });

  it('refuses a body without the fields with SCHEMA_ERROR', async () => {
    const user = await signUp(t);
    const res = await api(t, 'POST', '/auth/password/update', { headers: asUser(t, user), body: { new_password: NEW_PASSWORD } });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
  });
});

describeOnEachStore('POST /auth/password/set on %s', (t) => {
  it('sets a first password, which then signs in; the caller’s session is kept', async () => {
    const user = await serverMadeUser(t);
    const res = await api(t, 'POST', '/auth/password/set', { headers: asUser(t, user), body: { password: NEW_PASSWORD } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ success: true });
    expect((await signIn(t, user.email, NEW_PASSWORD)).status).toBe(200);
    expect((await refresh(t, user.refreshToken)).status).toBe(200);
    const me = await api(t, 'GET', '/users/me', { headers: asUser(t, user) });
    expect(me.json.has_password).toBe(true);
  });

  it('answers a user who has a password with Stack’s plain-text 400', async () => {
    const user = await signUp(t);
    const res = await api(t, 'POST', '/auth/password/set', { headers: asUser(t, user), body: { password: NEW_PASSWORD } });
    expect(res.status).toBe(400);
    expect(res.text).toBe('User already has a password set.');
    expect(res.headers.get('x-stack-known-error')).toBeNull();
    expect((await signIn(t, user.email, PASSWORD)).status).toBe(200);
  });

  it('checks the password’s rules', async () => {
    const user = await serverMadeUser(t);
    const res = await api(t, 'POST', '/auth/password/set', { headers: asUser(t, user), body: { password: 'short' } });
    expectKnownError(res, 'PASSWORD_TOO_SHORT', 400, { min_length: 8 });
  });

  it('sets a password once when two requests race', async () => {
    const user = await serverMadeUser(t);
    const results = await Promise.all(
      ['first password 1', 'second password 2'].map((password) =>
        api(t, 'POST', '/auth/password/set', { headers: asUser(t, user), body: { password } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });
});

describe('password auth disabled', () => {
  describeOnEachStore('update and set on %s', (t) => {
    it('answer PASSWORD_AUTHENTICATION_NOT_ENABLED', async () => {
      const user = await signUp(t);
      const nopass = await serverMadeUser(t);
      await withProjectConfig(t, { credential_enabled: false }, async () => {
        expectKnownError(
          await api(t, 'POST', '/auth/password/update', {
            headers: asUser(t, user),
            body: { old_password: PASSWORD, new_password: NEW_PASSWORD },
          }),
          'PASSWORD_AUTHENTICATION_NOT_ENABLED',
          400,
        );
        expectKnownError(
          await api(t, 'POST', '/auth/password/set', { headers: asUser(t, nopass), body: { password: NEW_PASSWORD } }),
          'PASSWORD_AUTHENTICATION_NOT_ENABLED',
          400,
        );
      });
    });
  });
});
