/**
 * /contact-channels over HTTP on both stores: the primary channel mirrors the user's primary_email*, client access to
 * one's own channels, server-only is_verified, Stack's text errors and known errors, auth-address uniqueness across
 * channels, sign-in with a non-primary channel, and bad input as SCHEMA_ERROR.
 */
import { expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { expectKnownError, PASSWORD, signIn, signUp, uniqueEmail, withToken } from '../api/support.js';

function expectText(res: { status: number; headers: Headers; text: string }, status: number, text: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('x-stack-known-error')).toBeNull();
  expect(res.text).toContain(text);
}

async function syncedUser(t: TestServer, userId: string) {
  const { rows } = await t.server.ctx.db.query<{ email: string | null; raw_json: Record<string, unknown> | string }>(
    'SELECT email, raw_json FROM neon_auth.users_sync WHERE id = $1',
    [userId],
  );
  const row = rows[0]!;
  const raw = typeof row.raw_json === 'string' ? (JSON.parse(row.raw_json) as Record<string, unknown>) : row.raw_json;
  return { email: row.email, verified: raw.primary_email_verified, authEnabled: raw.primary_email_auth_enabled };
}

describeOnEachStore('contact channels on %s', (t) => {
  it('lists the primary channel of a new user, equal to the user object', async () => {
    const me = await signUp(t);
    const res = await api(t, 'GET', '/contact-channels?user_id=me', { headers: withToken(t, me.accessToken) });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      items: [
        {
          user_id: me.userId,
          id: expect.any(String),
          type: 'email',
          value: me.email,
          is_primary: true,
          is_verified: false,
          used_for_auth: true,
        },
      ],
      is_paginated: false,
    });
  });

  it('create, get, update and delete a second channel as the client', async () => {
    const me = await signUp(t);
    const headers = withToken(t, me.accessToken);
    const second = uniqueEmail('second');
    // A client cannot mark its own address verified: is_verified is not a client field.
    const made = await api(t, 'POST', '/contact-channels', {
      headers,
      body: { user_id: 'me', type: 'email', value: ` ${second.toUpperCase()} `, used_for_auth: false, is_verified: true },
    });
    expect(made.status, made.text).toBe(201);
    expect(made.json).toMatchObject({ user_id: me.userId, value: second, is_primary: false, is_verified: false, used_for_auth: false });
    const id = made.json.id as string;

    const dup = await api(t, 'POST', '/contact-channels', {
      headers,
      body: { user_id: me.userId, type: 'email', value: second, used_for_auth: false },
    });
    expectText(dup, 400, 'Contact channel already exists');

    const list = await api(t, 'GET', `/contact-channels?user_id=${me.userId}`, { headers });
    expect((list.json.items as { value: string }[]).map((c) => c.value)).toEqual([me.email, second]);

    expect((await api(t, 'GET', `/contact-channels/me/${id}`, { headers })).json).toMatchObject({ id, value: second });

    // The server verifies it; a new value then resets the flag.
    const verified = await api(t, 'PATCH', `/contact-channels/${me.userId}/${id}`, {
      headers: serverHeaders(t),
      body: { is_verified: true },
    });
    expect(verified.json.is_verified).toBe(true);
    const third = uniqueEmail('third');
    const changed = await api(t, 'PATCH', `/contact-channels/me/${id}`, {
      headers,
      body: { value: third, used_for_auth: true, is_verified: true },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json).toMatchObject({ id, value: third, is_verified: false, used_for_auth: true });

    // Used for auth: the user signs in with it too.
    expect((await signIn(t, third, PASSWORD)).json.user_id).toBe(me.userId);

    const deleted = await api(t, 'DELETE', `/contact-channels/me/${id}`, { headers, body: {} });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.json).toEqual({ success: true });
    expectText(await api(t, 'GET', `/contact-channels/me/${id}`, { headers }), 404, 'Contact channel not found');
    expectText(
      await api(t, 'PATCH', `/contact-channels/me/${id}`, { headers, body: { used_for_auth: false } }),
      400,
      'Contact channel not found',
    );
    expect((await signIn(t, third, PASSWORD)).json.code).toBe('EMAIL_PASSWORD_MISMATCH');
  });

  it('making a channel primary demotes the old one; the user object and users_sync follow in the same request', async () => {
    const me = await signUp(t);
    const headers = withToken(t, me.accessToken);
    const next = uniqueEmail('next');
    const made = await api(t, 'POST', '/contact-channels', {
      headers: serverHeaders(t),
      body: { user_id: me.userId, type: 'email', value: next, used_for_auth: true, is_primary: true, is_verified: true },
    });
    expect(made.status, made.text).toBe(201);
    const user = await api(t, 'GET', `/users/${me.userId}`, { headers: serverHeaders(t) });
    expect(user.json).toMatchObject({ primary_email: next, primary_email_verified: true, primary_email_auth_enabled: true });
    expect(await syncedUser(t, me.userId)).toEqual({ email: next, verified: true, authEnabled: true });
    const list = (await api(t, 'GET', '/contact-channels?user_id=me', { headers })).json.items as { value: string; is_primary: boolean }[];
    expect(list.map((c) => [c.value, c.is_primary])).toEqual([
      [me.email, false],
      [next, true],
    ]);
    // Both addresses still sign in.
    expect((await signIn(t, me.email)).status).toBe(200);
    expect((await signIn(t, next)).status).toBe(200);

    // Deleting the primary channel leaves the user without a primary e-mail.
    const del = await api(t, 'DELETE', `/contact-channels/me/${made.json.id as string}`, { headers });
    expect(del.status, del.text).toBe(200);
    expect((await api(t, 'GET', '/users/me', { headers })).json).toMatchObject({ primary_email: null, primary_email_verified: false });
    expect((await syncedUser(t, me.userId)).email).toBeNull();
  });

  it('changing the primary e-mail keeps the old address as a non-primary channel and promotes a twin with its verification', async () => {
    const me = await signUp(t);
    const headers = withToken(t, me.accessToken);
    const before = (await api(t, 'GET', '/contact-channels?user_id=me', { headers })).json.items as { id: string }[];
    const twin = uniqueEmail('twin');
    const added = await api(t, 'POST', '/contact-channels', {
      headers: serverHeaders(t),
      body: { user_id: me.userId, type: 'email', value: twin, used_for_auth: false, is_verified: true },
    });
    expect(added.status, added.text).toBe(201);
    const channels = async () =>
      ((await api(t, 'GET', '/contact-channels?user_id=me', { headers })).json.items as Record<string, unknown>[]).sort((a, b) =>
        String(a.value).localeCompare(String(b.value)),
      );

    // To the verified twin, without saying whether it is verified: it stays verified.
    const patched = await api(t, 'PATCH', '/users/me', { headers, body: { primary_email: twin } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ primary_email: twin, primary_email_verified: true });
    const old = { user_id: me.userId, id: before[0]!.id, type: 'email', value: me.email, is_verified: false, used_for_auth: true };
    const promoted = {
      user_id: me.userId,
      id: added.json.id,
      type: 'email',
      value: twin,
      is_primary: true,
      is_verified: true,
      used_for_auth: true,
    };
    expect(await channels()).toEqual(
      [{ ...old, is_primary: false }, promoted].sort((a, b) => String(a.value).localeCompare(String(b.value))),
    );

    // To a new address: unverified; the twin is kept as a non-primary channel.
    const fresh = uniqueEmail('fresh');
    const moved = await api(t, 'PATCH', '/users/me', { headers, body: { primary_email: fresh } });
    expect(moved.json).toMatchObject({ primary_email: fresh, primary_email_verified: false });
    expect((await channels()).map((c) => [c.value, c.is_primary])).toEqual(
      [
        [me.email, false],
        [twin, false],
        [fresh, true],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );

    // Removing it demotes the channel, it does not delete it.
    const removed = await api(t, 'PATCH', '/users/me', { headers, body: { primary_email: null } });
    expect(removed.json).toMatchObject({ primary_email: null, primary_email_verified: false });
    const server = await api(t, 'GET', `/users/${me.userId}`, { headers: serverHeaders(t) });
    expect(server.json).toMatchObject({ primary_email: null, primary_email_auth_enabled: false });
    expect((await channels()).every((c) => c.is_primary === false)).toBe(true);
    expect(await channels()).toHaveLength(3);
  });

  it('an address another user signs in with cannot be added for auth (409), only as a plain channel', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const body = { user_id: 'me', type: 'email', value: owner.email.toUpperCase(), used_for_auth: true };
    const taken = await api(t, 'POST', '/contact-channels', { headers: withToken(t, other.accessToken), body });
    expectKnownError(taken, 'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE', 409, {
      type: 'email',
      contact_channel_value: owner.email,
      would_work_if_email_was_verified: false,
    });
    const plain = await api(t, 'POST', '/contact-channels', {
      headers: withToken(t, other.accessToken),
      body: { ...body, used_for_auth: false },
    });
    expect(plain.status, plain.text).toBe(201);
    const enable = await api(t, 'PATCH', `/contact-channels/me/${plain.json.id as string}`, {
      headers: withToken(t, other.accessToken),
      body: { used_for_auth: true },
    });
    expectKnownError(enable, 'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE', 409);
    // A sign-up with an address a non-primary channel signs in with is refused too.
    const extra = uniqueEmail('extra');
    await api(t, 'POST', '/contact-channels', { headers: withToken(t, owner.accessToken), body: { ...body, value: extra } });
    const signUpTaken = await api(t, 'POST', '/auth/password/sign-up', { body: { email: extra, password: PASSWORD } });
    expectKnownError(signUpTaken, 'USER_EMAIL_ALREADY_EXISTS', 409);
  });

  it('who may act on which user', async () => {
    const me = await signUp(t);
    const other = await signUp(t);
    expectKnownError(await api(t, 'GET', '/contact-channels?user_id=me'), 'CANNOT_GET_OWN_USER_WITHOUT_USER', 400);
    expectText(await api(t, 'GET', `/contact-channels?user_id=${other.userId}`, { headers: withToken(t, me.accessToken) }), 403, 'own');
    const theirs = (await api(t, 'GET', `/contact-channels?user_id=${other.userId}`, { headers: serverHeaders(t) })).json.items as {
      id: string;
    }[];
    expect(theirs).toHaveLength(1);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectKnownError(
      await api(t, 'GET', `/contact-channels?user_id=${unknown}`, { headers: serverHeaders(t) }),
      'USER_ID_DOES_NOT_EXIST',
      400,
      {
        user_id: unknown,
      },
    );
    expectKnownError(
      await api(t, 'POST', `/contact-channels/${unknown}/${theirs[0]!.id}/send-verification-code`, {
        headers: serverHeaders(t),
        body: { callback_url: 'http://localhost:3000/handler/email-verification' },
      }),
      'USER_ID_DOES_NOT_EXIST',
      400,
    );
  });

  it('bad input is SCHEMA_ERROR, never a 500', async () => {
    const me = await signUp(t);
    const headers = withToken(t, me.accessToken);
    const bodies = [
      { user_id: 'me', type: 'email', value: 'not-an-address', used_for_auth: false },
      { user_id: 'me', type: 'phone', value: uniqueEmail(), used_for_auth: false },
      { user_id: 'me', type: 'email', value: uniqueEmail() },
      { user_id: 'me', type: 'email', value: 'a'.repeat(300) + '@example.com', used_for_auth: false },
    ];
    for (const body of bodies) expectKnownError(await api(t, 'POST', '/contact-channels', { headers, body }), 'SCHEMA_ERROR', 400);
    expectKnownError(
      await api(t, 'POST', '/contact-channels', {
        headers: serverHeaders(t),
        body: { user_id: 'nope', type: 'email', value: uniqueEmail(), used_for_auth: false },
      }),
      'SCHEMA_ERROR',
      400,
    );
    expectText(await api(t, 'GET', '/contact-channels/me/not-a-uuid', { headers }), 404, 'Contact channel not found');
    expectKnownError(
      await api(t, 'PATCH', '/contact-channels/me/not-a-uuid', { headers, body: { used_for_auth: 'yes' } }),
      'SCHEMA_ERROR',
      400,
    );
    for (const code of ['a'.repeat(44), 'a'.repeat(46), 45]) {
      expectKnownError(
        await api(t, 'POST', '/contact-channels/verify', { headers: clientHeaders(t), body: { code } }),
        'SCHEMA_ERROR',
        400,
      );
    }
  });
});
