/**
 * Lazy password migration on PostgreSQL: a user imported without a hash signs in with their old password, checked once
 * at the old server (a second authsync server, behind a proxy that counts its sign-ins), then hashed here. Wrong
 * passwords, an old server that is down, failing or silent, and a disabled migration all give EMAIL_PASSWORD_MISMATCH.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { disableLazyPasswords, enableLazyPasswords, lazyPasswordStatus, setLazyPasswordSource } from '../../src/import/lazy-passwords.js';
import { OLD_SERVER_TIMEOUT_MS } from '../../src/import/lazy-passwords-check.js';
import { freePort } from '../helpers/free-port.js';
import { api, clientHeaders, useTestServer } from '../helpers/server.js';
import { importLazily, isMarked, oldUser, signIn, startCountingProxy, type CountingProxy } from './lazy-passwords-support.js';

const old = useTestServer();
const t = useTestServer();
let proxy: CountingProxy;

beforeAll(async () => {
  proxy = await startCountingProxy(old.url);
});
afterAll(async () => {
  await proxy.close();
});

function expectMismatch(response: Awaited<ReturnType<typeof signIn>>) {
  expect(response.status).toBe(400);
  expect(response.headers.get('x-stack-known-error')).toBe('EMAIL_PASSWORD_MISMATCH');
}

describe('lazy passwords', () => {
  it('asks the old server at the first sign-in only, then signs in with the argon2id hash stored here', async () => {
    const alice = await oldUser(old, 'alice@example.com', 'alice-old-password-1');
    await importLazily(t, old, proxy.url, alice);
    expect(await isMarked(t, alice.id as string)).toBe(true);
    expect((await lazyPasswordStatus(t.server.ctx.db, t.projectId)).remaining).toBe(1);

    const before = proxy.signIns;
    const signOutsBefore = proxy.signOuts;
    const first = await signIn(t, 'alice@example.com', 'alice-old-password-1');
    expect(first.status).toBe(200);
    expect(first.json.user_id).toBe(alice.id);
    expect(proxy.signIns).toBe(before + 1);
    // The session the check opened at the old server is ended there (in the background).
    await vi.waitFor(async () => {
      expect(proxy.signOuts).toBe(signOutsBefore + 1);
      const { rows } = await old.server.ctx.db.query('SELECT 1 FROM authsync.refresh_tokens WHERE user_id = $1', [alice.id]);
      expect(rows).toHaveLength(1); // the sign-up's only
    });
    expect(await isMarked(t, alice.id as string)).toBe(false);
    const stored = await t.server.ctx.users.get(t.projectId, alice.id as string);
    expect(stored?.password_hash).toMatch(/^\$argon2id\$/);
    const { rows } = await t.server.ctx.db.query<{ raw_json: { has_password: boolean } }>(
      'SELECT raw_json FROM neon_auth.users_sync WHERE id = $1',
      [alice.id],
    );
    expect(rows[0]?.raw_json.has_password).toBe(true);

    const second = await signIn(t, 'alice@example.com', 'alice-old-password-1');
    expect(second.status).toBe(200);
    expect(proxy.signIns).toBe(before + 1);
    const me = await api(t, 'GET', '/users/me', {
      headers: clientHeaders(t, { 'x-stack-access-token': second.json.access_token as string }),
    });
    expect(me.json.id).toBe(alice.id);
    expect((await lazyPasswordStatus(t.server.ctx.db, t.projectId)).remaining).toBe(0);
  });

  it('refuses a wrong password, and the user stays marked', async () => {
    const bob = await oldUser(old, 'bob@example.com', 'bob-old-password-1');
    await importLazily(t, old, proxy.url, bob);
    const before = proxy.signIns;
    expectMismatch(await signIn(t, 'bob@example.com', 'not-bobs-password'));
    expect(proxy.signIns).toBe(before + 1);
    expect(await isMarked(t, bob.id as string)).toBe(true);
    expect((await t.server.ctx.users.get(t.projectId, bob.id as string))?.password_hash).toBeNull();
    expect((await signIn(t, 'bob@example.com', 'bob-old-password-1')).status).toBe(200);
  });

  it('answers EMAIL_PASSWORD_MISMATCH, never a 5xx, when the old server fails, is silent or is down', async () => {
    const carol = await oldUser(old, 'carol@example.com', 'carol-old-password-1');
    await importLazily(t, old, proxy.url, carol);
    try {
      proxy.mode = 'error';
      expectMismatch(await signIn(t, 'carol@example.com', 'carol-old-password-1'));

      proxy.mode = 'hang';
      const started = Date.now();
      expectMismatch(await signIn(t, 'carol@example.com', 'carol-old-password-1'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(OLD_SERVER_TIMEOUT_MS - 100);
      expect(Date.now() - started).toBeLessThan(OLD_SERVER_TIMEOUT_MS + 3_000);
    } finally {
      proxy.mode = 'forward';
    }

    const nobody = `http://127.0.0.1:${await freePort()}`;
    await setLazyPasswordSource(t.server.ctx.db, t.server.ctx.box, t.projectId, {
      baseUrl: nobody,
      oldProjectId: old.projectId,
      keyKind: 'secret_server',
      key: old.keys.secretServerKey,
    });
    expectMismatch(await signIn(t, 'carol@example.com', 'carol-old-password-1'));
    expect(await isMarked(t, carol.id as string)).toBe(true);

    // Back up: the same user migrates.
    await setLazyPasswordSource(t.server.ctx.db, t.server.ctx.box, t.projectId, {
      baseUrl: proxy.url,
      oldProjectId: old.projectId,
      keyKind: 'secret_server',
      key: old.keys.secretServerKey,
    });
    expect((await signIn(t, 'carol@example.com', 'carol-old-password-1')).status).toBe(200);
  }, 20_000);

  it('refuses without asking the old server once disabled, or past its end date', async () => {
    const dave = await oldUser(old, 'dave@example.com', 'dave-old-password-1');
    await importLazily(t, old, proxy.url, dave);
    const before = proxy.signIns;

    expect(await disableLazyPasswords(t.server.ctx.db, t.projectId)).toBe(true);
    expectMismatch(await signIn(t, 'dave@example.com', 'dave-old-password-1'));
    expect(await enableLazyPasswords(t.server.ctx.db, t.projectId)).toBe(true);
    expect(await disableLazyPasswords(t.server.ctx.db, t.projectId, new Date(Date.now() - 1_000))).toBe(true);
    expectMismatch(await signIn(t, 'dave@example.com', 'dave-old-password-1'));
    expect(proxy.signIns).toBe(before);

    const status = await lazyPasswordStatus(t.server.ctx.db, t.projectId);
    expect(status.source).toMatchObject({ active: false, oldProjectId: old.projectId, keyKind: 'secret_server' });
    expect(status.remaining).toBe(1);

    await disableLazyPasswords(t.server.ctx.db, t.projectId, new Date(Date.now() + 60_000));
    expect((await signIn(t, 'dave@example.com', 'dave-old-password-1')).status).toBe(200);
    expect(proxy.signIns).toBe(before + 1);
  });

  it('signs in at the old server with client access when given its publishable client key', async () => {
    const gail = await oldUser(old, 'gail@example.com', 'gail-old-password-1');
    await importLazily(t, old, proxy.url, gail);
    await setLazyPasswordSource(t.server.ctx.db, t.server.ctx.box, t.projectId, {
      baseUrl: `${proxy.url}/api/v1/`,
      oldProjectId: old.projectId,
      keyKind: 'publishable_client',
      key: old.keys.publishableClientKey,
    });
    const before = proxy.signIns;
    expect((await signIn(t, 'gail@example.com', 'gail-old-password-1')).status).toBe(200);
    expect(proxy.signIns).toBe(before + 1);
    expect(await isMarked(t, gail.id as string)).toBe(false);
  });

  it('keeps the old server key sealed', async () => {
    const { rows } = await t.server.ctx.db.query<{ key_enc: string }>(
      'SELECT key_enc FROM authsync.lazy_password_sources WHERE project_id = $1',
      [t.projectId],
    );
    expect(rows[0]?.key_enc).toMatch(/^v1\./);
    expect(rows[0]?.key_enc).not.toContain(old.keys.secretServerKey);
  });
});
