/**
 * One auth e-mail per project (spec §4.11, §11.12): concurrent sign-ups with the same address give one user
 * and USER_EMAIL_ALREADY_EXISTS (never a 500); the details name the (normalised) address on every path;
 * addresses not used for sign-in may repeat.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { countRows, expectKnownError, uniqueEmail } from './support.js';

describeOnEachStore('e-mail uniqueness on %s', (t) => {
  it('concurrent sign-ups with one address: exactly one user, the rest 409', async () => {
    const email = uniqueEmail('race');
    const before = await countRows(t, 'users');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api(t, 'POST', '/auth/password/sign-up', {
          body: { email: i % 2 ? email.toUpperCase() : ` ${email} `, password: 'correct horse battery' },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) {
      expectKnownError(res, 'USER_EMAIL_ALREADY_EXISTS', 409, { email, would_work_if_email_was_verified: false });
    }
    expect(await countRows(t, 'users')).toBe(before + 1);
  });

  it('concurrent POST /users with one auth address: one 201, the rest 409', async () => {
    const email = uniqueEmail('race-server');
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        api(t, 'POST', '/users', { headers: serverHeaders(t), body: { primary_email: email, primary_email_auth_enabled: true } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it('enabling sign-in on an address another user signs in with is 409 naming that address', async () => {
    const email = uniqueEmail('taken');
    expect((await api(t, 'POST', '/auth/password/sign-up', { body: { email, password: 'correct horse battery' } })).status).toBe(200);
    // Not used for sign-in: the same address may repeat.
    const twin = await api(t, 'POST', '/users', { headers: serverHeaders(t), body: { primary_email: email.toUpperCase() } });
    expect(twin.status, twin.text).toBe(201);
    expect(twin.json.primary_email).toBe(email);
    const res = await api(t, 'PATCH', `/users/${twin.json.id}`, { headers: serverHeaders(t), body: { primary_email_auth_enabled: true } });
    expectKnownError(res, 'USER_EMAIL_ALREADY_EXISTS', 409, { email, would_work_if_email_was_verified: false });
    const after = await api(t, 'GET', `/users/${twin.json.id}`, { headers: serverHeaders(t) });
    expect(after.json.primary_email_auth_enabled).toBe(false);
    // Changing another sign-in user's address to the taken one.
    const other = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { primary_email: uniqueEmail(), primary_email_auth_enabled: true },
    });
    const moved = await api(t, 'PATCH', `/users/${other.json.id}`, {
      headers: serverHeaders(t),
      body: { primary_email: email.toUpperCase() },
    });
    expectKnownError(moved, 'USER_EMAIL_ALREADY_EXISTS', 409, { email, would_work_if_email_was_verified: false });
  });
});
