/**
 * Anonymous users (spec §4.15): their tokens have aud `<id>:anon` and the anonymous issuer, they are hidden
 * from GET /users unless include_anonymous=true, and a password sign-up with the anonymous token upgrades
 * the same user in place.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { decodePayload, expectKnownError, signIn, uniqueEmail, withToken } from './support.js';

const ALLOW = { 'x-stack-allow-anonymous-user': 'true' };

describeOnEachStore('anonymous users on %s', (t) => {
  const anonymousSignUp = async () => {
    const res = await api(t, 'POST', '/auth/anonymous/sign-up', { headers: clientHeaders(t) });
    expect(res.status, res.text).toBe(200);
    return res.json as { access_token: string; refresh_token: string; user_id: string };
  };

  it('issues a token with the anonymous audience, issuer and key', async () => {
    const anon = await anonymousSignUp();
    const claims = decodePayload(anon.access_token);
    expect(claims).toMatchObject({
      sub: anon.user_id,
      aud: `${t.projectId}:anon`,
      iss: `${t.url}/api/v1/projects-anonymous-users/${t.projectId}`,
      is_anonymous: true,
      is_restricted: true,
      restricted_reason: { type: 'anonymous' },
      role: 'authenticated',
      email: null,
      project_id: t.projectId,
      branch_id: 'main',
    });
    // Verifiable through the anonymous JWKS URL and its redirect twin.
    for (const url of [
      `${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json?include_anonymous=true`,
      `${t.apiUrl}/projects-anonymous-users/${t.projectId}/.well-known/jwks.json`,
    ]) {
      const { payload } = await jwtVerify(anon.access_token, createRemoteJWKSet(new URL(url)), { audience: `${t.projectId}:anon` });
      expect(payload.sub).toBe(anon.user_id);
    }
    const me = await api(t, 'GET', '/users/me', { headers: withToken(t, anon.access_token, ALLOW) });
    expect(me.json).toMatchObject({
      id: anon.user_id,
      is_anonymous: true,
      is_restricted: true,
      restricted_reason: { type: 'anonymous' },
      primary_email: null,
    });
    // Anonymous users do not sign in with a password, and their token is refused where anonymous users are not allowed.
    expectKnownError(
      await api(t, 'GET', '/users/me', { headers: withToken(t, anon.access_token) }),
      'ANONYMOUS_AUTHENTICATION_NOT_ALLOWED',
      401,
    );
  });

  it('is excluded from GET /users by default, included with include_anonymous=true', async () => {
    const anon = await anonymousSignUp();
    const ids = async (query: string) => {
      const res = await api(t, 'GET', `/users${query}`, { headers: serverHeaders(t) });
      expect(res.status, res.text).toBe(200);
      return (res.json.items as Array<{ id: string }>).map((u) => u.id);
    };
    expect(await ids('')).not.toContain(anon.user_id);
    expect(await ids('?include_anonymous=false')).not.toContain(anon.user_id);
    expect(await ids('?include_anonymous=true')).toContain(anon.user_id);
    const only = await api(t, 'GET', '/users?include_anonymous=true&only_anonymous=true', { headers: serverHeaders(t) });
    expect((only.json.items as Array<{ is_anonymous: boolean }>).every((u) => u.is_anonymous)).toBe(true);
    const refused = await api(t, 'GET', '/users?only_anonymous=true', { headers: serverHeaders(t) });
    expect(refused.status).toBe(400);
    // GET /users/{id} finds it regardless.
    expect((await api(t, 'GET', `/users/${anon.user_id}`, { headers: serverHeaders(t) })).json.is_anonymous).toBe(true);
  });

  it('a sign-up with the anonymous token upgrades the same user', async () => {
    const anon = await anonymousSignUp();
    await api(t, 'PATCH', '/users/me', { headers: withToken(t, anon.access_token, ALLOW), body: { client_metadata: { cart: [1, 2] } } });
    const email = uniqueEmail('upgrade');
    const up = await api(t, 'POST', '/auth/password/sign-up', {
      headers: withToken(t, anon.access_token, ALLOW),
      body: { email, password: 'correct horse battery' },
    });
    expect(up.status, up.text).toBe(200);
    expect(up.json.user_id).toBe(anon.user_id);
    const claims = decodePayload(up.json.access_token as string);
    expect(claims).toMatchObject({
      sub: anon.user_id,
      aud: t.projectId,
      iss: `${t.url}/api/v1/projects/${t.projectId}`,
      is_anonymous: false,
      is_restricted: false,
      email,
    });
    const user = await api(t, 'GET', `/users/${anon.user_id}`, { headers: serverHeaders(t) });
    expect(user.json).toMatchObject({
      is_anonymous: false,
      primary_email: email,
      primary_email_auth_enabled: true,
      has_password: true,
      client_metadata: { cart: [1, 2] },
    });
    const listed = await api(t, 'GET', '/users', { headers: serverHeaders(t) });
    expect((listed.json.items as Array<{ id: string }>).map((u) => u.id)).toContain(anon.user_id);
    expect((await signIn(t, email)).json.user_id).toBe(anon.user_id);
    // A second sign-up with the (now upgraded) token creates nobody new and reuses no e-mail.
    const again = await api(t, 'POST', '/auth/password/sign-up', {
      headers: withToken(t, up.json.access_token as string),
      body: { email, password: 'correct horse battery' },
    });
    expectKnownError(again, 'USER_EMAIL_ALREADY_EXISTS', 409, { email, would_work_if_email_was_verified: false });
  });

  it('sign-up off: anonymous sign-up still works, its upgrade to a real account is refused', async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { sign_up_enabled: false } });
    try {
      const anon = await anonymousSignUp();
      const email = uniqueEmail('closed');
      const up = await api(t, 'POST', '/auth/password/sign-up', {
        headers: withToken(t, anon.access_token, ALLOW),
        body: { email, password: 'correct horse battery' },
      });
      expectKnownError(up, 'SIGN_UP_NOT_ENABLED', 400);
      const user = await api(t, 'GET', `/users/${anon.user_id}`, { headers: serverHeaders(t) });
      expect(user.json).toMatchObject({ is_anonymous: true, primary_email: null, has_password: false });
    } finally {
      await updateProject(t.server.ctx.db, t.projectId, { config: { sign_up_enabled: true } });
    }
  });

  it('an upgrade to an e-mail already in use is refused and the anonymous user stays anonymous', async () => {
    const taken = uniqueEmail('taken');
    expect((await api(t, 'POST', '/auth/password/sign-up', { body: { email: taken, password: 'correct horse battery' } })).status).toBe(
      200,
    );
    const anon = await anonymousSignUp();
    const res = await api(t, 'POST', '/auth/password/sign-up', {
      headers: withToken(t, anon.access_token, ALLOW),
      body: { email: taken.toUpperCase(), password: 'correct horse battery' },
    });
    expectKnownError(res, 'USER_EMAIL_ALREADY_EXISTS', 409, { email: taken, would_work_if_email_was_verified: false });
    expect((await api(t, 'GET', `/users/${anon.user_id}`, { headers: serverHeaders(t) })).json).toMatchObject({
      is_anonymous: true,
      primary_email: null,
    });
  });
});
