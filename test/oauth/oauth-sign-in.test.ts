/**
 * OAuth sign-in through a real OpenID Connect provider on 127.0.0.1, request by request as the SDK sends them: both
 * authorize modes, the strict token response, new and returning users, `oauth_providers` on the user object and in
 * users_sync (same transaction), linking, and Stack's account merging by verified e-mail with its 409.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { signUp, uniqueEmail, withToken } from '../api/support.js';
import { APP_CALLBACK, authorizeUrl, callback, exchange, newOuterParams, signInWith, toCallback, useMockProvider } from './flow.js';

describeOnEachStore('OAuth sign-in with an OpenID Connect provider on %s', (t) => {
  const idp = useMockProvider(t);

  const me = async (accessToken: string) => (await api(t, 'GET', '/users/me', { headers: withToken(t, accessToken) })).json;

  it('JSON mode (2.8.102+): a new user, then the same account signs in again as that user', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('oidc');
    idp.signInNextAs({ sub, email, email_verified: true, name: 'Olivia' });
    const first = await signInWith(t, 'acme');
    expect(first).toMatchObject({
      token_type: 'Bearer',
      scope: 'legacy',
      is_new_user: true,
      newUser: true,
      after_callback_redirect_url: null,
    });
    expect(first).not.toHaveProperty('id_token');
    expect(typeof first.refresh_token).toBe('string');
    const user = await me(first.access_token as string);
    expect(user).toMatchObject({ primary_email: email, primary_email_verified: true, display_name: 'Olivia', has_password: false });
    expect(user.oauth_providers).toEqual([{ id: 'acme', account_id: sub, email }]);

    idp.signInNextAs({ sub, email, email_verified: true, name: 'Olivia' });
    const second = await signInWith(t, 'acme');
    expect(second.is_new_user).toBe(false);
    expect((await me(second.access_token as string)).id).toBe(user.id);
  });

  it('redirect mode (2.6–2.8.77): 307 with the inner cookie, which the callback requires', async () => {
    const sub = randomUUID();
    idp.signInNextAs({ sub, email: uniqueEmail('redirect'), email_verified: true });
    const outer = newOuterParams();
    const trip = await toCallback(authorizeUrl(t, 'acme', outer), 'redirect');
    expect(trip.cookie).toMatch(/^stack-oauth-inner-[A-Za-z0-9_-]+=true$/);
    const withoutCookie = await callback({ ...trip, cookie: undefined });
    expect(withoutCookie.status).toBe(400);
    expect(withoutCookie.text).toContain('Inner OAuth cookie not found');

    idp.signInNextAs({ sub, email: uniqueEmail('redirect'), email_verified: true });
    const again = newOuterParams();
    const trip2 = await toCallback(authorizeUrl(t, 'acme', again), 'redirect');
    const back = await callback(trip2);
    expect(back.status).toBe(303);
    expect(back.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    const code = new URL(back.location!).searchParams.get('code')!;
    expect((await exchange(t, code, again.verifier)).json.is_new_user).toBe(true);
  });

  it('form_post: the provider may POST its answer to the callback; the browser is sent on with a 303', async () => {
    idp.signInNextAs({ sub: randomUUID(), email: uniqueEmail('formpost'), email_verified: true });
    const outer = newOuterParams();
    const trip = await toCallback(authorizeUrl(t, 'acme', outer), 'json');
    const answer = new URL(trip.callbackUrl);
    const posted = await fetch(answer.origin + answer.pathname, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: answer.searchParams.toString(),
    });
    expect(posted.status).toBe(303);
    const code = new URL(posted.headers.get('location')!).searchParams.get('code')!;
    expect((await exchange(t, code, outer.verifier)).status).toBe(200);

    idp.refuseNext('access_denied');
    const refused = new URL((await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json')).callbackUrl);
    const error = await fetch(refused.origin + refused.pathname, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: refused.searchParams.toString(),
    });
    expect(error.status).toBe(303);
    expect(new URL(error.headers.get('location')!).searchParams.get('errorCode')).toBe('OAUTH_PROVIDER_ACCESS_DENIED');
  });

  it('the authorize answer in JSON mode carries CORS headers for the SDK’s cross-origin fetch', async () => {
    const res = await fetch(`${authorizeUrl(t, 'acme', newOuterParams())}&hexclave_response_mode=json`, {
      headers: { origin: 'http://localhost:3000' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-stack-known-error');
    expect(res.headers.get('set-cookie')).toBeNull();
    const location = new URL(((await res.json()) as { location: string }).location);
    expect(location.origin).toBe(idp.issuerUrl);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('redirect_uri')).toBe(`${t.url}/api/v1/auth/oauth/callback/acme`);
    expect(location.searchParams.get('scope')).toBe('openid email profile');
  });

  it('after_callback_redirect_url comes back in the token response', async () => {
    idp.signInNextAs({ sub: randomUUID(), email: uniqueEmail('after'), email_verified: true });
    const token = await signInWith(t, 'acme', { extra: { after_callback_redirect_url: 'http://localhost:3000/settings' } });
    expect(token.after_callback_redirect_url).toBe('http://localhost:3000/settings');
    expect(token.afterCallbackRedirectUrl).toBe('http://localhost:3000/settings');
  });

  it('users_sync carries oauth_providers as soon as the user exists', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('sync');
    idp.signInNextAs({ sub, email, email_verified: true });
    const token = await signInWith(t, 'acme');
    const { rows } = await t.server.ctx.db.query<{ raw_json: { oauth_providers: unknown } }>(
      'SELECT raw_json FROM neon_auth.users_sync WHERE id = $1',
      [(token.access_token as string) && (await me(token.access_token as string)).id],
    );
    expect(rows[0]?.raw_json.oauth_providers).toEqual([{ id: 'acme', account_id: sub, email }]);
  });

  it('link: type=link with ?token= adds the account to the signed-in user', async () => {
    const alice = await signUp(t);
    const sub = randomUUID();
    idp.signInNextAs({ sub, email: uniqueEmail('linked'), email_verified: false });
    const token = await signInWith(t, 'acme', { extra: { type: 'link', token: alice.accessToken } });
    expect(token.is_new_user).toBe(false);
    const user = await me(token.access_token as string);
    expect(user.id).toBe(alice.userId);
    expect((user.oauth_providers as Array<{ account_id: string }>).map((p) => p.account_id)).toEqual([sub]);

    // The same provider account cannot then be linked to someone else.
    const bob = await signUp(t);
    idp.signInNextAs({ sub, email: uniqueEmail('linked'), email_verified: false });
    const outer = newOuterParams();
    const back = await callback(await toCallback(authorizeUrl(t, 'acme', outer, { type: 'link', token: bob.accessToken }), 'json'));
    expect(back.status).toBe(307);
    expect(new URL(back.location!).searchParams.get('errorCode')).toBe('OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER');
  });

  it('link without a token is a text 400', async () => {
    const res = await fetch(`${authorizeUrl(t, 'acme', newOuterParams(), { type: 'link' })}&stack_response_mode=json`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('?token= query parameter is required for link type');
  });

  describe('merging by e-mail (link_method)', () => {
    async function passwordUser(verified: boolean) {
      const user = await signUp(t);
      if (verified) {
        const res = await api(t, 'PATCH', `/users/${user.userId}`, { headers: serverHeaders(t), body: { primary_email_verified: true } });
        expect(res.status).toBe(200);
      }
      return user;
    }

    it('both e-mails verified: the provider account joins the existing user', async () => {
      const existing = await passwordUser(true);
      idp.signInNextAs({ sub: randomUUID(), email: existing.email.toUpperCase(), email_verified: true });
      const token = await signInWith(t, 'acme');
      expect(token.is_new_user).toBe(false);
      const user = await me(token.access_token as string);
      expect(user.id).toBe(existing.userId);
      expect(user.has_password).toBe(true);
    });

    it('the existing e-mail unverified: 409 as an error redirect, would_work_if_email_was_verified true', async () => {
      const existing = await passwordUser(false);
      idp.signInNextAs({ sub: randomUUID(), email: existing.email, email_verified: true });
      const back = await callback(await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json'));
      expect(back.status).toBe(307);
      const url = new URL(back.location!);
      expect(url.origin + url.pathname).toBe(APP_CALLBACK);
      expect(url.searchParams.get('error')).toBe('server_error');
      expect(url.searchParams.get('errorCode')).toBe('CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE');
      expect(JSON.parse(url.searchParams.get('details')!)).toEqual({
        type: 'email',
        contact_channel_value: existing.email,
        would_work_if_email_was_verified: true,
      });
    });

    it('the provider’s e-mail unverified: the same 409, would_work_if_email_was_verified false', async () => {
      const existing = await passwordUser(true);
      idp.signInNextAs({ sub: randomUUID(), email: existing.email, email_verified: false });
      const back = await callback(await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json'));
      const url = new URL(back.location!);
      expect(url.searchParams.get('errorCode')).toBe('CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE');
      expect(JSON.parse(url.searchParams.get('details')!).would_work_if_email_was_verified).toBe(false);
    });
  });

  it('an anonymous user who signs in with a provider is upgraded in place', async () => {
    const anonymous = await api(t, 'POST', '/auth/anonymous/sign-up');
    expect(anonymous.status).toBe(200);
    const sub = randomUUID();
    const email = uniqueEmail('upgraded');
    idp.signInNextAs({ sub, email, email_verified: true });
    const token = await signInWith(t, 'acme', { extra: { token: anonymous.json.access_token as string } });
    expect(token.is_new_user).toBe(true);
    const user = await me(token.access_token as string);
    expect(user).toMatchObject({ id: anonymous.json.user_id, is_anonymous: false, primary_email: email });
    expect(user.oauth_providers).toEqual([{ id: 'acme', account_id: sub, email }]);
  });

  it('a user imported with POST /users oauth_providers signs in with that provider account', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('imported');
    const created = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { primary_email: email, primary_email_auth_enabled: true, oauth_providers: [{ id: 'acme', account_id: sub, email }] },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.oauth_providers).toEqual([{ id: 'acme', account_id: sub, email }]);
    idp.signInNextAs({ sub, email, email_verified: false });
    const token = await signInWith(t, 'acme');
    expect(token.is_new_user).toBe(false);
    expect((await me(token.access_token as string)).id).toBe(created.json.id);

    const taken = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { oauth_providers: [{ id: 'acme', account_id: sub }] },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.code).toBe('OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER');
    const unknown = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { oauth_providers: [{ id: 'gitlab', account_id: '1' }] },
    });
    expect(unknown.json.code).toBe('OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
  });

  it('a user created by OAuth is a normal user: listed, and deleted with its provider accounts', async () => {
    const sub = randomUUID();
    idp.signInNextAs({ sub, email: uniqueEmail('normal'), email_verified: true });
    const token = await signInWith(t, 'acme');
    const user = await me(token.access_token as string);
    const listed = await api(t, 'GET', `/users/${user.id}`, { headers: serverHeaders(t) });
    expect(listed.json.oauth_providers).toEqual(user.oauth_providers);
    expect((await api(t, 'DELETE', `/users/${user.id}`, { headers: serverHeaders(t) })).status).toBe(200);
    // Its provider accounts, with their sealed tokens, went with it.
    const { rows } = await t.server.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM authsync.oauth_accounts WHERE account_id = $1',
      [sub],
    );
    expect(rows[0]!.n).toBe(0);
    // Signing in again with the same provider account makes a new user.
    idp.signInNextAs({ sub, email: uniqueEmail('normal'), email_verified: true });
    const again = await signInWith(t, 'acme');
    expect(again.is_new_user).toBe(true);
    expect((await me(again.access_token as string)).id).not.toBe(user.id);
  });

  it('sign-up disabled: a new OAuth user is refused with SIGN_UP_NOT_ENABLED as an error redirect', async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { sign_up_enabled: false } });
    t.server.ctx.directory.invalidate(t.projectId);
    try {
      idp.signInNextAs({ sub: randomUUID(), email: uniqueEmail('closed'), email_verified: true });
      const back = await callback(await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json'));
      expect(new URL(back.location!).searchParams.get('errorCode')).toBe('SIGN_UP_NOT_ENABLED');
    } finally {
      await updateProject(t.server.ctx.db, t.projectId, { config: { sign_up_enabled: true } });
      t.server.ctx.directory.invalidate(t.projectId);
    }
  });
});
