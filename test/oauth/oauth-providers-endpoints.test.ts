/**
 * A user's provider accounts through Stack's /oauth-providers endpoints: list, get, change the sign-in and
 * connected-account flags, remove (which updates the user object and users_sync in the same transaction). Client
 * access reaches only the signed-in user's own accounts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUp, uniqueEmail, withToken } from '../api/support.js';
import { api, serverHeaders, useTestServer } from '../helpers/server.js';
import { authorizeUrl, callback, newOuterParams, signInWith, toCallback, useMockProvider } from './flow.js';

describe('/oauth-providers', () => {
  const t = useTestServer();
  const idp = useMockProvider(t);

  async function oauthUser() {
    const sub = randomUUID();
    const email = uniqueEmail('accounts');
    idp.signInNextAs({ sub, email, email_verified: true });
    const token = await signInWith(t, 'acme');
    const accessToken = token.access_token as string;
    const userId = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sub as string;
    return { sub, email, accessToken, userId };
  }

  it('lists the signed-in user’s accounts in Stack’s shape, and gets one', async () => {
    const user = await oauthUser();
    const list = await api(t, 'GET', '/oauth-providers?user_id=me', { headers: withToken(t, user.accessToken) });
    expect(list.status, list.text).toBe(200);
    const items = list.json.items as Array<Record<string, unknown>>;
    expect(items).toEqual([
      {
        user_id: user.userId,
        id: expect.any(String),
        provider_config_id: 'acme',
        type: 'acme',
        account_id: user.sub,
        email: user.email,
        allow_sign_in: true,
        allow_connected_accounts: true,
      },
    ]);
    const one = await api(t, 'GET', `/oauth-providers/me/${items[0]!.id as string}`, { headers: withToken(t, user.accessToken) });
    expect(one.json).toEqual(items[0]);
  });

  it('turning sign-in off stops the account from signing in; the flag comes back on', async () => {
    const user = await oauthUser();
    const id = (
      (await api(t, 'GET', '/oauth-providers', { headers: withToken(t, user.accessToken) })).json.items as Array<{ id: string }>
    )[0]!.id;
    const off = await api(t, 'PATCH', `/oauth-providers/${user.userId}/${id}`, {
      headers: withToken(t, user.accessToken),
      body: { allow_sign_in: false },
    });
    expect(off.status, off.text).toBe(200);
    expect(off.json.allow_sign_in).toBe(false);
    idp.signInNextAs({ sub: user.sub, email: user.email, email_verified: true });
    const refused = await callback(await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json'));
    expect(new URL(refused.location!).searchParams.get('errorCode')).toBe('OAUTH_PROVIDER_ACCESS_DENIED');
    await api(t, 'PATCH', `/oauth-providers/${user.userId}/${id}`, { headers: serverHeaders(t), body: { allow_sign_in: true } });
    idp.signInNextAs({ sub: user.sub, email: user.email, email_verified: true });
    expect((await signInWith(t, 'acme')).is_new_user).toBe(false);
  });

  it('removing an account updates the user object and users_sync', async () => {
    const user = await oauthUser();
    const id = (
      (await api(t, 'GET', '/oauth-providers', { headers: withToken(t, user.accessToken) })).json.items as Array<{ id: string }>
    )[0]!.id;
    const removed = await api(t, 'DELETE', `/oauth-providers/me/${id}`, { headers: withToken(t, user.accessToken) });
    expect(removed.status, removed.text).toBe(200);
    const me = await api(t, 'GET', '/users/me', { headers: withToken(t, user.accessToken) });
    expect(me.json.oauth_providers).toEqual([]);
    const { rows } = await t.server.ctx.db.query<{ raw_json: { oauth_providers: unknown[] } }>(
      'SELECT raw_json FROM neon_auth.users_sync WHERE id = $1',
      [user.userId],
    );
    expect(rows[0]!.raw_json.oauth_providers).toEqual([]);
    const again = await api(t, 'DELETE', `/oauth-providers/me/${id}`, { headers: withToken(t, user.accessToken) });
    expect(again.status).toBe(404);
  });

  it('client access cannot reach another user’s accounts; server access can', async () => {
    const owner = await oauthUser();
    const other = await signUp(t);
    const foreign = await api(t, 'GET', `/oauth-providers?user_id=${owner.userId}`, { headers: withToken(t, other.accessToken) });
    expect(foreign.status).toBe(404);
    expect(foreign.json.code).toBe('USER_NOT_FOUND');
    const server = await api(t, 'GET', `/oauth-providers?user_id=${owner.userId}`, { headers: serverHeaders(t) });
    expect((server.json.items as unknown[]).length).toBe(1);
  });
});
