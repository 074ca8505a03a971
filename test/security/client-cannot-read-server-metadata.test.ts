/**
 * Client access never sees server-only data (spec §5, §11.10): the client user shape has exactly the
 * client fields (no server_metadata, no private restriction details, no risk scores), wherever a user is
 * returned to a client; tokens carry no metadata; a client PATCH with server-only fields is SCHEMA_ERROR and
 * changes nothing.
 */
import { beforeAll, expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { decodePayload, expectKnownError, PASSWORD, signIn, uniqueEmail, userRow, withToken } from '../api/support.js';

const CLIENT_FIELDS = [
  'id',
  'primary_email',
  'primary_email_verified',
  'display_name',
  'client_metadata',
  'client_read_only_metadata',
  'profile_image_url',
  'signed_up_at_millis',
  'has_password',
  'auth_with_email',
  'oauth_providers',
  'selected_team_id',
  'requires_totp_mfa',
  'otp_auth_enabled',
  'passkey_auth_enabled',
  'is_anonymous',
  'is_restricted',
  'restricted_reason',
  'restricted_by_admin',
  'restricted_by_admin_reason',
  'selected_team',
].sort();

const SECRET = 'server-only-8c1f';

describeOnEachStore('client cannot read server metadata on %s', (t) => {
  let email: string;
  let userId: string;
  let accessToken: string;
  beforeAll(async () => {
    email = uniqueEmail('meta');
    const created = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: {
        primary_email: email,
        primary_email_auth_enabled: true,
        password: PASSWORD,
        server_metadata: { plan: SECRET },
        client_read_only_metadata: { tier: 'gold' },
        client_metadata: { theme: 'dark' },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.server_metadata).toEqual({ plan: SECRET });
    userId = created.json.id as string;
    const session = await signIn(t, email);
    expect(session.status).toBe(200);
    accessToken = session.json.access_token as string;
  });

  it('GET /users/me with client access has exactly the client fields', async () => {
    const res = await api(t, 'GET', '/users/me', { headers: withToken(t, accessToken) });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(CLIENT_FIELDS);
    expect(res.text).not.toContain(SECRET);
    expect(res.json.client_read_only_metadata).toEqual({ tier: 'gold' });
    expect(res.json.client_metadata).toEqual({ theme: 'dark' });
  });

  it('server access to the same user sees server_metadata (control)', async () => {
    const res = await api(t, 'GET', '/users/me', { headers: serverHeaders(t, { 'x-stack-access-token': accessToken }) });
    expect(res.status).toBe(200);
    expect(res.json.server_metadata).toEqual({ plan: SECRET });
    expect(res.json).toHaveProperty('risk_scores');
  });

  it('a client PATCH answers in the client shape', async () => {
    const res = await api(t, 'PATCH', '/users/me', { headers: withToken(t, accessToken), body: { display_name: 'Meta' } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(CLIENT_FIELDS);
    expect(res.text).not.toContain(SECRET);
  });

  it('tokens and sign-in answers carry no metadata', async () => {
    const session = await signIn(t, email);
    expect(session.text).not.toContain(SECRET);
    expect(Object.keys(session.json).sort()).toEqual(['access_token', 'refresh_token', 'user_id']);
    const claims = decodePayload(session.json.access_token as string);
    expect(JSON.stringify(claims)).not.toContain(SECRET);
    expect(claims).not.toHaveProperty('server_metadata');
  });

  it('a client PATCH with server-only fields is SCHEMA_ERROR and writes nothing', async () => {
    const before = await userRow(t, userId);
    for (const body of [
      { server_metadata: { plan: 'hacked' } },
      { client_read_only_metadata: { tier: 'platinum' } },
      { display_name: 'ok', server_metadata: null },
      { primary_email_verified: true },
      { primary_email_auth_enabled: false },
      { password_hash: '$2b$10$' + 'a'.repeat(53) },
      { restricted_by_admin: false },
      { risk_scores: { sign_up: { bot: 0, free_trial_abuse: 0 } } },
    ]) {
      const res = await api(t, 'PATCH', '/users/me', { headers: withToken(t, accessToken), body });
      expectKnownError(res, 'SCHEMA_ERROR', 400, { message: res.json.error });
    }
    // An image URL of the client's choosing: Stack's plain-text 400 (a client sends only base64 image data).
    const linked = await api(t, 'PATCH', '/users/me', {
      headers: withToken(t, accessToken),
      body: { profile_image_url: 'https://evil.example.com/x.png' },
    });
    expect([linked.status, linked.text]).toEqual([400, 'Invalid profile image URL']);
    expect(await userRow(t, userId)).toEqual(before);
  });

  it('client access cannot reach the server user endpoints', async () => {
    for (const [method, route] of [
      ['GET', `/users/${userId}`],
      ['GET', '/users'],
      ['PATCH', `/users/${userId}`],
      ['DELETE', `/users/${userId}`],
      ['POST', '/users'],
      ['POST', '/auth/sessions'],
    ] as const) {
      const res = await api(t, method, route, { headers: withToken(t, accessToken), ...(method === 'GET' ? {} : { body: {} }) });
      expectKnownError(res, 'INSUFFICIENT_ACCESS_TYPE', 401);
      expect(res.text).not.toContain(SECRET);
    }
  });
});
