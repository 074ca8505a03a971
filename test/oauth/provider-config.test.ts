/**
 * A project's OAuth providers and its users' provider accounts (src/oauth/): what is stored comes back as it was
 * given, the client secret and the provider tokens are sealed at rest (no raw column holds them), bad input is a clear
 * OAUTH_PROVIDER_INPUT error naming the field, and removal removes.
 */
import { expect, it } from 'vitest';
import { hasCode } from '../../src/errors/app-error.js';
import { findOAuthAccount, listOAuthAccountsOfUser, removeOAuthAccount, upsertOAuthAccount } from '../../src/oauth/accounts.js';
import {
  addOAuthProvider,
  getOAuthProvider,
  listOAuthProviders,
  listSignInProviderIds,
  removeOAuthProvider,
  type OAuthProviderInput,
} from '../../src/oauth/provider-config.js';
import { describeOnEachStore } from '../helpers/server.js';

const SECRET = 'client-secret-that-must-never-be-stored-in-clear';

async function inputError(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (hasCode(error, 'OAUTH_PROVIDER_INPUT')) return error.message;
    throw error;
  }
  throw new Error('expected an OAUTH_PROVIDER_INPUT error');
}

describeOnEachStore('OAuth provider configuration (%s)', (t) => {
  const ctx = () => t.server.ctx;

  it('round-trips a provider, with the defaults: type from a built-in ID, sign-in and connected accounts on', async () => {
    const added = await addOAuthProvider(ctx().db, ctx().box, t.projectId, {
      providerId: 'github',
      clientId: 'gh-client',
      clientSecret: SECRET,
    });
    expect(added).toEqual({
      projectId: t.projectId,
      providerId: 'github',
      type: 'github',
      clientId: 'gh-client',
      clientSecret: SECRET,
      issuerUrl: null,
      scopes: [],
      allowSignIn: true,
      allowConnectedAccounts: true,
    });
    expect(await getOAuthProvider(ctx().db, ctx().box, t.projectId, 'github')).toEqual(added);
  });

  it('upserts: adding the same provider ID again replaces its settings', async () => {
    const input: OAuthProviderInput = {
      providerId: 'keycloak',
      clientId: 'kc',
      clientSecret: 'first',
      issuerUrl: 'http://127.0.0.1:8080/realms/app',
      scopes: ['groups', 'groups', 'offline_access'],
    };
    const first = await addOAuthProvider(ctx().db, ctx().box, t.projectId, input);
    expect(first.type).toBe('oidc');
    expect(first.scopes).toEqual(['groups', 'offline_access']);
    await addOAuthProvider(ctx().db, ctx().box, t.projectId, { ...input, clientSecret: 'second', scopes: [], allowSignIn: false });
    const stored = await getOAuthProvider(ctx().db, ctx().box, t.projectId, 'keycloak');
    expect(stored).toMatchObject({ clientSecret: 'second', scopes: [], allowSignIn: false, issuerUrl: 'http://127.0.0.1:8080/realms/app' });
    const ids = (await listOAuthProviders(ctx().db, ctx().box, t.projectId)).map((p) => p.providerId);
    expect(ids).toEqual(['github', 'keycloak']);
    expect(await listSignInProviderIds(ctx().db, t.projectId)).toEqual(['github']);
  });

  it('keeps the client secret sealed at rest: no column of the row holds it', async () => {
    const { rows } = await ctx().db.query<Record<string, unknown>>(
      "SELECT * FROM authsync.oauth_providers WHERE project_id = $1 AND provider_id = 'github'",
      [t.projectId],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(SECRET);
    expect(String(rows[0]!.client_secret_enc)).toMatch(/^v1\./);
  });

  it('refuses bad input with a message naming what to fix, and stores nothing', async () => {
    const add = (input: Partial<OAuthProviderInput>) => () =>
      addOAuthProvider(ctx().db, ctx().box, t.projectId, {
        providerId: 'x',
        clientId: 'c',
        clientSecret: 's',
        ...input,
      } as OAuthProviderInput);
    expect(await inputError(add({ providerId: 'Bad_ID' }))).toMatch(/provider ID must be 1 to 64 characters/);
    expect(await inputError(add({ providerId: 'a'.repeat(65) }))).toMatch(/provider ID/);
    expect(await inputError(add({ providerId: 'okta' }))).toMatch(/OpenID Connect provider: give its issuer URL/);
    expect(await inputError(add({ providerId: 'okta', issuerUrl: 'http://example.com' }))).toMatch(/must use https/);
    expect(await inputError(add({ providerId: 'okta', issuerUrl: 'not a url' }))).toMatch(/is not a URL/);
    expect(await inputError(add({ providerId: 'okta', issuerUrl: 'https://u:p@example.com' }))).toMatch(/credentials/);
    expect(await inputError(add({ providerId: 'google', issuerUrl: 'https://accounts.google.com' }))).toMatch(/fixed endpoints/);
    expect(await inputError(add({ providerId: 'github', issuerUrl: 'https://github.com' }))).toMatch(/fixed endpoints/);
    expect(await inputError(add({ providerId: 'microsoft', issuerUrl: 'https://evil.example.com/v2.0' }))).toMatch(
      /Microsoft issuer URL names the tenant/,
    );
    expect(await inputError(add({ providerId: 'google', clientId: ' ' }))).toMatch(/client ID must not be empty/);
    expect(await inputError(add({ providerId: 'google', clientSecret: '' }))).toMatch(/client secret must not be empty/);
    expect(await inputError(add({ providerId: 'google', scopes: ['a b'] }))).toMatch(/scope "a b" must be printable/);
    expect(await inputError(add({ providerId: 'google', type: 'facebook' as never }))).toMatch(/provider type must be one of/);
    const noProject = () =>
      addOAuthProvider(ctx().db, ctx().box, '00000000-0000-4000-8000-000000000000', {
        providerId: 'google',
        clientId: 'c',
        clientSecret: 's',
      });
    expect(await inputError(noProject)).toMatch(/no project/);
    expect(
      await inputError(() =>
        addOAuthProvider(ctx().db, ctx().box, 'not-a-uuid', { providerId: 'google', clientId: 'c', clientSecret: 's' }),
      ),
    ).toMatch(/no project/);
    const ids = (await listOAuthProviders(ctx().db, ctx().box, t.projectId)).map((p) => p.providerId);
    expect(ids).toEqual(['github', 'keycloak']);
  });

  it('accepts a generic OIDC provider under any ID, its https issuer kept as written', async () => {
    const added = await addOAuthProvider(ctx().db, ctx().box, t.projectId, {
      providerId: 'company-sso',
      clientId: 'c',
      clientSecret: 's',
      issuerUrl: 'https://sso.example.com',
    });
    expect(added).toMatchObject({ type: 'oidc', issuerUrl: 'https://sso.example.com' });
    // Kept as written: OpenID Connect compares the issuer with the discovery document's character for character.
    const auth0 = await addOAuthProvider(ctx().db, ctx().box, t.projectId, {
      providerId: 'auth0',
      clientId: 'c',
      clientSecret: '  pasted-with-spaces \n',
      issuerUrl: 'https://tenant.eu.auth0.com/',
    });
    expect(auth0).toMatchObject({ issuerUrl: 'https://tenant.eu.auth0.com/', clientSecret: 'pasted-with-spaces' });
    expect(await removeOAuthProvider(ctx().db, t.projectId, 'auth0')).toBe(true);
  });

  it("takes a Microsoft tenant's issuer URL, and none means the default tenant", async () => {
    const tenant = await addOAuthProvider(ctx().db, ctx().box, t.projectId, {
      providerId: 'microsoft',
      clientId: 'ms',
      clientSecret: 's',
      issuerUrl: 'https://login.microsoftonline.com/organizations/v2.0',
    });
    expect(tenant).toMatchObject({ type: 'microsoft', issuerUrl: 'https://login.microsoftonline.com/organizations/v2.0' });
    const plain = await addOAuthProvider(ctx().db, ctx().box, t.projectId, { providerId: 'microsoft', clientId: 'ms', clientSecret: 's' });
    expect(plain.issuerUrl).toBeNull();
    expect(await removeOAuthProvider(ctx().db, t.projectId, 'microsoft')).toBe(true);
  });

  it('removes a provider, and says whether there was one', async () => {
    expect(await removeOAuthProvider(ctx().db, t.projectId, 'company-sso')).toBe(true);
    expect(await removeOAuthProvider(ctx().db, t.projectId, 'company-sso')).toBe(false);
    expect(await getOAuthProvider(ctx().db, ctx().box, t.projectId, 'company-sso')).toBeUndefined();
  });

  it('stores provider accounts with their tokens sealed, keeps a refresh token a later sign-in does not bring', async () => {
    const user = await ctx().users.create(t.projectId, { primary_email: 'carol@example.com', display_name: 'Carol' });
    const expiresAt = new Date(Date.now() + 3600_000);
    const account = await upsertOAuthAccount(ctx().db, ctx().box, {
      projectId: t.projectId,
      providerId: 'github',
      accountId: '1001',
      userId: user.id,
      email: 'carol@users.example.com',
      emailVerified: true,
      accessToken: 'gho_access_token_value',
      refreshToken: 'ghr_refresh_token_value',
      accessTokenExpiresAt: expiresAt,
      scopes: ['user:email'],
    });
    expect(account).toMatchObject({
      userId: user.id,
      accessToken: 'gho_access_token_value',
      refreshToken: 'ghr_refresh_token_value',
      allowSignIn: true,
    });
    expect(account.accessTokenExpiresAt?.getTime()).toBe(expiresAt.getTime());

    const { rows } = await ctx().db.query<Record<string, unknown>>('SELECT * FROM authsync.oauth_accounts WHERE user_id = $1', [user.id]);
    expect(JSON.stringify(rows)).not.toContain('gho_access_token_value');
    expect(JSON.stringify(rows)).not.toContain('ghr_refresh_token_value');

    await upsertOAuthAccount(ctx().db, ctx().box, {
      projectId: t.projectId,
      providerId: 'github',
      accountId: '1001',
      userId: user.id,
      email: 'carol@users.example.com',
      accessToken: 'gho_second',
    });
    const again = await findOAuthAccount(ctx().db, ctx().box, t.projectId, 'github', '1001');
    expect(again).toMatchObject({ accessToken: 'gho_second', refreshToken: 'ghr_refresh_token_value', emailVerified: false });
    expect(await findOAuthAccount(ctx().db, ctx().box, t.projectId, 'github', '1002')).toBeUndefined();

    await upsertOAuthAccount(ctx().db, ctx().box, { projectId: t.projectId, providerId: 'keycloak', accountId: 'kc-1', userId: user.id });
    const listed = await listOAuthAccountsOfUser(ctx().db, ctx().box, t.projectId, user.id);
    expect(listed.map((a) => [a.providerId, a.accountId])).toEqual([
      ['github', '1001'],
      ['keycloak', 'kc-1'],
    ]);
    expect(await removeOAuthAccount(ctx().db, t.projectId, 'keycloak', 'kc-1')).toBe(true);
    expect(await removeOAuthAccount(ctx().db, t.projectId, 'keycloak', 'kc-1')).toBe(false);
  });

  it("removes a user's provider accounts with the user", async () => {
    const user = await ctx().users.create(t.projectId, { primary_email: 'dan@example.com' });
    await upsertOAuthAccount(ctx().db, ctx().box, { projectId: t.projectId, providerId: 'github', accountId: '2002', userId: user.id });
    await ctx().db.query('DELETE FROM authsync.users WHERE id = $1', [user.id]);
    expect(await findOAuthAccount(ctx().db, ctx().box, t.projectId, 'github', '2002')).toBeUndefined();
  });
});
