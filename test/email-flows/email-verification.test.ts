/**
 * E-mail verification over HTTP on both stores: the mail queued with a sign-up that names a callback URL, check-code and
 * verify (no user token), users_sync showing primary_email_verified at once, both send-verification-code routes and
 * their errors, and the e-mail rate limit on them.
 */
import { describe, expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, serverHeaders, useTestServer, type TestServer } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { expectKnownError, PASSWORD, uniqueEmail, withToken } from '../api/support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

async function syncedVerified(t: TestServer, userId: string): Promise<unknown> {
  const { rows } = await t.server.ctx.db.query<{ raw_json: Record<string, unknown> | string }>(
    'SELECT raw_json FROM neon_auth.users_sync WHERE id = $1',
    [userId],
  );
  const raw = rows[0]!.raw_json;
  return (typeof raw === 'string' ? (JSON.parse(raw) as Record<string, unknown>) : raw).primary_email_verified;
}

async function signUpWithCallback(t: TestServer, email = uniqueEmail('verify')) {
  const res = await api(t, 'POST', '/auth/password/sign-up', { body: { email, password: PASSWORD, verification_callback_url: CALLBACK } });
  expect(res.status, res.text).toBe(200);
  return { email, userId: res.json.user_id as string, accessToken: res.json.access_token as string };
}

async function mailCount(t: TestServer, to: string): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authsync.emails WHERE recipient = $1', [to]);
  return rows[0]!.n;
}

