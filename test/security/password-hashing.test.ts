/**
 * Password hashing: stored hashes are argon2id with m=19456, t=2, p=1; imported bcrypt hashes verify on
 * sign-in and are replaced by argon2id; a sign-in for an unknown e-mail (or a user without a password) runs
 * one full argon2id verification against a hash of the same cost, instead of answering at once. That last
 * property is checked by counting the verifications the server performs, not by timing.
 *
 * Every other test file hashes at argon2's minimum cost (test/setup/cheap-password-hashing.ts); this one puts the
 * production cost back before its server starts, and checks that a hash weaker than the current cost is replaced.
 */
import type * as Argon2 from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ARGON2_PARAMS, argon2Params, TEST_ARGON2_PARAMS, useCheapPasswordHashingForTests } from '../../src/crypto/password-cost.js';
import { api, serverHeaders, startTestServer, type TestServer } from '../helpers/server.js';
import { expectKnownError, signIn, signUp, uniqueEmail, userRow, type SignedUp } from '../api/support.js';

/** Every argon2 verification the server runs, with the hash it verified against. */
const verifications = vi.hoisted(() => [] as string[]);

vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof Argon2>();
  return {
    ...real,
    verify: (hashed: string, password: string, ...rest: unknown[]) => {
      verifications.push(hashed);
      return (real.verify as (...args: unknown[]) => Promise<boolean>)(hashed, password, ...rest);
    },
  };
});

const ARGON2ID = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{32,}$/;

const CHEAP_ARGON2ID = /^\$argon2id\$v=19\$m=8,t=1,p=1\$/;

