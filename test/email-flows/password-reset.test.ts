/**
 * Password reset over HTTP (spec §2.4): send-reset-code → the mail's link → check-code → reset; Stack's errors in
 * Stack's order; the password checked before the code is used; every session ended; the mail sent only to an e-mail
 * used for sign-in.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { listEmails } from '../../src/email/emails.js';
import { PASSWORD, expectKnownError, signIn, signUp, uniqueEmail } from '../api/support.js';
import { refresh, serverMadeUser, withProjectConfig } from './password-support.js';

const CALLBACK = 'http://localhost:3000/handler/password-reset';
const NEW_PASSWORD = 'a brand new password';
const MAYBE = { success: 'maybe, only if user with e-mail exists' };

function sendResetCode(t: TestServer, email: string, callbackUrl = CALLBACK) {
  return api(t, 'POST', '/auth/password/send-reset-code', { body: { email, callback_url: callbackUrl } });
}

async function resetCodeFor(t: TestServer, email: string): Promise<string> {
  const res = await sendResetCode(t, email);
  expect(res.status, res.text).toBe(200);
  const mail = await waitForMail(t, email, { subject: 'Reset your password' });
  expect(mail.html).toContain(CALLBACK);
  return linkCode(mail.text, CALLBACK);
}

describeOnEachStore('password reset on %s', (t) => {
  it('mails a link whose code resets the password; the old password and every session end', async () => {
    const user = await signUp(t);
    const send = await sendResetCode(t, user.email);
    expect(send.status).toBe(200);
    expect(send.json).toEqual(MAYBE);
    const mail = await waitForMail(t, user.email, { subject: 'Reset your password' });
    expect(mail.subject).toBe('Reset your password at Test project');
    const code = linkCode(mail.text, CALLBACK);
    expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{45}$/);

    const check = await api(t, 'POST', '/auth/password/reset/check-code', { body: { code } });
    expect(check.status, check.text).toBe(200);
    expect(check.json).toEqual({ is_code_valid: true });
    // check-code does not use the code.
    expect((await api(t, 'POST', '/auth/password/reset/check-code', { body: { code } })).status).toBe(200);

    const reset = await api(t, 'POST', '/auth/password/reset', { body: { code, password: NEW_PASSWORD } });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.json).toEqual({ success: true });
    expectKnownError(await signIn(t, user.email, PASSWORD), 'EMAIL_PASSWORD_MISMATCH', 400);
    expect((await signIn(t, user.email, NEW_PASSWORD)).status).toBe(200);
    expectKnownError(await refresh(t, user.refreshToken), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);

    expectKnownError(
      await api(t, 'POST', '/auth/password/reset', { body: { code, password: 'another password 2' } }),
      'VERIFICATION_CODE_ALREADY_USED',
      409,
    );
    expectKnownError(await api(t, 'POST', '/auth/password/reset/check-code', { body: { code } }), 'VERIFICATION_CODE_ALREADY_USED', 409);
  });

  it('accepts the code in upper case', async () => {
    const user = await signUp(t);
    const code = await resetCodeFor(t, user.email);
    expect((await api(t, 'POST', '/auth/password/reset', { body: { code: code.toUpperCase(), password: NEW_PASSWORD } })).status).toBe(200);
  });

  it('refuses a too short or too long password without using the code', async () => {
    const user = await signUp(t);
    const code = await resetCodeFor(t, user.email);
    expectKnownError(await api(t, 'POST', '/auth/password/reset', { body: { code, password: 'short' } }), 'PASSWORD_TOO_SHORT', 400, {
      min_length: 8,
    });
    expectKnownError(await api(t, 'POST', '/auth/password/reset', { body: { code, password: 'x'.repeat(71) } }), 'PASSWORD_TOO_LONG', 400, {
      maxLength: 70,
    });
    expect((await api(t, 'POST', '/auth/password/reset', { body: { code, password: NEW_PASSWORD } })).status).toBe(200);
  });

  it('answers a code error before a password error (Stack’s order)', async () => {
    const res = await api(t, 'POST', '/auth/password/reset', { body: { code: 'a'.repeat(45), password: 'short' } });
    expectKnownError(res, 'VERIFICATION_CODE_NOT_FOUND', 404);
  });

  it('refuses a code of another length with SCHEMA_ERROR', async () => {
    expectKnownError(
      await api(t, 'POST', '/auth/password/reset', { body: { code: 'a'.repeat(44), password: NEW_PASSWORD } }),
      'SCHEMA_ERROR',
      400,
    );
    expectKnownError(await api(t, 'POST', '/auth/password/reset/check-code', { body: { code: 'a'.repeat(46) } }), 'SCHEMA_ERROR', 400);
  });

  it('answers an expired code with VERIFICATION_CODE_EXPIRED', async () => {
    const user = await signUp(t);
    const code = await resetCodeFor(t, user.email);
    await t.server.ctx.db.query(
      `UPDATE authsync.verification_codes SET expires_at = now() - interval '1 minute' WHERE project_id = $1 AND type = 'PASSWORD_RESET' AND email = $2`,
      [t.projectId, user.email],
    );
    expectKnownError(await api(t, 'POST', '/auth/password/reset/check-code', { body: { code } }), 'VERIFICATION_CODE_EXPIRED', 400);
    expectKnownError(
      await api(t, 'POST', '/auth/password/reset', { body: { code, password: NEW_PASSWORD } }),
      'VERIFICATION_CODE_EXPIRED',
      400,
    );
    expect((await signIn(t, user.email, PASSWORD)).status).toBe(200);
  });

  it('gives a password to a user who had none (signed up by OAuth or e-mail code)', async () => {
    const user = await serverMadeUser(t);
    const code = await resetCodeFor(t, user.email);
    expect((await api(t, 'POST', '/auth/password/reset', { body: { code, password: NEW_PASSWORD } })).status).toBe(200);
    expect((await signIn(t, user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('answers an unknown e-mail the same way, and mails nothing', async () => {
    const email = uniqueEmail('nobody');
    const res = await sendResetCode(t, email);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(MAYBE);
    expect(await listEmails(t.server.ctx.db, { recipient: email, limit: 10 })).toEqual([]);
  });

  it('mails only an e-mail used for sign-in', async () => {
    const user = await serverMadeUser(t, { primary_email_auth_enabled: false });
    const res = await sendResetCode(t, user.email);
    expect(res.json).toEqual(MAYBE);
    expect(await listEmails(t.server.ctx.db, { recipient: user.email, limit: 10 })).toEqual([]);
  });

  it('refuses an untrusted callback URL with REDIRECT_URL_NOT_WHITELISTED, for known and unknown e-mails alike', async () => {
    const user = await signUp(t);
    expectKnownError(await sendResetCode(t, user.email, 'https://evil.example.com/reset'), 'REDIRECT_URL_NOT_WHITELISTED', 400);
    expectKnownError(await sendResetCode(t, uniqueEmail('nobody'), 'https://evil.example.com/reset'), 'REDIRECT_URL_NOT_WHITELISTED', 400);
    expect(await listEmails(t.server.ctx.db, { recipient: user.email, limit: 10 })).toEqual([]);
  });

  it('answers PASSWORD_AUTHENTICATION_NOT_ENABLED when password sign-in is off', async () => {
    const user = await signUp(t);
    const code = await resetCodeFor(t, user.email);
    await withProjectConfig(t, { credential_enabled: false }, async () => {
      expectKnownError(await sendResetCode(t, user.email), 'PASSWORD_AUTHENTICATION_NOT_ENABLED', 400);
      expectKnownError(
        await api(t, 'POST', '/auth/password/reset', { body: { code, password: NEW_PASSWORD } }),
        'PASSWORD_AUTHENTICATION_NOT_ENABLED',
        400,
      );
    });
  });

  it('works with server access too, and needs no user token', async () => {
    const user = await signUp(t);
    const res = await api(t, 'POST', '/auth/password/send-reset-code', {
      headers: serverHeaders(t),
      body: { email: user.email, callback_url: CALLBACK },
    });
    expect(res.status, res.text).toBe(200);
    await waitForMail(t, user.email, { subject: 'Reset your password' });
  });
});