describeOnEachStore('e-mail verification on %s', (t) => {
  it('sign-up with a callback URL queues the mail; its code verifies the primary e-mail, in users_sync at once', async () => {
    const me = await signUpWithCallback(t);
    const mail = await waitForMail(t, me.email, { subject: 'Verify your email' });
    const code = linkCode(mail.text, CALLBACK);
    expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{45}$/);
    expect(mail.html).toContain(code);
    expect(await syncedVerified(t, me.userId)).toBe(false);

    const check = await api(t, 'POST', '/contact-channels/verify/check-code', { body: { code } });
    expect(check.status, check.text).toBe(200);
    expect(check.json).toEqual({ is_code_valid: true });

    // No user token: the code alone names the user and the address.
    const verified = await api(t, 'POST', '/contact-channels/verify', { headers: clientHeaders(t), body: { code: code.toUpperCase() } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.json).toEqual({ success: true });
    expect(await syncedVerified(t, me.userId)).toBe(true);
    const user = await api(t, 'GET', `/users/${me.userId}`, { headers: serverHeaders(t) });
    expect(user.json.primary_email_verified).toBe(true);
    const channels = await api(t, 'GET', '/contact-channels?user_id=me', { headers: withToken(t, me.accessToken) });
    expect(channels.json.items).toEqual([expect.objectContaining({ value: me.email, is_primary: true, is_verified: true })]);

    expectKnownError(await api(t, 'POST', '/contact-channels/verify', { body: { code } }), 'VERIFICATION_CODE_ALREADY_USED', 409);
    expectKnownError(
      await api(t, 'POST', '/contact-channels/verify/check-code', { body: { code } }),
      'VERIFICATION_CODE_ALREADY_USED',
      409,
    );
    expectKnownError(
      await api(t, 'POST', '/contact-channels/verify', { body: { code: 'a'.repeat(45) } }),
      'VERIFICATION_CODE_NOT_FOUND',
      404,
    );

    // Verified: the deprecated route refuses to send again.
    const again = await api(t, 'POST', '/contact-channels/send-verification-code', {
      headers: withToken(t, me.accessToken),
      body: { email: me.email, callback_url: CALLBACK },
    });
    expectKnownError(again, 'EMAIL_ALREADY_VERIFIED', 409);
  });

  it('an untrusted callback URL refuses the sign-up before anything is written', async () => {
    const email = uniqueEmail('untrusted');
    const res = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: 'https://evil.example.net/handler/email-verification' },
    });
    expectKnownError(res, 'REDIRECT_URL_NOT_WHITELISTED', 400);
    const { rows } = await t.server.ctx.db.query('SELECT 1 FROM authsync.users WHERE primary_email = $1', [email]);
    expect(rows).toHaveLength(0);
    expect(await mailCount(t, email)).toBe(0);
  });

  it('without a callback URL no mail is queued', async () => {
    const email = uniqueEmail('silent');
    expect((await api(t, 'POST', '/auth/password/sign-up', { body: { email, password: PASSWORD } })).status).toBe(200);
    expect(await mailCount(t, email)).toBe(0);
  });

  it('the deprecated send-verification-code: a new mail for the primary e-mail; its errors', async () => {
    const me = await signUpWithCallback(t);
    const headers = withToken(t, me.accessToken);
    const sent = await api(t, 'POST', '/contact-channels/send-verification-code', {
      headers,
      body: { email: me.email, callback_url: CALLBACK },
    });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.json).toEqual({ success: true });
    expect(await mailCount(t, me.email)).toBe(2);
    // Both codes work until one is used.
    const newest = linkCode((await waitForMail(t, me.email)).text, CALLBACK);
    expect((await api(t, 'POST', '/contact-channels/verify/check-code', { body: { code: newest } })).status).toBe(200);

    const other = uniqueEmail('other');
    expectKnownError(
      await api(t, 'POST', '/contact-channels/send-verification-code', { headers, body: { email: other, callback_url: CALLBACK } }),
      'EMAIL_IS_NOT_PRIMARY_EMAIL',
      400,
      { email: other, primary_email: me.email },
    );
    expectKnownError(
      await api(t, 'POST', '/contact-channels/send-verification-code', { body: { email: me.email, callback_url: CALLBACK } }),
      'SCHEMA_ERROR',
      400,
      { message: 'Request validation failed on POST /api/v1/contact-channels/send-verification-code:\n  - auth.user must be defined' },
    );
    expectKnownError(
      await api(t, 'POST', '/contact-channels/send-verification-code', {
        headers,
        body: { email: me.email, callback_url: 'https://evil.example.net/cb' },
      }),
      'REDIRECT_URL_NOT_WHITELISTED',
      400,
    );
    expect(await mailCount(t, me.email)).toBe(2);
  });

  it('a second channel: its own send-verification-code, verify, and the errors', async () => {
    const me = await signUpWithCallback(t);
    const headers = withToken(t, me.accessToken);
    const value = uniqueEmail('second');
    const channel = await api(t, 'POST', '/contact-channels', {
      headers,
      body: { user_id: 'me', type: 'email', value, used_for_auth: false },
    });
    const id = channel.json.id as string;
    const sent = await api(t, 'POST', `/contact-channels/me/${id}/send-verification-code`, { headers, body: { callback_url: CALLBACK } });
    expect(sent.status, sent.text).toBe(200);
    const code = linkCode((await waitForMail(t, value, { subject: 'Verify your email' })).text, CALLBACK);
    expect((await api(t, 'POST', '/contact-channels/verify', { body: { code } })).status).toBe(200);
    const after = await api(t, 'GET', `/contact-channels/me/${id}`, { headers });
    expect(after.json.is_verified).toBe(true);
    // The primary e-mail is untouched.
    expect(await syncedVerified(t, me.userId)).toBe(false);

    expectKnownError(
      await api(t, 'POST', `/contact-channels/me/${id}/send-verification-code`, { headers, body: { callback_url: CALLBACK } }),
      'EMAIL_ALREADY_VERIFIED',
      409,
    );
    const missing = await api(t, 'POST', `/contact-channels/${me.userId}/00000000-0000-4000-8000-000000000000/send-verification-code`, {
      headers: serverHeaders(t),
      body: { callback_url: CALLBACK },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-stack-known-error')).toBeNull();
  });

  it('a channel deleted after its code was sent: verify is a text 400 and changes nothing', async () => {
    const me = await signUpWithCallback(t);
    const headers = withToken(t, me.accessToken);
    const value = uniqueEmail('gone');
    const channel = await api(t, 'POST', '/contact-channels', {
      headers,
      body: { user_id: 'me', type: 'email', value, used_for_auth: false },
    });
    await api(t, 'POST', `/contact-channels/me/${channel.json.id as string}/send-verification-code`, {
      headers,
      body: { callback_url: CALLBACK },
    });
    const code = linkCode((await waitForMail(t, value)).text, CALLBACK);
    await api(t, 'DELETE', `/contact-channels/me/${channel.json.id as string}`, { headers });
    const res = await api(t, 'POST', '/contact-channels/verify', { body: { code } });
    expect(res.status, res.text).toBe(400);
    expect(res.headers.get('x-stack-known-error')).toBeNull();
    expect(res.text).toContain('Contact channel not found');
  });
});

describe('the e-mail rate limit on verification mails', () => {
  const t = useTestServer({ env: { AUTHSYNC_RATE_LIMIT_EMAIL_RECIPIENT: '2/1h' } });

  it('a third mail to one address within the hour is refused with 429 and not queued', async () => {
    const me = await signUpWithCallback(t);
    const headers = withToken(t, me.accessToken);
    const send = () =>
      api(t, 'POST', '/contact-channels/send-verification-code', { headers, body: { email: me.email, callback_url: CALLBACK } });
    expect((await send()).status).toBe(200);
    const refused = await send();
    expect(refused.status, refused.text).toBe(429);
    expect(await mailCount(t, me.email)).toBe(2);
  });
});
