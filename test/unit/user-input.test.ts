/**
 * The writable user fields → stored columns (src/users/user-input.ts), as POST/PATCH /users, PATCH /users/me, the CLI
 * and the dashboard all reach it: refused combinations, e-mail normalisation and what a changed address does to its
 * verified and sign-in flags, passwords hashed (cheaply in tests) or bcrypt hashes imported, and the admin
 * restriction's details cleared with it.
 */
import { describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { checkPassword } from '../../src/crypto/passwords.js';
import type { UserRow } from '../../src/users/user-object.js';
import { toUserFields } from '../../src/users/user-input.js';

function user(overrides: Partial<UserRow> = {}): UserRow {
  const now = new Date('2026-01-01T00:00:00Z');
  return {
    id: '00000000-0000-4000-8000-000000000001',
    project_id: 'project',
    primary_email: 'alice@example.com',
    primary_email_verified: true,
    primary_email_auth_enabled: true,
    display_name: 'Alice',
    profile_image_url: null,
    password_hash: null,
    otp_auth_enabled: false,
    passkey_auth_enabled: false,
    totp_secret_base64: null,
    client_metadata: null,
    client_read_only_metadata: null,
    server_metadata: null,
    selected_team_id: null,
    selected_team: null,
    is_anonymous: false,
    restricted_by_admin: false,
    restricted_by_admin_reason: null,
    restricted_by_admin_private_details: null,
    country_code: null,
    risk_scores: { sign_up: { bot: 0, free_trial_abuse: 0 } },
    signed_up_at: now,
    last_active_at: now,
    updated_at: now,
    version: 1,
    oauth_providers: [],
    email_verification_required: false,
    ...overrides,
  };
}

/** The columns a write sets: fields left undefined are not written. */
const written = (fields: object) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

describe('toUserFields: refused input', () => {
  it('refuses a password together with a password hash', async () => {
    await expect(toUserFields({ password: 'long enough 1', password_hash: '$2b$10$' + 'a'.repeat(53) })).rejects.toThrow(
      'Cannot set both password and password_hash at the same time.',
    );
  });

  it("refuses password hashes that are not bcrypt with a cost from 4 to 16 (Stack's plain-text 400)", async () => {
    for (const hash of [
      '$2a$17$VIhIOofSMqGdGlL4wzE//e.77dAQGqNtF/1dT7bqCrVtQuInWy2qi',
      'plaintext',
      '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA',
      '$2b$03$' + 'a'.repeat(53),
      '$2x$10$' + 'a'.repeat(53),
    ]) {
      await expect(toUserFields({ password_hash: hash }), hash).rejects.toThrow(
        "Invalid password hash. Make sure it's a supported algorithm in Modular Crypt Format.",
      );
    }
  });

  it('hashes a password set with server access without the sign-up rules, as Stack does', async () => {
    const fields = await toUserFields({ password: 'testing' });
    expect(fields.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses sign-in or a verified flag without an address, on a create or after removing it', async () => {
    await expect(toUserFields({ primary_email_auth_enabled: true })).rejects.toThrow('cannot be true without primary_email');
    await expect(toUserFields({ primary_email_verified: true })).rejects.toThrow('cannot be true without primary_email');
    await expect(toUserFields({ primary_email: null, primary_email_auth_enabled: true }, user())).rejects.toThrow(
      'cannot be true without primary_email',
    );
    await expect(toUserFields({ primary_email_verified: true }, user({ primary_email: null }))).rejects.toThrow(
      'cannot be true without primary_email',
    );
  });

  it('refuses making a user anonymous again; a create may be anonymous', async () => {
    await expect(toUserFields({ is_anonymous: true }, user())).rejects.toThrow('cannot become anonymous again');
    expect((await toUserFields({ is_anonymous: true })).is_anonymous).toBe(true);
    expect((await toUserFields({ is_anonymous: true }, user({ is_anonymous: true }))).is_anonymous).toBe(true);
  });
});

describe('toUserFields: e-mail', () => {
  it('normalises the address (trimmed, lower case); a new address is not verified', async () => {
    expect(written(await toUserFields({ primary_email: '  Alice@Example.COM ' }))).toEqual({
      primary_email: 'alice@example.com',
      primary_email_verified: false,
    });
  });

  it('keeps the verified flag when the address does not change, and leaves a new address to the store', async () => {
    expect(written(await toUserFields({ primary_email: 'ALICE@example.com' }, user()))).toEqual({ primary_email: 'alice@example.com' });
    // The store makes a new address as verified as the user's channel with it, else not (contact-channels.test.ts).
    expect(written(await toUserFields({ primary_email: 'bob@example.com' }, user()))).toEqual({ primary_email: 'bob@example.com' });
    expect(written(await toUserFields({ primary_email: 'bob@example.com' }))).toEqual({
      primary_email: 'bob@example.com',
      primary_email_verified: false,
    });
    expect(written(await toUserFields({ primary_email: 'bob@example.com', primary_email_verified: true }, user()))).toEqual({
      primary_email: 'bob@example.com',
      primary_email_verified: true,
    });
  });

  it('removing the address turns off its verification and sign-in', async () => {
    expect(written(await toUserFields({ primary_email: null }, user()))).toEqual({
      primary_email: null,
      primary_email_verified: false,
      primary_email_auth_enabled: false,
    });
  });

  it('enabling sign-in names the current address in the write (so a clash reports it)', async () => {
    expect(written(await toUserFields({ primary_email_auth_enabled: true }, user({ primary_email_auth_enabled: false })))).toEqual({
      primary_email: 'alice@example.com',
      primary_email_auth_enabled: true,
    });
    expect(written(await toUserFields({ primary_email_auth_enabled: false }, user()))).toEqual({ primary_email_auth_enabled: false });
  });
});

describe('toUserFields: passwords and other fields', () => {
  it('hashes a password with argon2id (a hash that verifies it), never storing it', async () => {
    const fields = await toUserFields({ password: 'correct horse 1' });
    expect(fields.password_hash).toMatch(/^\$argon2id\$/);
    expect(fields.password_hash).not.toContain('correct horse 1');
    expect((await checkPassword('correct horse 1', fields.password_hash)).ok).toBe(true);
    expect((await checkPassword('wrong horse 1', fields.password_hash)).ok).toBe(false);
  });

  it('removes the password with null, and imports a bcrypt hash as it is', async () => {
    expect((await toUserFields({ password: null }, user({ password_hash: 'old' }))).password_hash).toBeNull();
    const imported = bcrypt.hashSync('legacy password 1', 4);
    expect((await toUserFields({ password_hash: imported })).password_hash).toBe(imported);
  });

  it('lifting the admin restriction clears its reason and private details', async () => {
    expect(
      written(await toUserFields({ restricted_by_admin: false, restricted_by_admin_reason: 'kept?' }, user({ restricted_by_admin: true }))),
    ).toEqual({ restricted_by_admin: false, restricted_by_admin_reason: null, restricted_by_admin_private_details: null });
    expect(written(await toUserFields({ restricted_by_admin: true, restricted_by_admin_reason: 'spam' }))).toEqual({
      restricted_by_admin: true,
      restricted_by_admin_reason: 'spam',
    });
  });

  it('passes the other fields through, and writes nothing for an empty update', async () => {
    expect(written(await toUserFields({}, user()))).toEqual({});
    expect(
      written(
        await toUserFields({
          display_name: 'Bob',
          client_metadata: { a: 1 },
          server_metadata: null,
          country_code: 'FR',
          selected_team_id: null,
        }),
      ),
    ).toEqual({ display_name: 'Bob', client_metadata: { a: 1 }, server_metadata: null, country_code: 'FR', selected_team_id: null });
  });

  it('an empty display name is no name', async () => {
    expect((await toUserFields({ display_name: '' }, user())).display_name).toBeNull();
    expect((await toUserFields({ display_name: '' })).display_name).toBeNull();
  });
});
