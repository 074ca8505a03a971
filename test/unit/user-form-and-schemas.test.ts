/**
 * The user's writable fields as declared once (src/users/user-fields.ts, src/api/routes/fields.ts) and the dashboard's
 * user form mapped onto them (src/dashboard/form-input.ts): what each access type may send, and how the form's text
 * fields and checkboxes become the same input the API receives.
 */
import { describe, expect, it } from 'vitest';
import { booleanQuery, uuidField } from '../../src/api/routes/fields.js';
import { userCreateInput, userUpdateInput } from '../../src/dashboard/form-input.js';
import { isValidEmail, normalizeEmail } from '../../src/users/email.js';
import { clientUserUpdateSchema, serverUserCreateSchema, serverUserUpdateSchema } from '../../src/users/user-fields.js';

describe('e-mail addresses', () => {
  it('accepts addresses with a dotted domain and a TLD of two letters or more, trimmed', () => {
    for (const email of ['a@b.co', 'first.last+tag@sub.example.org', ' alice@example.com ', "o'brien@example.ie"]) {
      expect(isValidEmail(email), email).toBe(true);
    }
  });

  it('refuses the rest, and anything over 256 characters', () => {
    for (const email of [
      '',
      '   ',
      'alice',
      'alice@',
      '@example.com',
      'alice@localhost',
      'alice@example.c',
      'a b@example.com',
      'a@b@example.com',
    ]) {
      expect(isValidEmail(email), email).toBe(false);
    }
    expect(isValidEmail(`${'a'.repeat(245)}@example.com`)).toBe(false);
    expect(isValidEmail(`${'a'.repeat(244)}@example.com`)).toBe(true);
  });

  it('normalises by trimming and lower-casing', () => {
    expect(normalizeEmail('  Alice@Example.COM\n')).toBe('alice@example.com');
  });
});