describe('password hashing', () => {
  let t: TestServer;
  beforeAll(async () => {
    // The setup file made hashing cheap for this process; the tests of hashing run at the production cost.
    expect(argon2Params()).toBe(TEST_ARGON2_PARAMS);
    useCheapPasswordHashingForTests(false);
    expect(argon2Params()).toEqual({ algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    t = await startTestServer({ mode: 'postgres' });
  });
  afterAll(async () => {
    useCheapPasswordHashingForTests(false);
    await t?.stop();
  });

  it('stores argon2id with m=19456, t=2, p=1 and never the password', async () => {
    const alice = await signUp(t, undefined, 'stored password 1');
    const row = await userRow(t, alice.userId);
    expect(row!.password_hash).toMatch(ARGON2ID);
    expect(String(row!.password_hash)).not.toContain('stored password 1');
    const created = await api(t, 'POST', '/users', { headers: serverHeaders(t), body: { password: 'created password 1' } });
    expect((await userRow(t, created.json.id as string))!.password_hash).toMatch(ARGON2ID);
    // Two users with the same password get different hashes (salted).
    const bob = await signUp(t, undefined, 'stored password 1');
    expect((await userRow(t, bob.userId))!.password_hash).not.toBe(row!.password_hash);
  });

  for (const version of ['2a', '2b', '2y'] as const) {
    it(`imports a $${version}$ bcrypt hash: it signs in, and is then replaced by argon2id`, async () => {
      const email = uniqueEmail('bcrypt');
      // bcryptjs writes $2b$; $2a$ and $2y$ hashes of such a password differ from it only in the prefix.
      const imported = (await bcrypt.hash('legacy password 1', 10)).replace(/^\$2b\$/, `$${version}$`);
      expect(imported.startsWith(`$${version}$10$`)).toBe(true);
      const created = await api(t, 'POST', '/users', {
        headers: serverHeaders(t),
        body: { primary_email: email, primary_email_auth_enabled: true, password_hash: imported },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.json.has_password).toBe(true);
      const id = created.json.id as string;
      expect((await userRow(t, id))!.password_hash).toBe(imported);

      // A wrong password fails and leaves the bcrypt hash alone.
      expectKnownError(await signIn(t, email, 'wrong password 1'), 'EMAIL_PASSWORD_MISMATCH', 400);
      expect((await userRow(t, id))!.password_hash).toBe(imported);

      const ok = await signIn(t, email, 'legacy password 1');
      expect(ok.status, ok.text).toBe(200);
      expect(ok.json.user_id).toBe(id);
      const rehashed = (await userRow(t, id))!.password_hash as string;
      expect(rehashed).toMatch(ARGON2ID);
      // The upgraded hash verifies the same password; the old sessions were not revoked by the upgrade.
      expect((await signIn(t, email, 'legacy password 1')).status).toBe(200);
      expectKnownError(await signIn(t, email, 'wrong password 1'), 'EMAIL_PASSWORD_MISMATCH', 400);
      const sessions = await t.server.ctx.db.query('SELECT 1 FROM authsync.refresh_tokens WHERE user_id = $1', [id]);
      expect(sessions.rows.length).toBe(2);
    });
  }

  it('replaces an argon2id hash weaker than the current cost at the next sign-in', async () => {
    useCheapPasswordHashingForTests(true);
    let alice: SignedUp;
    try {
      alice = await signUp(t, undefined, 'weak hash password 1');
    } finally {
      useCheapPasswordHashingForTests(false);
    }
    const weak = (await userRow(t, alice.userId))!.password_hash as string;
    expect(weak).toMatch(CHEAP_ARGON2ID);
    expect(argon2Params()).toBe(ARGON2_PARAMS);

    // A wrong password leaves it alone; the right one signs in and stores a hash at the production cost.
    expectKnownError(await signIn(t, alice.email, 'wrong password 1'), 'EMAIL_PASSWORD_MISMATCH', 400);
    expect((await userRow(t, alice.userId))!.password_hash).toBe(weak);
    expect((await signIn(t, alice.email, 'weak hash password 1')).status).toBe(200);
    const upgraded = (await userRow(t, alice.userId))!.password_hash as string;
    expect(upgraded).toMatch(ARGON2ID);
    // A hash at the current cost is kept as it is.
    expect((await signIn(t, alice.email, 'weak hash password 1')).status).toBe(200);
    expect((await userRow(t, alice.userId))!.password_hash).toBe(upgraded);
  });

  it('refuses hashes that are not bcrypt with a usable cost', async () => {
    for (const hash of [
      '$2b$03$' + 'a'.repeat(53),
      '$2b$17$' + 'a'.repeat(53),
      '$argon2id$v=19$m=1,t=1,p=1$abc$def',
      'plaintext',
      '$2x$10$' + 'a'.repeat(53),
    ]) {
      const res = await api(t, 'POST', '/users', {
        headers: serverHeaders(t),
        body: { primary_email: uniqueEmail(), primary_email_auth_enabled: true, password_hash: hash },
      });
      // Stack's plain-text answer for it.
      expect([res.status, res.text]).toEqual([400, "Invalid password hash. Make sure it's a supported algorithm in Modular Crypt Format."]);
    }
  });

  it('an unknown e-mail runs one full argon2id verification, like a wrong password', async () => {
    const alice = await signUp(t, undefined, 'known password 1');
    verifications.length = 0;
    expectKnownError(await signIn(t, alice.email, 'wrong password 1'), 'EMAIL_PASSWORD_MISMATCH', 400, 'none');
    expect(verifications).toHaveLength(1);
    expect(verifications[0]).toMatch(ARGON2ID);

    verifications.length = 0;
    expectKnownError(await signIn(t, uniqueEmail('nobody'), 'wrong password 1'), 'EMAIL_PASSWORD_MISMATCH', 400, 'none');
    expect(verifications).toHaveLength(1);
    // Against a hash of the same cost as a real one, not a cheap stand-in.
    expect(verifications[0]).toMatch(ARGON2ID);

    // A user that has no password (or whose e-mail is not used for sign-in) gets the same treatment.
    const email = uniqueEmail('nopassword');
    expect(
      (await api(t, 'POST', '/users', { headers: serverHeaders(t), body: { primary_email: email, primary_email_auth_enabled: true } }))
        .status,
    ).toBe(201);
    verifications.length = 0;
    expectKnownError(await signIn(t, email, 'any password 1'), 'EMAIL_PASSWORD_MISMATCH', 400, 'none');
    expect(verifications).toHaveLength(1);
    expect(verifications[0]).toMatch(ARGON2ID);

    const hidden = uniqueEmail('notauth');
    expect(
      (await api(t, 'POST', '/users', { headers: serverHeaders(t), body: { primary_email: hidden, password: 'hidden password 1' } }))
        .status,
    ).toBe(201);
    verifications.length = 0;
    expectKnownError(await signIn(t, hidden, 'hidden password 1'), 'EMAIL_PASSWORD_MISMATCH', 400, 'none');
    expect(verifications).toHaveLength(1);
  });
});
