/**
 * A user with a TOTP secret never gets tokens from the first factor alone: password sign-in answers
 * MULTI_FACTOR_AUTHENTICATION_REQUIRED with an attempt code, and only that code with the current TOTP opens a session
 * (POST /auth/mfa/sign-in), once. The attempt code is no e-mail code, and new attempt codes buy no more TOTP guesses:
 * wrong guesses count per user.
 */
import { generateTOTP } from '@oslojs/otp';
import { describe, expect, it } from 'vitest';
import { api, serverHeaders, useTestServer, type TestServer } from '../helpers/server.js';
import { PASSWORD, expectKnownError, signUp, uniqueEmail, withToken } from '../api/support.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { updateProject } from '../../src/projects/projects.js';

const SECRET = Buffer.from('twenty bytes secret!');
const CALLBACK = 'http://localhost:3000/handler/magic-link-callback';

async function userWithTotp(t: TestServer) {
  const email = uniqueEmail('totp');
  const user = await signUp(t, email);
  const res = await api(t, 'PATCH', `/users/${user.userId}`, {
    headers: serverHeaders(t),
    body: { totp_secret_base64: SECRET.toString('base64') },
  });
  expect(res.status, res.text).toBe(200);
  return { ...user, email };
}

async function attemptCode(t: TestServer, email: string): Promise<string> {
  const res = await api(t, 'POST', '/auth/password/sign-in', { body: { email, password: PASSWORD } });
  expectKnownError(res, 'MULTI_FACTOR_AUTHENTICATION_REQUIRED', 400);
  expect(res.json.access_token).toBeUndefined();
  expect(res.json.error).toBe('Multi-factor authentication is required for this user.');
  return (res.json.details as { attempt_code: string }).attempt_code;
}

describe('the second factor', () => {
  const t = useTestServer({ mode: 'postgres' });

  it('a right password alone gives no tokens; the attempt code with the current TOTP does, once', async () => {
    const alice = await userWithTotp(t);
    const code = await attemptCode(t, alice.email);

    const wrong = await api(t, 'POST', '/auth/mfa/sign-in', {
      body: { type: 'totp', totp: '000000' === generateTOTP(SECRET, 30, 6) ? '111111' : '000000', code },
    });
    expectKnownError(wrong, 'INVALID_TOTP_CODE', 400);

    const right = await api(t, 'POST', '/auth/mfa/sign-in', { body: { type: 'totp', totp: generateTOTP(SECRET, 30, 6), code } });
    expect(right.status, right.text).toBe(200);
    expect(right.json).toMatchObject({ user_id: alice.userId, is_new_user: false });
    const me = await api(t, 'GET', '/users/me', { headers: withToken(t, String(right.json.access_token)) });
    expect(me.json.id).toBe(alice.userId);
    expect(me.json.requires_totp_mfa).toBe(true);

    const again = await api(t, 'POST', '/auth/mfa/sign-in', { body: { type: 'totp', totp: generateTOTP(SECRET, 30, 6), code } });
    expectKnownError(again, 'VERIFICATION_CODE_ALREADY_USED', 409);
  });

  it('an attempt code is not an e-mail sign-in code, and an e-mail code does not skip the second factor', async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true } });
    t.server.ctx.directory.invalidate(t.projectId);
    const bob = await userWithTotp(t);
    const code = await attemptCode(t, bob.email);
    const asOtp = await api(t, 'POST', '/auth/otp/sign-in', { body: { code } });
    expectKnownError(asOtp, 'VERIFICATION_CODE_NOT_FOUND', 404);

    // The user's e-mail is verified, so a mailed sign-in code would sign them in: it yields an attempt code instead.
    await api(t, 'PATCH', `/users/${bob.userId}`, { headers: serverHeaders(t), body: { primary_email_verified: true } });
    await api(t, 'POST', '/auth/otp/send-sign-in-code', { body: { email: bob.email, callback_url: CALLBACK } });
    const mailed = linkCode((await waitForMail(t, bob.email, { subject: 'Sign in to' })).text, CALLBACK);
    const byMail = await api(t, 'POST', '/auth/otp/sign-in', { body: { code: mailed } });
    expectKnownError(byMail, 'MULTI_FACTOR_AUTHENTICATION_REQUIRED', 400);
    expect(byMail.json.access_token).toBeUndefined();
    const viaMail = (byMail.json.details as { attempt_code: string }).attempt_code;
    const done = await api(t, 'POST', '/auth/mfa/sign-in', { body: { type: 'totp', totp: generateTOTP(SECRET, 30, 6), code: viaMail } });
    expect(done.status, done.text).toBe(200);
    expect(done.json.user_id).toBe(bob.userId);
    // The mailed code was spent on the attempt code.
    expectKnownError(await api(t, 'POST', '/auth/otp/sign-in', { body: { code: mailed } }), 'VERIFICATION_CODE_ALREADY_USED', 409);

    // A user without a second factor still signs in with the password alone.
    const carol = await signUp(t);
    const plain = await api(t, 'POST', '/auth/password/sign-in', { body: { email: carol.email, password: PASSWORD } });
    expect(plain.status, plain.text).toBe(200);
  });
});

describe('second-factor guesses, 3 per user per 15 minutes', () => {
  const t = useTestServer({ mode: 'postgres', env: { AUTHSYNC_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '3/15m' } });

  it('new attempt codes buy no more guesses: the 4th wrong TOTP is refused with 429, whatever the code', async () => {
    const dave = await userWithTotp(t);
    const wrongTotp = generateTOTP(SECRET, 30, 6) === '123456' ? '654321' : '123456';
    for (let i = 0; i < 3; i++) {
      const res = await api(t, 'POST', '/auth/mfa/sign-in', {
        body: { type: 'totp', totp: wrongTotp, code: await attemptCode(t, dave.email) },
      });
      expectKnownError(res, 'INVALID_TOTP_CODE', 400);
    }
    const fresh = await attemptCode(t, dave.email);
    const limited = await api(t, 'POST', '/auth/mfa/sign-in', { body: { type: 'totp', totp: generateTOTP(SECRET, 30, 6), code: fresh } });
    expect(limited.status).toBe(429);
  });
});
