/**
 * Connected accounts (POST /connected-accounts/me/{provider}/access-token), through a real OpenID Connect provider:
 * the provider's access token stored at sign-in is returned to the signed-in user's app, refreshed with the stored
 * refresh token once expired, and the errors the SDK reads as "not connected" when there is nothing to give.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listOAuthAccountsOfUser } from '../../src/oauth/accounts.js';
import { expectKnownError, signUp, uniqueEmail, withToken } from '../api/support.js';
import { startOidcProvider, type OidcProvider } from '../helpers/oidc-provider.js';
import { api, clientHeaders, describeOnEachStore } from '../helpers/server.js';
import { addMockProvider, signInWith } from './flow.js';

describeOnEachStore('connected accounts on %s', (t) => {
  let idp: OidcProvider;
  beforeAll(async () => {
    idp = await startOidcProvider();
    await addMockProvider(t, idp);
    await addMockProvider(t, idp, 'noapps', { allowConnectedAccounts: false });
  });
  afterAll(async () => {
    await idp?.stop();
  });

  async function signedIn(providerId = 'acme') {
    idp.signInNextAs({ sub: randomUUID(), email: uniqueEmail('connected'), email_verified: true });
    const token = await signInWith(t, providerId);
    const accessToken = token.access_token as string;
    const userId = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sub as string;
    return { accessToken, userId };
  }

  const stored = async (userId: string) => (await listOAuthAccountsOfUser(t.server.ctx.db, t.server.ctx.box, t.projectId, userId))[0]!;
  const getToken = (accessToken: string, providerId = 'acme', scope = '') =>
    api(t, 'POST', `/connected-accounts/me/${providerId}/access-token`, { headers: withToken(t, accessToken), body: { scope } });

  it('returns the stored provider access token while it is fresh', async () => {
    const user = await signedIn();
    const res = await getToken(user.accessToken);
    expect(res.status, res.text).toBe(200);
    expect(res.json.access_token).toBe((await stored(user.userId)).accessToken);
  });

  it('lists the accounts apps may use, and gets a token by provider and account', async () => {
    const user = await signedIn();
    const account = await stored(user.userId);
    const list = await api(t, 'GET', '/connected-accounts/me', { headers: withToken(t, user.accessToken) });
    expect(list.status, list.text).toBe(200);
    expect(list.json.items).toEqual([{ provider: 'acme', provider_account_id: account.accountId }]);
    const byAccount = await api(t, 'POST', `/connected-accounts/me/acme/${encodeURIComponent(account.accountId)}/access-token`, {
      headers: withToken(t, user.accessToken),
      body: { scope: '' },
    });
    expect(byAccount.json.access_token).toBe(account.accessToken);
    const otherAccount = await api(t, 'POST', '/connected-accounts/me/acme/someone-else/access-token', {
      headers: withToken(t, user.accessToken),
      body: {},
    });
    expectKnownError(otherAccount, 'OAUTH_CONNECTION_NOT_CONNECTED_TO_USER', 400);
  });

  it('refreshes an expired access token with the stored refresh token, and keeps the new one', async () => {
    const user = await signedIn();
    const before = await stored(user.userId);
    await t.server.ctx.db.query(
      `UPDATE authsync.oauth_accounts SET access_token_expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.userId],
    );
    const refreshesBefore = idp.refreshes();
    const res = await getToken(user.accessToken);
    expect(res.status, res.text).toBe(200);
    expect(idp.refreshes()).toBe(refreshesBefore + 1);
    expect(res.json.access_token).not.toBe(before.accessToken);
    const after = await stored(user.userId);
    expect(after.accessToken).toBe(res.json.access_token);
    expect(after.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    // Fresh again: the next call does not refresh.
    expect((await getToken(user.accessToken)).json.access_token).toBe(res.json.access_token);
    expect(idp.refreshes()).toBe(refreshesBefore + 1);
  });

  it('a refresh token the provider refuses: OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE (the SDK links again)', async () => {
    const user = await signedIn();
    await t.server.ctx.db.query(
      `UPDATE authsync.oauth_accounts SET access_token_expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.userId],
    );
    idp.refuseNextRefresh();
    expectKnownError(await getToken(user.accessToken), 'OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE', 400);
  });

  it('no account at the provider, a provider closed to apps, a scope not granted, no signed-in user', async () => {
    const password = await signUp(t);
    expectKnownError(await getToken(password.accessToken), 'OAUTH_CONNECTION_NOT_CONNECTED_TO_USER', 400);
    const user = await signedIn('noapps');
    expectKnownError(await getToken(user.accessToken, 'noapps'), 'OAUTH_CONNECTION_NOT_CONNECTED_TO_USER', 400);
    const other = await signedIn();
    expectKnownError(
      await getToken(other.accessToken, 'acme', 'https://www.googleapis.com/auth/drive'),
      'OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE',
      400,
    );
    const anonymous = await api(t, 'POST', '/connected-accounts/me/acme/access-token', { headers: clientHeaders(t), body: {} });
    expectKnownError(anonymous, 'CANNOT_GET_OWN_USER_WITHOUT_USER', 400);
  });
});
