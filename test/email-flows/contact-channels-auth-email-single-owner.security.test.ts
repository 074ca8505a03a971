/**
 * Property: an address used for sign-in belongs to one user of the project. A second user cannot claim it as a channel
 * used for auth: not by creating one, not by turning used_for_auth on, not by renaming a channel to it, not with server
 * access, and not by racing: concurrent claims leave exactly one owner. Sign-in with the address still reaches the owner.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { expectKnownError, signIn, signUp, uniqueEmail, withToken } from '../api/support.js';

const TAKEN = 'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE';

describeOnEachStore('an auth e-mail has a single owner on %s', (t) => {
  it('a second user cannot claim an auth e-mail as a used-for-auth channel', async () => {
    const owner = await signUp(t);
    const thief = await signUp(t);
    const headers = withToken(t, thief.accessToken);
    const claim = { user_id: 'me', type: 'email', value: ` ${owner.email.toUpperCase()} `, used_for_auth: true };
    expectKnownError(await api(t, 'POST', '/contact-channels', { headers, body: claim }), TAKEN, 409);
    expectKnownError(await api(t, 'POST', '/contact-channels', { headers, body: { ...claim, is_primary: true } }), TAKEN, 409);
    expectKnownError(
      await api(t, 'POST', '/contact-channels', {
        headers: serverHeaders(t),
        body: { ...claim, user_id: thief.userId, is_verified: true },
      }),
      TAKEN,
      409,
    );
    const plain = await api(t, 'POST', '/contact-channels', { headers, body: { ...claim, used_for_auth: false } });
    expect(plain.status, plain.text).toBe(201);
    expectKnownError(
      await api(t, 'PATCH', `/contact-channels/me/${plain.json.id as string}`, { headers, body: { used_for_auth: true } }),
      TAKEN,
      409,
    );
    const own = await api(t, 'POST', '/contact-channels', { headers, body: { ...claim, value: uniqueEmail('own') } });
    expectKnownError(
      await api(t, 'PATCH', `/contact-channels/me/${own.json.id as string}`, { headers, body: { value: owner.email } }),
      TAKEN,
      409,
    );
    // The thief's primary channel renamed to the owner's address.
    const primary = (
      (await api(t, 'GET', '/contact-channels?user_id=me', { headers })).json.items as { id: string; is_primary: boolean }[]
    ).find((c) => c.is_primary)!;
    expectKnownError(await api(t, 'PATCH', `/contact-channels/me/${primary.id}`, { headers, body: { value: owner.email } }), TAKEN, 409);
    expect((await signIn(t, owner.email)).json.user_id).toBe(owner.userId);
  });

  it('concurrent claims of one free address leave exactly one owner', async () => {
    const users = await Promise.all([signUp(t), signUp(t), signUp(t), signUp(t)]);
    const value = uniqueEmail('contested');
    const results = await Promise.all(
      users.map((u) =>
        api(t, 'POST', '/contact-channels', {
          headers: withToken(t, u.accessToken),
          body: { user_id: 'me', type: 'email', value, used_for_auth: true },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) expectKnownError(res, TAKEN, 409);
    const { rows } = await t.server.ctx.db.query('SELECT user_id FROM authsync.contact_channels WHERE value = $1 AND used_for_auth', [
      value,
    ]);
    expect(rows).toHaveLength(1);
  });
});
