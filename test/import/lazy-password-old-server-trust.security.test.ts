/**
 * What the lazy password migration trusts the old server for, and no more. The old server's yes counts only for the
 * same user ID: an e-mail that the old server knows as another user (an import that mapped it elsewhere) never signs
 * in the local user, nor gives them a password. And the old server is asked only within the sign-in rate limits, so
 * authsync cannot be used to guess passwords at it faster than at itself.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markLazyPasswordUsers, setLazyPasswordSource } from '../../src/import/lazy-passwords.js';
import { writeUser } from '../../src/import/write-user.js';
import { useTestServer } from '../helpers/server.js';
import { importLazily, isMarked, oldUser, signIn, startCountingProxy, type CountingProxy } from './lazy-passwords-support.js';

const old = useTestServer();
let proxy: CountingProxy;

beforeAll(async () => {
  proxy = await startCountingProxy(old.url);
});
afterAll(async () => {
  await proxy.close();
});

describe('old server answer for another user ID', () => {
  const t = useTestServer();

  it('is refused: no sign-in, no password stored, the user stays marked', async () => {
    const erin = await oldUser(old, 'erin@example.com', 'erin-old-password-1');
    // The local user with Erin's e-mail has another ID than Erin at the old server.
    const otherId = randomUUID();
    expect(await writeUser(t.server.ctx, t.projectId, { ...erin, id: otherId })).toBe('imported');
    await markLazyPasswordUsers(t.server.ctx.db, t.projectId, [otherId]);
    await setLazyPasswordSource(t.server.ctx.db, t.server.ctx.box, t.projectId, {
      baseUrl: proxy.url,
      oldProjectId: old.projectId,
      keyKind: 'secret_server',
      key: old.keys.secretServerKey,
    });

    const before = proxy.signIns;
    const response = await signIn(t, 'erin@example.com', 'erin-old-password-1');
    expect(proxy.signIns).toBe(before + 1); // the old server said yes, for Erin's ID there
    expect(response.status).toBe(400);
    expect(response.headers.get('x-stack-known-error')).toBe('EMAIL_PASSWORD_MISMATCH');
    expect((await t.server.ctx.users.get(t.projectId, otherId))?.password_hash).toBeNull();
    expect(await isMarked(t, otherId)).toBe(true);
    const { rows } = await t.server.ctx.db.query('SELECT 1 FROM authsync.refresh_tokens WHERE user_id = $1', [otherId]);
    expect(rows).toHaveLength(0);
  });
});

describe('old server asked within the sign-in rate limits', () => {
  const t = useTestServer({ env: { AUTHSYNC_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '3/1h', AUTHSYNC_RATE_LIMIT_SIGN_IN: '1000/1h' } });

  it('stops asking once the account limit is reached: 429, and the old server sees no more guesses', async () => {
    const frank = await oldUser(old, 'frank@example.com', 'frank-old-password-1');
    await importLazily(t, old, proxy.url, frank);
    const before = proxy.signIns;
    for (let guess = 0; guess < 3; guess++) expect((await signIn(t, 'frank@example.com', `guess-${guess}`)).status).toBe(400);
    expect(proxy.signIns).toBe(before + 3);
    for (let guess = 3; guess < 6; guess++) expect((await signIn(t, 'frank@example.com', `guess-${guess}`)).status).toBe(429);
    expect((await signIn(t, 'frank@example.com', 'frank-old-password-1')).status).toBe(429);
    expect(proxy.signIns).toBe(before + 3);
  });
});
