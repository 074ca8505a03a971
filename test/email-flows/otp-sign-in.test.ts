/**
 * Magic link / OTP sign-in over HTTP (spec §2.6): the magic_link_enabled gate, the unverified-e-mail and sign-up
 * rules, new users, the merge into a verified user, the anonymous upgrade, the link code and OTP + nonce, and the
 * code errors in Stack's order.
 */
import { beforeAll, expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { listEmails } from '../../src/email/emails.js';
import { api, clientHeaders, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { PASSWORD, expectKnownError, signIn, signUp, uniqueEmail } from '../api/support.js';
import { serverMadeUser, withProjectConfig } from './password-support.js';

const CALLBACK = 'http://localhost:3000/handler/magic-link-callback';

function sendCode(t: TestServer, email: string, callbackUrl = CALLBACK) {
  return api(t, 'POST', '/auth/otp/send-sign-in-code', { body: { email, callback_url: callbackUrl } });
}

function signInWith(t: TestServer, code: string, headers = clientHeaders(t)) {
  return api(t, 'POST', '/auth/otp/sign-in', { headers, body: { code } });
}

/** Sends a code to `email`; returns the nonce the API answered and the link code and OTP of the mail. */
async function codeFor(t: TestServer, email: string) {
  const res = await sendCode(t, email);
  expect(res.status, res.text).toBe(200);
  const nonce = res.json.nonce as string;
  const mail = await waitForMail(t, email, { subject: 'Sign in to' });
  const otp = /Your code is ([0-9A-Z]{6})$/.exec(mail.subject)?.[1];
  return { nonce, otp: otp!, linkCode: linkCode(mail.text, CALLBACK), mail };
}

/** The token's user in the server shape (which has primary_email_auth_enabled). */
async function me(t: TestServer, accessToken: string) {
  const res = await api(t, 'GET', '/users/me', { headers: serverHeaders(t, { 'x-stack-access-token': accessToken }) });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

describeOnEachStore('magic link / OTP sign-in on %s', (t) => {
  beforeAll(async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true } });
    t.server.ctx.directory.invalidate(t.projectId);
  });

  it('signs up a new user with the link code: verified e-mail used for sign-in, otp_auth_enabled, no password', async () => {
    const email = uniqueEmail('otp-new');
    const { nonce, otp, linkCode: code, mail } = await codeFor(t, email);
    expect(nonce).toMatch(/^[0-9a-hjkmnp-tv-z]{39}$/);
    expect(mail.subject).toBe(`Sign in to Test project: Your code is ${otp}`);
    expect(code).toBe(`${otp.toLowerCase()}${nonce}`);
    expect(mail.html).toContain(nonce);
    // The code alone in its paragraph, where scripts written for Stack's mail look for it.
    expect(/>([A-Z0-9]{6})<\/p>/.exec(mail.html)?.[1]).toBe(otp);

    const check = await api(t, 'POST', '/auth/otp/sign-in/check-code', { body: { code } });
    expect(check.status, check.text).toBe(200);
    expect(check.json).toEqual({ is_code_valid: true });

    const res = await signInWith(t, code);
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['access_token', 'is_new_user', 'refresh_token', 'user_id']);
    expect(res.json.is_new_user).toBe(true);
    const user = await me(t, res.json.access_token as string);
    expect(user.id).toBe(res.json.user_id);
    expect(user).toMatchObject({
      primary_email: email,
      primary_email_verified: true,
      primary_email_auth_enabled: true,
      otp_auth_enabled: true,
      has_password: false,
    });
    expectKnownError(await signInWith(t, code), 'VERIFICATION_CODE_ALREADY_USED', 409);
  });

  it('signs in with the OTP (any case) followed by the nonce; the same user the next time', async () => {
    const email = uniqueEmail('otp-nonce');
    const first = await codeFor(t, email);
    const signedUp = await signInWith(t, `${first.otp}${first.nonce}`);
    expect(signedUp.status, signedUp.text).toBe(200);
    const second = await codeFor(t, email);
    const again = await signInWith(t, `${second.otp.toLowerCase()}${second.nonce}`);
    expect(again.status, again.text).toBe(200);
    expect(again.json.is_new_user).toBe(false);
    expect(again.json.user_id).toBe(signedUp.json.user_id);
  });

  it('merges into a verified password user: same user, otp_auth_enabled turned on, password kept', async () => {
    const user = await serverMadeUser(t, { password: PASSWORD, primary_email_verified: true });
    const { linkCode: code } = await codeFor(t, user.email);
    const res = await signInWith(t, code);
    expect(res.status, res.text).toBe(200);
    expect(res.json.is_new_user).toBe(false);
    expect(res.json.user_id).toBe(user.userId);
    expect(await me(t, res.json.access_token as string)).toMatchObject({ otp_auth_enabled: true, has_password: true });
    expect((await signIn(t, user.email, PASSWORD)).status).toBe(200);
  });

  it('refuses an unverified e-mail used for sign-in with USER_EMAIL_ALREADY_EXISTS (would work if verified), and mails nothing', async () => {
    const user = await signUp(t);
    const res = await sendCode(t, user.email);
    expectKnownError(res, 'USER_EMAIL_ALREADY_EXISTS', 409, { email: user.email, would_work_if_email_was_verified: true });
    expect(await listEmails(t.server.ctx.db, { recipient: user.email, limit: 10 })).toEqual([]);
  });

  it('refuses at sign-in a code whose e-mail was registered unverified after it was sent', async () => {
    const email = uniqueEmail('otp-late');
    const { linkCode: code } = await codeFor(t, email);
    await signUp(t, email);
    expectKnownError(await signInWith(t, code), 'USER_EMAIL_ALREADY_EXISTS', 409, { email, would_work_if_email_was_verified: true });
  });

  it('upgrades the anonymous user of the request in place (same ID)', async () => {
    const anon = await api(t, 'POST', '/auth/anonymous/sign-up', { headers: clientHeaders(t) });
    expect(anon.status, anon.text).toBe(200);
    const email = uniqueEmail('otp-anon');
    const { linkCode: code } = await codeFor(t, email);
    const res = await signInWith(
      t,
      code,
      clientHeaders(t, { 'x-stack-access-token': anon.json.access_token as string, 'x-stack-allow-anonymous-user': 'true' }),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json.user_id).toBe(anon.json.user_id);
    expect(res.json.is_new_user).toBe(true);
    expect(await me(t, res.json.access_token as string)).toMatchObject({
      is_anonymous: false,
      primary_email: email,
      primary_email_verified: true,
    });
  });

  it('answers wrong, expired and over-tried codes with Stack’s errors in Stack’s order', async () => {
    const email = uniqueEmail('otp-errors');
    const { nonce, otp } = await codeFor(t, email);
    const wrongOtp = otp === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ';
    expectKnownError(await signInWith(t, `${wrongOtp}${nonce}`), 'VERIFICATION_CODE_NOT_FOUND', 404);
    expectKnownError(await signInWith(t, 'a'.repeat(45)), 'VERIFICATION_CODE_NOT_FOUND', 404);
    expectKnownError(await signInWith(t, 'a'.repeat(44)), 'SCHEMA_ERROR', 400);
    await t.server.ctx.db.query(`UPDATE authsync.verification_codes SET expires_at = now() - interval '1 minute' WHERE nonce = $1`, [
      nonce,
    ]);
    expectKnownError(await signInWith(t, `${otp}${nonce}`), 'VERIFICATION_CODE_EXPIRED', 400);
    expectKnownError(
      await api(t, 'POST', '/auth/otp/sign-in/check-code', { body: { code: `${otp}${nonce}` } }),
      'VERIFICATION_CODE_EXPIRED',
      400,
    );
  });

  it('refuses an untrusted callback URL with REDIRECT_URL_NOT_WHITELISTED', async () => {
    expectKnownError(await sendCode(t, uniqueEmail('otp-evil'), 'https://evil.example.com/cb'), 'REDIRECT_URL_NOT_WHITELISTED', 400);
  });

  it('with sign-up off: no code for a new e-mail (SIGN_UP_NOT_ENABLED), a verified user still signs in', async () => {
    const user = await serverMadeUser(t, { primary_email_verified: true });
    const pending = await codeFor(t, uniqueEmail('otp-closed'));
    await withProjectConfig(t, { sign_up_enabled: false }, async () => {
      expectKnownError(await sendCode(t, uniqueEmail('otp-closed')), 'SIGN_UP_NOT_ENABLED', 400);
      expectKnownError(await signInWith(t, pending.linkCode), 'SIGN_UP_NOT_ENABLED', 400);
      const { linkCode: code } = await codeFor(t, user.email);
      expect((await signInWith(t, code)).json.user_id).toBe(user.userId);
    });
  });

  it('with magic_link_enabled off: Stack’s plain-text 403 on every OTP endpoint', async () => {
    const pending = await codeFor(t, uniqueEmail('otp-off'));
    await withProjectConfig(t, { magic_link_enabled: false }, async () => {
      for (const res of [
        await sendCode(t, uniqueEmail('otp-off')),
        await signInWith(t, pending.linkCode),
        await api(t, 'POST', '/auth/otp/sign-in/check-code', { body: { code: pending.linkCode } }),
      ]) {
        expect(res.status).toBe(403);
        expect(res.text).toBe('OTP sign-in is not enabled for this project');
        expect(res.headers.get('x-stack-known-error')).toBeNull();
      }
    });
    const project = await api(t, 'GET', '/projects/current');
    expect((project.json.config as Record<string, unknown>).magic_link_enabled).toBe(true);
  });
});
