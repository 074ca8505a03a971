/**
 * GET /api/v1: the plain-text welcome naming how the request authenticated, refused query parameters, the same header
 * checks as every endpoint (wrong project, key, branch), and the /api/latest alias answering as /api/v1.
 */
import { expect, it } from 'vitest';
import { describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { DEV_KEYS_ENV } from '../internal/support.js';
import { expectKnownError, raw, signUp, uniqueEmail } from './support.js';

const WELCOME = 'Welcome to the Stack API endpoint! Please refer to the documentation at https://docs.stack-auth.com.';

/** A GET of a path from the server's root (not under /api/v1), with exactly the given headers. */
const get = (t: TestServer, path: string, headers: Record<string, string> = {}) => raw({ ...t, apiUrl: t.url }, 'GET', path, { headers });

function keysOf(t: TestServer) {
  return {
    client: {
      'x-stack-access-type': 'client',
      'x-stack-project-id': t.projectId,
      'x-stack-publishable-client-key': t.keys.publishableClientKey,
    },
    server: { 'x-stack-access-type': 'server', 'x-stack-project-id': t.projectId, 'x-stack-secret-server-key': t.keys.secretServerKey },
    admin: {
      'x-stack-access-type': 'admin',
      'x-stack-project-id': t.projectId,
      'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
    },
  };
}

describeOnEachStore('GET /api/v1 on %s', { env: DEV_KEYS_ENV }, (t) => {
  it('answers the welcome in plain text with "Authentication: None" without Stack headers', async () => {
    for (const path of ['/api/v1', '/api/v1/', '/api/latest']) {
      const res = await get(t, path);
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.text).toBe(`${WELCOME}\n\nAuthentication: None`);
    }
  });

  it('names the access type, the project and the user', async () => {
    const keys = keysOf(t);
    for (const [type, label] of [
      ['client', 'Client'],
      ['server', 'Server'],
      ['admin', 'Admin'],
    ] as const) {
      const res = await get(t, '/api/v1', keys[type]);
      expect(res.status, res.text).toBe(200);
      expect(res.text).toBe(`${WELCOME}\n\nAuthentication: ${label}\n  Project: ${t.projectId}\n  User: None`);
    }
    const email = uniqueEmail('welcome');
    const user = await signUp(t, email);
    const signedIn = await get(t, '/api/v1', { ...keys.client, 'x-stack-access-token': user.accessToken });
    expect(signedIn.text).toBe(`${WELCOME}\n\nAuthentication: Client\n  Project: ${t.projectId}\n  User: ${email}`);
  });

  it('shows the internal project as `internal`', async () => {
    const res = await get(t, '/api/v1', {
      'x-stack-access-type': 'server',
      'x-stack-project-id': 'internal',
      'x-stack-secret-server-key': 'this-secret-server-key-is-for-local-development-only',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(`${WELCOME}\n\nAuthentication: Server\n  Project: internal\n  User: None`);
  });

  it('refuses query parameters with SCHEMA_ERROR naming them', async () => {
    const res = await get(t, '/api/v1?extra=param');
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    expect(res.json.error).toBe('Request validation failed on GET /api/v1:\n  - query contains unknown properties: extra');
    const latest = await get(t, '/api/latest?extra=param');
    expect(latest.json.error).toBe('Request validation failed on GET /api/latest:\n  - query contains unknown properties: extra');
  });

  it('checks the Stack headers as every endpoint does', async () => {
    expectKnownError(await get(t, '/api/v1', { 'x-stack-access-type': 'client' }), 'ACCESS_TYPE_WITHOUT_PROJECT_ID', 400, {
      request_type: 'client',
    });
    expectKnownError(
      await get(t, '/api/v1', { 'x-stack-access-type': 'client', 'x-stack-project-id': 'invalid', 'x-stack-publishable-client-key': 'k' }),
      'CURRENT_PROJECT_NOT_FOUND',
      400,
      { project_id: 'invalid' },
    );
    expectKnownError(
      await get(t, '/api/v1', {
        'x-stack-access-type': 'client',
        'x-stack-project-id': 'internal',
        'x-stack-publishable-client-key': 'nope',
      }),
      'INVALID_PUBLISHABLE_CLIENT_KEY',
      401,
      { project_id: 'internal' },
    );
    // Another project's valid key does not open this one.
    const other = keysOf(t).client;
    expectKnownError(await get(t, '/api/v1', { ...other, 'x-stack-project-id': 'internal' }), 'INVALID_PUBLISHABLE_CLIENT_KEY', 401, {
      project_id: 'internal',
    });
    expectKnownError(
      await get(t, '/api/v1', { ...keysOf(t).client, 'x-stack-branch-id': 'invalid-branch' }),
      'BRANCH_DOES_NOT_EXIST',
      400,
      { branch_id: 'invalid-branch' },
    );
    expectKnownError(
      await get(t, '/api/v1', { ...serverHeaders(t), 'x-stack-secret-server-key': '' }),
      'SERVER_AUTHENTICATION_REQUIRED',
      401,
      'none',
    );
    expectKnownError(await get(t, '/api/v1', { 'x-stack-publishable-client-key': 'k' }), 'PROJECT_KEY_WITHOUT_ACCESS_TYPE', 400);
  });

  it('answers every endpoint under /api/latest exactly as under /api/v1', async () => {
    const user = await signUp(t);
    const headers = { ...keysOf(t).client, 'x-stack-access-token': user.accessToken };
    const v1 = await get(t, '/api/v1/users/me', headers);
    const latest = await get(t, '/api/latest/users/me', headers);
    expect(latest.status, latest.text).toBe(200);
    expect(latest.json).toEqual(v1.json);
    const missing = await get(t, '/api/latest/no-such-endpoint', headers);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('No endpoint GET /api/latest/no-such-endpoint');
    const preflight = await fetch(`${t.url}/api/latest/users/me`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-stack-access-token');
  });
});