describe('API fields', () => {
  it('uuidField takes UUIDs in either case and nothing else', () => {
    expect(uuidField.safeParse('0f8fad5b-d9cb-469f-a165-70867728950e').success).toBe(true);
    expect(uuidField.safeParse('0F8FAD5B-D9CB-469F-A165-70867728950E').success).toBe(true);
    for (const bad of [
      '0f8fad5bd9cb469fa16570867728950e',
      '0f8fad5b-d9cb-469f-a165-70867728950',
      '0f8fad5b-d9cb-469f-a165-70867728950g',
      '',
    ]) {
      expect(uuidField.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('booleanQuery reads exactly "true" and "false"', () => {
    expect(booleanQuery.parse('true')).toBe(true);
    expect(booleanQuery.parse('false')).toBe(false);
    for (const bad of ['1', 'TRUE', 'yes', '']) expect(booleanQuery.safeParse(bad).success, bad).toBe(false);
  });
});

describe('user schemas', () => {
  it('client access may change only its own profile fields: server-only fields are refused, not dropped', () => {
    expect(clientUserUpdateSchema.safeParse({ display_name: 'Alice', client_metadata: { theme: 'dark' } }).success).toBe(true);
    for (const field of ['server_metadata', 'client_read_only_metadata', 'primary_email_verified', 'password', 'restricted_by_admin']) {
      expect(clientUserUpdateSchema.safeParse({ [field]: field === 'restricted_by_admin' ? false : 'x' }).success, field).toBe(false);
    }
  });

  it("client access may set a profile image only as a base64 data URL of an image (else Stack's plain-text 400)", () => {
    expect(clientUserUpdateSchema.safeParse({ profile_image_url: 'data:image/png;base64,iVBORw0KGgo=' }).success).toBe(true);
    expect(clientUserUpdateSchema.safeParse({ profile_image_url: null }).success).toBe(true);
    for (const url of ['https://example.com/a.png', 'data:text/html;base64,PGI+']) {
      expect(() => clientUserUpdateSchema.safeParse({ profile_image_url: url }), url).toThrow('Invalid profile image URL');
    }
    // Not a URL at all: a schema error, for client and server access alike.
    expect(clientUserUpdateSchema.safeParse({ profile_image_url: '' }).success).toBe(false);
    expect(serverUserUpdateSchema.safeParse({ profile_image_url: '' }).success).toBe(false);
    // Server access may store any URL.
    expect(serverUserUpdateSchema.safeParse({ profile_image_url: 'https://example.com/a.png' }).success).toBe(true);
  });

  it('checks lengths, country codes, risk scores and e-mail syntax', () => {
    expect(serverUserUpdateSchema.safeParse({ display_name: 'x'.repeat(256) }).success).toBe(true);
    expect(serverUserUpdateSchema.safeParse({ display_name: 'x'.repeat(257) }).success).toBe(false);
    expect(serverUserUpdateSchema.safeParse({ country_code: 'FR' }).success).toBe(true);
    for (const code of ['fr', 'FRA', 'F']) expect(serverUserUpdateSchema.safeParse({ country_code: code }).success, code).toBe(false);
    expect(serverUserUpdateSchema.safeParse({ risk_scores: { sign_up: { bot: 100, free_trial_abuse: 0 } } }).success).toBe(true);
    expect(serverUserUpdateSchema.safeParse({ risk_scores: { sign_up: { bot: 101, free_trial_abuse: 0 } } }).success).toBe(false);
    expect(serverUserUpdateSchema.safeParse({ risk_scores: { sign_up: { bot: 1.5, free_trial_abuse: 0 } } }).success).toBe(false);
    expect(serverUserUpdateSchema.safeParse({ primary_email: 'not an address' }).success).toBe(false);
    // A server writes any address of the e-mail input syntax (users imported with one the strict check refuses).
    expect(serverUserCreateSchema.safeParse({ primary_email: 'invalid_email@gmai' }).success).toBe(true);
    expect(serverUserUpdateSchema.safeParse({ primary_email: 'a@localhost' }).success).toBe(true);
    expect(serverUserCreateSchema.safeParse({ primary_email: 'a b@example.com' }).success).toBe(false);
    expect(serverUserUpdateSchema.safeParse({ primary_email: null }).success).toBe(true);
  });

  it('an update may only end anonymity and select a team by UUID; a create may be anonymous and bring provider accounts (with their account IDs)', () => {
    expect(serverUserUpdateSchema.safeParse({ is_anonymous: false }).success).toBe(true);
    expect(serverUserUpdateSchema.safeParse({ is_anonymous: true }).success).toBe(false);
    expect(serverUserCreateSchema.safeParse({ is_anonymous: true }).success).toBe(true);
    expect(serverUserCreateSchema.safeParse({ oauth_providers: [] }).success).toBe(true);
    expect(serverUserCreateSchema.safeParse({ oauth_providers: [{ id: 'github' }] }).success).toBe(false);
    expect(
      serverUserCreateSchema.safeParse({ oauth_providers: [{ id: 'github', account_id: '1001', email: 'a@example.com' }] }).success,
    ).toBe(true);
    expect(serverUserUpdateSchema.safeParse({ selected_team_id: null }).success).toBe(true);
    expect(serverUserUpdateSchema.safeParse({ selected_team_id: '0F8FAD5B-D9CB-469F-A165-70867728950E' }).data).toEqual({
      selected_team_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
    expect(serverUserUpdateSchema.safeParse({ selected_team_id: 'team-1' }).success).toBe(false);
  });
});

describe('the dashboard user form', () => {
  it('a create: trimmed text, empty fields as null, checkboxes "on" only with an address', () => {
    expect(
      userCreateInput({
        primary_email: ' alice@example.com ',
        display_name: '  Alice  ',
        primary_email_verified: 'on',
        primary_email_auth_enabled: 'on',
        password: 'long enough 1',
      }),
    ).toEqual({
      display_name: 'Alice',
      primary_email: 'alice@example.com',
      primary_email_verified: true,
      primary_email_auth_enabled: true,
      password: 'long enough 1',
    });
    // No address: it is left out, and the checkboxes cannot turn anything on.
    expect(
      userCreateInput({ primary_email: '  ', display_name: '', primary_email_verified: 'on', primary_email_auth_enabled: 'on' }),
    ).toEqual({ display_name: null, primary_email_verified: false, primary_email_auth_enabled: false });
  });

  it('an update: an empty address removes it, an empty password keeps the current one, "remove password" removes it', () => {
    expect(userUpdateInput({ primary_email: '', display_name: 'Bob', password: '' })).toEqual({
      display_name: 'Bob',
      primary_email: null,
      primary_email_verified: false,
      primary_email_auth_enabled: false,
    });
    expect(userUpdateInput({ primary_email: 'bob@example.com', remove_password: 'on', password: 'ignored password' }).password).toBeNull();
  });

  it('is checked exactly as the API checks a user', () => {
    expect(() => userCreateInput({ primary_email: 'not an address' })).toThrow('must be a valid email');
    expect(() => userUpdateInput({ display_name: 'x'.repeat(257) })).toThrow();
  });
});
