/**
 * Bad input never gets a 500 and never half-writes: malformed bodies, wrong content types, wrong value types,
 * overlong and invalid values, NUL bytes (which PostgreSQL refuses in text and jsonb), bad UUIDs and huge
 * bodies. After every rejected write the user rows are checked to be unchanged.
 */
import { expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { countRows, expectKnownError, raw, signUp, uniqueEmail, userRow, withToken } from './support.js';

describeOnEachStore('bad input on %s', { env: { AUTHSYNC_MAX_BODY_BYTES: '65536' } }, (t) => {
  /** Runs a rejected write and checks that no user was added or removed. */
  async function rejected(
    run: () => Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>,
    code: string,
    status = 400,
  ) {
    const before = await countRows(t, 'users');
    const res = await run();
    expectKnownError(res, code, status);
    expect(await countRows(t, 'users')).toBe(before);
    return res;
  }

  it('malformed JSON and unsupported content types are BODY_PARSING_ERROR with details.message', async () => {
    const signUpWith = (contentType: string, body: string) => () =>
      raw(t, 'POST', '/auth/password/sign-up', { headers: { ...clientHeaders(t), 'content-type': contentType }, body });
    for (const body of ['{', '{"email": ', "{'email': 'a@b.co'}", '{"a":1}}', '\u0000']) {
      const res = await rejected(signUpWith('application/json', body), 'BODY_PARSING_ERROR');
      expect(res.json.details).toEqual({ message: res.json.error });
    }
    await rejected(signUpWith('application/xml', '<email/>'), 'BODY_PARSING_ERROR');
    await rejected(signUpWith('multipart/form-data; boundary=x', '--x--'), 'BODY_PARSING_ERROR');
    // Invalid UTF-8.
    const before = await countRows(t, 'users');
    const res = await raw(t, 'POST', '/auth/password/sign-up', {
      headers: clientHeaders(t),
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    expectKnownError(res, 'BODY_PARSING_ERROR', 400);
    expect(await countRows(t, 'users')).toBe(before);
  });

  it('text/plain JSON and form bodies are accepted like JSON', async () => {
    const email = uniqueEmail('plain');
    let res = await raw(t, 'POST', '/auth/password/sign-up', {
      headers: { ...clientHeaders(t), 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ email, password: 'correct horse battery' }),
    });
    expect(res.status, res.text).toBe(200);
    const formEmail = uniqueEmail('form');
    res = await raw(t, 'POST', '/auth/password/sign-up', {
      headers: { ...clientHeaders(t), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: formEmail, password: 'correct horse battery' }).toString(),
    });
    expect(res.status, res.text).toBe(200);
    // text/plain that is not JSON is a string, which the schema refuses.
    await rejected(
      () =>
        raw(t, 'POST', '/auth/password/sign-up', { headers: { ...clientHeaders(t), 'content-type': 'text/plain' }, body: 'email=a@b.co' }),
      'SCHEMA_ERROR',
    );
    // A form body where JSON types are needed (booleans) is a schema error, not a 500.
    await rejected(
      () =>
        raw(t, 'POST', '/users', {
          headers: { ...serverHeaders(t), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'primary_email=x@example.com&primary_email_auth_enabled=true',
        }),
      'SCHEMA_ERROR',
    );
  });

  it('wrong value types are SCHEMA_ERROR with details.message', async () => {
    const bodies: unknown[] = [
      null,
      [],
      'a string',
      42,
      { email: 42, password: 'correct horse battery' },
      { email: ['a@b.co'], password: 'correct horse battery' },
      { email: 'a@example.com', password: 12345678 },
      { email: { $ne: null }, password: 'correct horse battery' },
      { email: 'a@example.com' },
      { password: 'correct horse battery' },
    ];
    for (const body of bodies) {
      const res = await rejected(() => api(t, 'POST', '/auth/password/sign-up', { body: JSON.stringify(body) }), 'SCHEMA_ERROR');
      expect(res.json.details).toEqual({ message: res.json.error });
    }
    const serverBodies: unknown[] = [
      { display_name: 5 },
      { primary_email: 'not-an-email' },
      { primary_email_auth_enabled: 'yes', primary_email: uniqueEmail() },
      { country_code: 'usa' },
      { risk_scores: { sign_up: { bot: 101, free_trial_abuse: 0 } } },
      { password_hash: 'plaintext' },
      { password_hash: '$2b$31$' + 'a'.repeat(53) },
      { is_anonymous: 'no' },
      { oauth_providers: [{ id: 'github' }] },
    ];
    for (const body of serverBodies) {
      const res = await api(t, 'POST', '/users', { headers: serverHeaders(t), body });
      expect(res.status, JSON.stringify(body)).toBeLessThan(500);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('overlong values are refused without writing', async () => {
    const long = 'x'.repeat(257);
    await rejected(() => api(t, 'POST', '/users', { headers: serverHeaders(t), body: { display_name: long } }), 'SCHEMA_ERROR');
    await rejected(
      () => api(t, 'POST', '/users', { headers: serverHeaders(t), body: { primary_email: `${'a'.repeat(250)}@example.com` } }),
      'SCHEMA_ERROR',
    );
    await rejected(
      () =>
        api(t, 'POST', '/auth/password/sign-up', { body: { email: `${'a'.repeat(250)}@example.com`, password: 'correct horse battery' } }),
      'SCHEMA_ERROR',
    );
    // Exactly 256 is fine.
    const ok = await api(t, 'POST', '/users', { headers: serverHeaders(t), body: { display_name: 'x'.repeat(256) } });
    expect(ok.status).toBe(201);

    const alice = await signUp(t);
    const before = await userRow(t, alice.userId);
    const res = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { display_name: long } });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    expect(await userRow(t, alice.userId)).toEqual(before);
  });

  it('invalid e-mails are refused', async () => {
    for (const email of ['plain', 'a@b', 'a@b.c', '@example.com', 'a b@example.com', 'a@-example.com', 'a@exa mple.com', '']) {
      await rejected(
        () => api(t, 'POST', '/auth/password/sign-up', { body: { email, password: 'correct horse battery' } }),
        'SCHEMA_ERROR',
      );
    }
  });

  it('passwords: < 8 → PASSWORD_TOO_SHORT {min_length}, > 70 → PASSWORD_TOO_LONG {maxLength} for end users', async () => {
    await rejected(
      () => api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: 'short' } }),
      'PASSWORD_TOO_SHORT',
    ).then((res) => expect(res.json.details).toEqual({ min_length: 8 }));
    await rejected(
      () => api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: 'p'.repeat(71) } }),
      'PASSWORD_TOO_LONG',
    ).then((res) => expect(res.json.details).toEqual({ maxLength: 70 }));
    // A 60 KB password is refused by its length, not hashed.
    await rejected(
      () => api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: 'p'.repeat(60_000) } }),
      'PASSWORD_TOO_LONG',
    );
    // 70 is allowed.
    const ok = await api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: 'p'.repeat(70) } });
    expect(ok.status).toBe(200);
    // With server access, as on Stack, a password is not held to those rules, only to the schema's length cap.
    const short = await api(t, 'POST', '/users', { headers: serverHeaders(t), body: { primary_email: uniqueEmail(), password: 'short' } });
    expect(short.status, short.text).toBe(201);
    const alice = await signUp(t);
    const before = await userRow(t, alice.userId);
    const res = await api(t, 'PATCH', `/users/${alice.userId}`, { headers: serverHeaders(t), body: { password: 'p'.repeat(1025) } });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    expect(await userRow(t, alice.userId)).toEqual(before);
    expect(await countRows(t, 'refresh_tokens')).toBeGreaterThan(0);
  });

  it('a body over the limit is BODY_PARSING_ERROR 413', async () => {
    const big = JSON.stringify({ email: uniqueEmail(), password: 'correct horse battery', verification_callback_url: 'x'.repeat(70_000) });
    await rejected(() => raw(t, 'POST', '/auth/password/sign-up', { headers: clientHeaders(t), body: big }), 'BODY_PARSING_ERROR', 413);
    // Streamed without a content-length: still cut at the limit.
    const chunks = [
      new TextEncoder().encode('{"email":"a@example.com","x":"'),
      new TextEncoder().encode('y'.repeat(80_000)),
      new TextEncoder().encode('"}'),
    ];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const before = await countRows(t, 'users');
    const response = await fetch(`${t.apiUrl}/users`, {
      method: 'POST',
      headers: serverHeaders(t),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(response.headers.get('x-stack-known-error')).toBe('BODY_PARSING_ERROR');
    expect(await countRows(t, 'users')).toBe(before);
  });

  it('NUL bytes are a clean SCHEMA_ERROR everywhere, never a 500 or a write', async () => {
    const nul = 'a\u0000b';
    await rejected(
      () => api(t, 'POST', '/auth/password/sign-up', { body: { email: `x${nul}@example.com`, password: 'correct horse battery' } }),
      'SCHEMA_ERROR',
    );
    await rejected(
      () => api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: `pass${nul}word` } }),
      'SCHEMA_ERROR',
    );
    await rejected(() => api(t, 'POST', '/users', { headers: serverHeaders(t), body: { display_name: nul } }), 'SCHEMA_ERROR');
    await rejected(() => api(t, 'POST', '/users', { headers: serverHeaders(t), body: { server_metadata: { note: nul } } }), 'SCHEMA_ERROR');
    await rejected(() => api(t, 'POST', '/users', { headers: serverHeaders(t), body: { client_metadata: { [nul]: 1 } } }), 'SCHEMA_ERROR');
    await rejected(
      () => api(t, 'POST', '/users', { headers: serverHeaders(t), body: { client_read_only_metadata: [[nul]] } }),
      'SCHEMA_ERROR',
    );
    let res = await api(t, 'POST', '/auth/password/sign-in', { body: { email: `x${nul}@example.com`, password: 'correct horse battery' } });
    expect(res.status).toBe(400);
    expect(['SCHEMA_ERROR', 'EMAIL_PASSWORD_MISMATCH']).toContain(res.json.code);

    const alice = await signUp(t);
    const before = await userRow(t, alice.userId);
    res = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { display_name: nul } });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    res = await api(t, 'PATCH', '/users/me', {
      headers: withToken(t, alice.accessToken),
      body: { client_metadata: { deep: { deeper: [nul] } } },
    });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    res = await api(t, 'PATCH', `/users/${alice.userId}`, {
      headers: serverHeaders(t),
      body: { server_metadata: nul, display_name: 'changed' },
    });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    expect(await userRow(t, alice.userId)).toEqual(before);

    res = await api(t, 'GET', `/users?query=${encodeURIComponent(nul)}`, { headers: serverHeaders(t) });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
    // Form bodies too.
    res = await raw(t, 'POST', '/auth/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=a%00b&client_id=${t.projectId}&client_secret=${t.keys.publishableClientKey}`,
    });
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('deeply nested JSON is refused cleanly', async () => {
    const alice = await signUp(t);
    const before = await userRow(t, alice.userId);
    for (const depth of [200, 20_000]) {
      const body = `{"client_metadata":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
      const res = await raw(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body });
      expect(res.status, `depth ${depth}`).toBe(400);
      expect(['SCHEMA_ERROR', 'BODY_PARSING_ERROR']).toContain(res.json.code);
    }
    expect(await userRow(t, alice.userId)).toEqual(before);
    // Moderate nesting is stored as sent.
    const nested = { a: { b: { c: [1, [2, [3]]] } } };
    const ok = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { client_metadata: nested } });
    expect(ok.status).toBe(200);
    expect(ok.json.client_metadata).toEqual(nested);
  });

  it('bad UUIDs in path, query and cursor are SCHEMA_ERROR', async () => {
    for (const id of ['not-a-uuid', '123', "'; DROP TABLE users; --", '00000000-0000-0000-0000-00000000000g', 'ME']) {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const res = await api(t, method, `/users/${encodeURIComponent(id)}`, {
          headers: serverHeaders(t),
          ...(method === 'GET' ? {} : { body: {} }),
        });
        expectKnownError(res, 'SCHEMA_ERROR', 400);
      }
    }
    for (const q of [
      'cursor=nope',
      'cursor=',
      'team_id=x',
      'limit=abc',
      'limit=0',
      'limit=-1',
      'limit=1.5',
      'desc=maybe',
      'order_by=email',
      'include_anonymous=1',
    ]) {
      const res = await api(t, 'GET', `/users?${q}`, { headers: serverHeaders(t) });
      expect(res.status, q).toBe(400);
      expect(res.json?.code, q).toBe('SCHEMA_ERROR');
    }
    // A well-formed but unknown ID is USER_NOT_FOUND; a cursor that names no user is an empty page, not an error.
    const unknown = '3b241101-e2bb-4255-8caf-4136c566a962';
    expectKnownError(await api(t, 'GET', `/users/${unknown}`, { headers: serverHeaders(t) }), 'USER_NOT_FOUND', 404, 'none');
    expectKnownError(await api(t, 'DELETE', `/users/${unknown}`, { headers: serverHeaders(t), body: {} }), 'USER_NOT_FOUND', 404);
    expectKnownError(
      await api(t, 'PATCH', `/users/${unknown}`, { headers: serverHeaders(t), body: { display_name: 'x' } }),
      'USER_NOT_FOUND',
      404,
    );
    const page = await api(t, 'GET', `/users?cursor=${unknown}`, { headers: serverHeaders(t) });
    expect(page.status).toBeLessThan(500);
    // POST /auth/sessions with a bad user id.
    const session = await api(t, 'POST', '/auth/sessions', { headers: serverHeaders(t), body: { user_id: 'nope' } });
    expectKnownError(session, 'SCHEMA_ERROR', 400);
  });

  it('client PATCH /users/me with unknown or server-only fields changes nothing', async () => {
    const alice = await signUp(t);
    const before = await userRow(t, alice.userId);
    for (const body of [
      { server_metadata: { admin: true } },
      { primary_email_verified: true },
      { password: 'new password 123' },
      { display_name: 'ok', is_anonymous: false },
      { restricted_by_admin: true },
    ]) {
      const res = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body });
      expectKnownError(res, 'SCHEMA_ERROR', 400);
    }
    expect(await userRow(t, alice.userId)).toEqual(before);
  });
});
