/**
 * The internal project API on PostgreSQL, as Stack's e2e set-up drives it over plain HTTP: an operator signs up on
 * `internal` (personal team), creates a project owned by that team, makes a key set with the admin access token, and
 * the keys work; the admin project read, changed (legacy config) and deleted; Stack's errors for each refusal.
 */
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';
import { api, useTestServer, type TestServer } from '../helpers/server.js';
import { decodePayload, expectKnownError, signWithProjectKey, uniqueEmail, withToken, PASSWORD } from '../api/support.js';
import {
  adminTokenHeaders,
  createOwnedProject,
  DEV_KEYS_ENV,
  internal,
  KEY_SET_BODY,
  setInternalSignUp,
  signUpOperator,
  type Operator,
} from './support.js';

const t = useTestServer({ env: DEV_KEYS_ENV });

/** Client and server requests to a project with the keys of a key set. */
function withKeys(projectId: string, keys: Record<string, unknown>) {
  const base = { ...t, projectId } as TestServer;
  return {
    client: { ...base, keys: { ...t.keys, publishableClientKey: keys.publishable_client_key as string } },
    serverHeaders: {
      'x-stack-access-type': 'server',
      'x-stack-project-id': projectId,
      'x-stack-secret-server-key': keys.secret_server_key as string,
      'content-type': 'application/json',
    },
  };
}

