/**
 * Known errors as the Stack SDK decodes them (spec §2–§3): status, `x-stack-known-error` = body `code`,
 * `details` with the exact keys, the override-status header, both header prefixes, the auth-check order,
 * CORS, and the plain-text 404s.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { expectKnownError, raw, signUp, withToken } from './support.js';

describeOnEachStore('known errors on %s', (t) => {
  it('header equals body code, with the exact details of each code', async () => {
    const pid = t.projectId;
    const cases: Array<[string, Record<string, string>, string, number, Record<string, unknown> | 'none']> = [
      ['no access type on /users/me', { 'x-stack-project-id': pid }, 'ACCESS_TYPE_REQUIRED', 400, 'none'],
      [
        'key without access type',
        { 'x-stack-project-id': pid, 'x-stack-secret-server-key': t.keys.secretServerKey },
        'PROJECT_KEY_WITHOUT_ACCESS_TYPE',
        400,
        'none',
      ],
      [
        'publishable key without access type',
        { 'x-stack-publishable-client-key': 'pck_x' },
        'PROJECT_KEY_WITHOUT_ACCESS_TYPE',
        400,
        'none',
      ],
      [
        'bad access type',
        { 'x-stack-access-type': 'superuser', 'x-stack-project-id': pid },
        'INVALID_ACCESS_TYPE',
        400,
        { accessType: 'superuser' },
      ],
      [
        'access type without project',
        { 'x-stack-access-type': 'server' },
        'ACCESS_TYPE_WITHOUT_PROJECT_ID',
        400,
        { request_type: 'server' },
      ],
      [
        'unknown project',
        {
          'x-stack-access-type': 'client',
          'x-stack-project-id': '00000000-0000-4000-8000-000000000000',
          'x-stack-publishable-client-key': 'x',
        },
        'CURRENT_PROJECT_NOT_FOUND',
        400,
        { project_id: '00000000-0000-4000-8000-000000000000' },
      ],
      [
        'non-uuid project',
        { 'x-stack-access-type': 'client', 'x-stack-project-id': 'not-a-project', 'x-stack-publishable-client-key': 'x' },
        'CURRENT_PROJECT_NOT_FOUND',
        400,
        { project_id: 'not-a-project' },
      ],
      ['client without key', { 'x-stack-access-type': 'client', 'x-stack-project-id': pid }, 'CLIENT_AUTHENTICATION_REQUIRED', 401, 'none'],
      [
        'wrong publishable key',
        { ...clientHeaders(t), 'x-stack-publishable-client-key': 'pck_wrong' },
        'INVALID_PUBLISHABLE_CLIENT_KEY',
        401,
        { project_id: pid },
      ],
      ['server without key', { 'x-stack-access-type': 'server', 'x-stack-project-id': pid }, 'SERVER_AUTHENTICATION_REQUIRED', 401, 'none'],
      [
        'wrong secret key',
        serverHeaders(t, { 'x-stack-secret-server-key': 'ssk_wrong' }),
        'INVALID_SECRET_SERVER_KEY',
        401,
        { project_id: pid },
      ],
      [
        'server key is not a publishable key',
        { ...clientHeaders(t), 'x-stack-publishable-client-key': t.keys.secretServerKey },
        'INVALID_PUBLISHABLE_CLIENT_KEY',
        401,
        { project_id: pid },
      ],
      ['admin without key', { 'x-stack-access-type': 'admin', 'x-stack-project-id': pid }, 'ADMIN_AUTHENTICATION_REQUIRED', 401, 'none'],
      [
        'wrong admin key',
        { 'x-stack-access-type': 'admin', 'x-stack-project-id': pid, 'x-stack-super-secret-admin-key': t.keys.secretServerKey },
        'INVALID_SUPER_SECRET_ADMIN_KEY',
        401,
        { project_id: pid },
      ],
      ['unknown branch', serverHeaders(t, { 'x-stack-branch-id': 'dev' }), 'BRANCH_DOES_NOT_EXIST', 400, { branch_id: 'dev' }],
      ['garbage token', withToken(t, 'garbage'), 'UNPARSABLE_ACCESS_TOKEN', 401, 'none'],
      ['no user', clientHeaders(t), 'CANNOT_GET_OWN_USER_WITHOUT_USER', 400, 'none'],
    ];
    for (const [name, headers, code, status, details] of cases) {
      const res = await api(t, 'GET', '/users/me', { headers });
      expect.soft(res.json?.code, name).toBe(code);
      expectKnownError(res, code, status, details);
    }
  });

  it('INSUFFICIENT_ACCESS_TYPE lists the allowed types', async () => {
    const res = await api(t, 'GET', '/users', { headers: clientHeaders(t) });
    expectKnownError(res, 'INSUFFICIENT_ACCESS_TYPE', 401, { actual_access_type: 'client', allowed_access_types: ['server', 'admin'] });
    const admin = await api(t, 'GET', '/users', {
      headers: {
        'x-stack-access-type': 'admin',
        'x-stack-project-id': t.projectId,
        'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
      },
    });
    expect(admin.status).toBe(200);
  });

  it('ACCESS_TYPE_REQUIRED on every authenticated endpoint without an access type', async () => {
    for (const [method, route] of [
      ['GET', '/users'],
      ['POST', '/users'],
      ['POST', '/auth/password/sign-up'],
      ['GET', '/projects/current'],
      ['DELETE', '/auth/sessions/current'],
    ] as const) {
      const res = await api(t, method, route, {
        headers: { 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: {} }),
      });
      expectKnownError(res, 'ACCESS_TYPE_REQUIRED', 400, 'none');
    }
  });

  it('the auth-check order decides which error wins', async () => {
    const alice = await signUp(t);
    // A bad token and a wrong key: the token error wins.
    let res = await api(t, 'GET', '/users/me', { headers: withToken(t, 'not.a.token', { 'x-stack-publishable-client-key': 'wrong' }) });
    expectKnownError(res, 'UNPARSABLE_ACCESS_TOKEN', 401);
    // A bad token and an unknown project: the token error wins too.
    res = await api(t, 'GET', '/users/me', { headers: withToken(t, 'xx', { 'x-stack-project-id': randomUUID() }) });
    expectKnownError(res, 'UNPARSABLE_ACCESS_TOKEN', 401);
    // Unknown project and a wrong key: the project error wins.
    res = await api(t, 'GET', '/users/me', {
      headers: clientHeaders(t, { 'x-stack-project-id': randomUUID(), 'x-stack-publishable-client-key': 'wrong' }),
    });
    expect(res.json.code).toBe('CURRENT_PROJECT_NOT_FOUND');
    // Wrong key and unknown branch: the key error wins.
    res = await api(t, 'GET', '/users/me', {
      headers: clientHeaders(t, { 'x-stack-publishable-client-key': 'wrong', 'x-stack-branch-id': 'dev' }),
    });
    expect(res.json.code).toBe('INVALID_PUBLISHABLE_CLIENT_KEY');
    // Invalid access type beats a missing project ID.
    res = await api(t, 'GET', '/users/me', { headers: { 'x-stack-access-type': 'root' } });
    expect(res.json.code).toBe('INVALID_ACCESS_TYPE');
    // A valid token with a wrong key: the key error (token is fine, keys come next).
    res = await api(t, 'GET', '/users/me', { headers: withToken(t, alice.accessToken, { 'x-stack-publishable-client-key': 'wrong' }) });
    expect(res.json.code).toBe('INVALID_PUBLISHABLE_CLIENT_KEY');
    // Key errors come before the access-type check of the endpoint.
    res = await api(t, 'GET', '/users', { headers: clientHeaders(t, { 'x-stack-publishable-client-key': 'wrong' }) });
    expect(res.json.code).toBe('INVALID_PUBLISHABLE_CLIENT_KEY');
    // A valid token with an upper-case project ID header is still that project's token.
    res = await api(t, 'GET', '/users/me', {
      headers: withToken(t, alice.accessToken, { 'x-stack-project-id': t.projectId.toUpperCase() }),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.id).toBe(alice.userId);
  });

  it('override-status: 4xx → 200 with x-stack-actual-status; success and 5xx untouched', async () => {
    const res = await api(t, 'GET', '/users/me', { headers: clientHeaders(t, { 'x-stack-override-error-status': 'true' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-stack-actual-status')).toBe('400');
    expect(res.headers.get('x-stack-known-error')).toBe('CANNOT_GET_OWN_USER_WITHOUT_USER');
    expect(res.json.code).toBe('CANNOT_GET_OWN_USER_WITHOUT_USER');

    const hex = await api(t, 'GET', '/users', { headers: clientHeaders(t, { 'x-hexclave-override-error-status': 'true' }) });
    expect(hex.status).toBe(200);
    expect(hex.headers.get('x-stack-actual-status')).toBe('401');

    const ok = await api(t, 'GET', '/projects/current', { headers: clientHeaders(t, { 'x-stack-override-error-status': 'true' }) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-stack-actual-status')).toBeNull();

    const without = await api(t, 'GET', '/users/me', { headers: clientHeaders(t) });
    expect(without.status).toBe(400);
    expect(without.headers.get('x-stack-actual-status')).toBeNull();
  });

  it('override-status never rewrites a 5xx', async () => {
    // The only way to make the server fail on purpose is a failing database: stub one query for one request.
    const alice = await signUp(t);
    const db = t.server.ctx.db;
    const original = db.query.bind(db);
    let armed = true;
    (db as { query: typeof db.query }).query = ((text: string, params?: readonly unknown[]) => {
      if (armed && text.includes('FROM authsync.users WHERE id = $1 AND project_id = $2')) {
        armed = false;
        return Promise.reject(new Error('simulated database failure'));
      }
      return original(text, params);
    }) as typeof db.query;
    try {
      const res = await api(t, 'GET', '/users/me', {
        headers: withToken(t, alice.accessToken, { 'x-stack-override-error-status': 'true' }),
      });
      expect(res.status).toBe(500);
      expect(res.headers.get('x-stack-actual-status')).toBeNull();
      expect(res.text).not.toContain('simulated');
    } finally {
      (db as { query: typeof db.query }).query = original;
    }
  });

  it('accepts every request header with the x-hexclave- prefix too', async () => {
    const alice = await signUp(t);
    const hex = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace(/^x-stack-/, 'x-hexclave-'), v]));
    let res = await api(t, 'GET', '/users/me', { headers: hex(withToken(t, alice.accessToken)) });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(alice.userId);
    res = await api(t, 'GET', '/users', { headers: hex(serverHeaders(t)) });
    expect(res.status).toBe(200);
    res = await api(t, 'GET', '/users', { headers: hex(serverHeaders(t, { 'x-stack-secret-server-key': 'wrong' })) });
    expectKnownError(res, 'INVALID_SECRET_SERVER_KEY', 401, { project_id: t.projectId });
    res = await api(t, 'GET', '/users/me', { headers: hex(serverHeaders(t, { 'x-stack-branch-id': 'feature' })) });
    expectKnownError(res, 'BRANCH_DOES_NOT_EXIST', 400, { branch_id: 'feature' });
    res = await api(t, 'GET', '/users/me', { headers: hex({ 'x-stack-access-type': 'server' }) });
    expectKnownError(res, 'ACCESS_TYPE_WITHOUT_PROJECT_ID', 400, { request_type: 'server' });
    res = await api(t, 'GET', '/users/me', { headers: hex({ 'x-stack-secret-server-key': 'k' }) });
    expectKnownError(res, 'PROJECT_KEY_WITHOUT_ACCESS_TYPE', 400);
    res = await api(t, 'GET', '/projects/current', {
      headers: hex({
        'x-stack-access-type': 'admin',
        'x-stack-project-id': t.projectId,
        'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
      }),
    });
    expect(res.status).toBe(200);
    res = await api(t, 'POST', '/auth/sessions/current/refresh', {
      headers: hex(clientHeaders(t, { 'x-stack-refresh-token': alice.refreshToken })),
    });
    expect(res.status, res.text).toBe(200);
    // Header names are case-insensitive.
    res = await api(t, 'GET', '/users/me', {
      headers: {
        'X-Hexclave-Access-Type': 'client',
        'X-Hexclave-Project-Id': t.projectId,
        'X-Hexclave-Publishable-Client-Key': t.keys.publishableClientKey,
        'X-Hexclave-Access-Token': alice.accessToken,
      },
    });
    expect(res.status).toBe(200);
  });

  it('answers CORS preflights with both prefixes allowed and the error headers exposed', async () => {
    const res = await fetch(`${t.apiUrl}/users/me`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'x-hexclave-access-token',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    for (const name of [
      'access-type',
      'project-id',
      'publishable-client-key',
      'secret-server-key',
      'super-secret-admin-key',
      'access-token',
      'refresh-token',
      'allow-anonymous-user',
      'override-error-status',
      'client-version',
      'random-nonce',
      'branch-id',
      'admin-access-token',
    ]) {
      expect(allowed).toContain(`x-stack-${name}`);
      expect(allowed).toContain(`x-hexclave-${name}`);
    }
    for (const name of ['content-type', 'authorization', 'ngrok-skip-browser-warning']) expect(allowed).toContain(name);
    const methods = res.headers.get('access-control-allow-methods') ?? '';
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) expect(methods).toContain(m);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    for (const name of [
      'content-type',
      'x-stack-actual-status',
      'x-stack-known-error',
      'x-hexclave-actual-status',
      'x-hexclave-known-error',
    ])
      expect(exposed).toContain(name);

    // Errors carry the CORS headers too, or a browser could not read them.
    const error = await api(t, 'GET', '/users/me', { headers: clientHeaders(t) });
    expect(error.headers.get('access-control-allow-origin')).toBe('*');
    expect(error.headers.get('access-control-expose-headers')).toContain('x-stack-known-error');
  });

  it('unknown routes and /internal/backend-urls are plain-text 404s', async () => {
    for (const route of ['/internal/backend-urls', '/no/such/route', '/users/me/extra']) {
      const res = await raw(t, 'GET', route);
      expect(res.status, route).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('x-stack-known-error')).toBeNull();
    }
    const wrongMethod = await raw(t, 'PUT', '/users/me', { headers: clientHeaders(t), body: '{}' });
    expect(wrongMethod.status).toBe(404);
    const outside = await fetch(`${t.url}/nothing-here`);
    expect(outside.status).toBe(404);
  });

  it('responses carry the Stack content type and cache headers', async () => {
    const res = await api(t, 'GET', '/projects/current', { headers: clientHeaders(t) });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store, max-age=0');
    expect(res.headers.get('x-stack-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