describe('internal project API', () => {
  let operator: Operator;

  it('the internal project answers as `internal`, its tokens name it so, and its JWKS is served under that ID', async () => {
    await setInternalSignUp(t, true);
    operator = await signUpOperator(t);
    const current = await api(internal(t), 'GET', '/projects/current');
    expect(current.status).toBe(200);
    expect(current.json.id).toBe('internal');
    expect(current.json.config).toMatchObject({ client_team_creation_enabled: true });
    // The client shape, as Stack's: no allow_localhost.
    expect(current.json.config).not.toHaveProperty('allow_localhost');
    const jwks = await api(t, 'GET', '/projects/internal/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect((jwks.json.keys as unknown[]).length).toBeGreaterThan(0);
    // As Stack's e2e helpers check a token: the JWKS named by its aud verifies it, with the issuer of that ID.
    const aud = decodePayload(operator.accessToken).aud as string;
    const keySet = jose.createRemoteJWKSet(new URL(`${t.apiUrl}/projects/${aud}/.well-known/jwks.json`));
    const { payload } = await jose.jwtVerify(operator.accessToken, keySet, {
      issuer: `${t.url}/api/v1/projects/internal`,
      audience: 'internal',
    });
    expect(payload.project_id).toBe('internal');
  });

  it('creates a project owned by the operator’s team, lists it, makes a key set whose keys work, revokes it', async () => {
    const created = await api(internal(t), 'POST', '/internal/projects', {
      headers: withToken(internal(t), operator.accessToken),
      body: {
        display_name: 'New Project',
        owner_team_id: operator.teamId,
        description: 'made in a test',
        config: { credential_enabled: true, allow_localhost: true, magic_link_enabled: true, oauth_providers: [] },
      },
    });
    expect(created.status, created.text).toBe(201);
    const projectId = created.json.id as string;
    expect(created.json).toMatchObject({ display_name: 'New Project', description: 'made in a test', owner_team_id: operator.teamId });
    expect(created.json.config).toMatchObject({ magic_link_enabled: true, credential_enabled: true, sign_up_enabled: true });
    expect(JSON.stringify(created.json)).not.toMatch(/pck_|ssk_|sak_/);

    const listed = await api(internal(t), 'GET', '/internal/projects', { headers: withToken(internal(t), operator.accessToken) });
    expect(listed.status).toBe(200);
    expect((listed.json.items as Array<{ id: string }>).map((p) => p.id)).toEqual([projectId]);

    const keys = await api(t, 'POST', '/internal/api-keys', {
      headers: adminTokenHeaders(projectId, operator.accessToken),
      body: KEY_SET_BODY,
    });
    expect(keys.status, keys.text).toBe(200);
    expect(keys.json).toMatchObject({ description: 'test api key', expires_at_millis: KEY_SET_BODY.expires_at_millis });
    expect(keys.json.publishable_client_key).toMatch(/^pck_/);
    expect(keys.json.secret_server_key).toMatch(/^ssk_/);
    expect(keys.json.super_secret_admin_key).toMatch(/^sak_/);

    const { client, serverHeaders } = withKeys(projectId, keys.json);
    const made = await api(client, 'POST', '/users', {
      headers: serverHeaders,
      body: { primary_email: uniqueEmail(), primary_email_auth_enabled: true, password: PASSWORD },
    });
    expect(made.status, made.text).toBe(201);
    const signIn = await api(client, 'POST', '/auth/password/sign-in', { body: { email: made.json.primary_email, password: PASSWORD } });
    expect(signIn.status, signIn.text).toBe(200);

    const list = await api(t, 'GET', '/internal/api-keys', { headers: adminTokenHeaders(projectId, operator.accessToken) });
    expect(list.status).toBe(200);
    const [set] = list.json.items as Array<Record<string, unknown>>;
    expect(set).toMatchObject({
      id: keys.json.id,
      secret_server_key: { last_four: (keys.json.secret_server_key as string).slice(-4) },
    });
    expect(JSON.stringify(list.json)).not.toContain(keys.json.secret_server_key as string);

    const revoked = await api(t, 'PATCH', `/internal/api-keys/${keys.json.id as string}`, {
      headers: adminTokenHeaders(projectId, operator.accessToken),
      body: { revoked: true },
    });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.json.manually_revoked_at_millis).toEqual(expect.any(Number));
    const after = await api(client, 'GET', '/users', { headers: serverHeaders });
    expectKnownError(after, 'INVALID_SECRET_SERVER_KEY', 401);
    const missing = await api(t, 'PATCH', `/internal/api-keys/${INTERNAL_PROJECT_ID}`, {
      headers: adminTokenHeaders(projectId, operator.accessToken),
      body: { revoked: true },
    });
    expectKnownError(missing, 'API_KEY_NOT_FOUND', 404);
  });

  it('a key set past its end date no longer works', async () => {
    const projectId = await createOwnedProject(t, operator);
    const keys = await api(t, 'POST', '/internal/api-keys', {
      headers: adminTokenHeaders(projectId, operator.accessToken),
      body: { ...KEY_SET_BODY, expires_at_millis: Date.now() - 1000, has_publishable_client_key: false, has_super_secret_admin_key: false },
    });
    expect(keys.status).toBe(200);
    expect(keys.json).not.toHaveProperty('publishable_client_key');
    const { client, serverHeaders } = withKeys(projectId, keys.json);
    expectKnownError(await api(client, 'GET', '/users', { headers: serverHeaders }), 'INVALID_SECRET_SERVER_KEY', 401);
  });

  it('reads, changes (legacy config) and deletes the current project with admin access', async () => {
    const projectId = await createOwnedProject(t, operator);
    const headers = adminTokenHeaders(projectId, operator.accessToken);
    const current = await api(t, 'GET', '/internal/projects/current', { headers });
    expect(current.status, current.text).toBe(200);
    expect(current.json).toMatchObject({ id: projectId, owner_team_id: operator.teamId });

    const patched = await api(t, 'PATCH', '/internal/projects/current', {
      headers,
      body: {
        display_name: 'Renamed',
        config: { sign_up_enabled: false, create_team_on_sign_up: true, email_config: { type: 'shared' }, passkey_enabled: false },
      },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ display_name: 'Renamed', config: { sign_up_enabled: false, create_team_on_sign_up: true } });
    const misspelt = await api(t, 'PATCH', '/internal/projects/current', { headers, body: { config: { sign_up_enabeld: true } } });
    expectKnownError(misspelt, 'SCHEMA_ERROR', 400);
    const badScheme = await api(t, 'PATCH', '/internal/projects/current', {
      headers,
      body: { config: { domains: [{ domain: 'javascript://example.com', handler_path: '/handler' }] } },
    });
    expectKnownError(badScheme, 'SCHEMA_ERROR', 400);
    const production = await api(t, 'PATCH', '/internal/projects/current', {
      headers,
      body: { is_production_mode: true, description: 'd' },
    });
    expect(production.json).toMatchObject({ is_production_mode: true, description: 'd', display_name: 'Renamed' });
    expect(production.json.config).toMatchObject({ allow_localhost: true, email_theme: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    // Sign-up is now off on that project: a key set's publishable key cannot sign anyone up.
    const keys = await api(t, 'POST', '/internal/api-keys', { headers, body: KEY_SET_BODY });
    const { client } = withKeys(projectId, keys.json);
    expectKnownError(
      await api(client, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: PASSWORD } }),
      'SIGN_UP_NOT_ENABLED',
      400,
    );

    const deleted = await api(t, 'DELETE', '/internal/projects/current', { headers });
    expect(deleted.status, deleted.text).toBe(200);
    const gone = await api(t, 'GET', '/internal/projects/current', { headers });
    expectKnownError(gone, 'CURRENT_PROJECT_NOT_FOUND', 400);
  });

  it('refuses with Stack’s errors: another team, another project, no user', async () => {
    const other = await signUpOperator(t);
    const notMine = await api(internal(t), 'POST', '/internal/projects', {
      headers: withToken(internal(t), operator.accessToken),
      body: { display_name: 'X', owner_team_id: other.teamId },
    });
    expectKnownError(notMine, 'TEAM_MEMBERSHIP_NOT_FOUND', 404);

    const notInternal = await api(t, 'POST', '/internal/projects', { body: { display_name: 'X', owner_team_id: operator.teamId } });
    expectKnownError(notInternal, 'EXPECTED_INTERNAL_PROJECT', 401);

    const noUser = await api(internal(t), 'POST', '/internal/projects', { body: { display_name: 'X', owner_team_id: operator.teamId } });
    expectKnownError(noUser, 'USER_AUTHENTICATION_REQUIRED', 401);
    const noName = await api(internal(t), 'POST', '/internal/projects', {
      headers: withToken(internal(t), operator.accessToken),
      body: { owner_team_id: operator.teamId },
    });
    expectKnownError(noName, 'SCHEMA_ERROR', 400);
  });

  it('checks the admin access token as Stack does: unparsable, expired, user gone', async () => {
    const projectId = await createOwnedProject(t, operator);
    const garbage = await api(t, 'GET', '/internal/api-keys', { headers: adminTokenHeaders(projectId, 'not-a-token') });
    expectKnownError(garbage, 'UNPARSABLE_ADMIN_ACCESS_TOKEN', 401);

    const now = Math.floor(Date.now() / 1000);
    const iss = `${t.url}/api/v1/projects/internal`;
    const expired = await signWithProjectKey(
      t,
      {
        sub: operator.userId,
        iss,
        aud: 'internal',
        exp: now - 10,
        iat: now - 100,
        branch_id: 'main',
        project_id: 'internal',
      },
      'default',
      INTERNAL_PROJECT_ID,
    );
    const expiredRes = await api(t, 'GET', '/internal/api-keys', { headers: adminTokenHeaders(projectId, expired) });
    expectKnownError(expiredRes, 'ADMIN_ACCESS_TOKEN_EXPIRED', 401, { expired_at_millis: (now - 10) * 1000 });

    const gone = await signUpOperator(t);
    const goneProject = await createOwnedProject(t, gone);
    await t.server.ctx.db.query('DELETE FROM authsync.users WHERE id = $1', [gone.userId]);
    const goneRes = await api(t, 'GET', '/internal/api-keys', { headers: adminTokenHeaders(goneProject, gone.accessToken) });
    expect(goneRes.status).toBe(401);
    expect(goneRes.text).toBe(
      'The user associated with the admin access token is no longer valid. Please refresh the admin access token and try again.',
    );
  });

  it('the super secret admin key of a project also opens its admin API', async () => {
    const res = await api(t, 'GET', '/internal/projects/current', {
      headers: {
        'x-stack-access-type': 'admin',
        'x-stack-project-id': t.projectId,
        'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id: t.projectId, owner_team_id: null });
  });
});
