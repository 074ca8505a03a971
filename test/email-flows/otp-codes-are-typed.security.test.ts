/**
 * A code works only for the flow it was made for: a password reset code does not sign in by OTP, a sign-in code does
 * not reset a password, and an e-mail verification code does neither (each answers VERIFICATION_CODE_NOT_FOUND, and the
 * code stays valid for its own flow).
 */
import { beforeAll, expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { api, describeOnEachStore, type TestServer } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { expectKnownError, signUp } from '../api/support.js';
import { serverMadeUser } from './password-support.js';

const CALLBACK = 'http://localhost:3000/handler/callback';

async function mailedCode(t: TestServer, email: string, subject: string): Promise<string> {
  return linkCode((await waitForMail(t, email, { subject })).text, CALLBACK);
}

describeOnEachStore('code types on %s', (t) => {
  beforeAll(async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true } });
    t.server.ctx.directory.invalidate(t.projectId);
  });

  it('a password reset code does not sign in, and still resets', async () => {
    const user = await serverMadeUser(t, { primary_email_verified: true, password: 'correct horse battery' });
    await api(t, 'POST', '/auth/password/send-reset-code', { body: { email: user.email, callback_url: CALLBACK } });
    const code = await mailedCode(t, user.email, 'Reset your password');
    expectKnownError(await api(t, 'POST', '/auth/otp/sign-in', { body: { code } }), 'VERIFICATION_CODE_NOT_FOUND', 404);
    expectKnownError(await api(t, 'POST', '/auth/otp/sign-in/check-code', { body: { code } }), 'VERIFICATION_CODE_NOT_FOUND', 404);
    expect((await api(t, 'POST', '/auth/password/reset', { body: { code, password: 'a brand new password' } })).status).toBe(200);
  });

  it('a sign-in code does not reset a password, and still signs in', async () => {
    const user = await serverMadeUser(t, { primary_email_verified: true, password: 'correct horse battery' });
    await api(t, 'POST', '/auth/otp/send-sign-in-code', { body: { email: user.email, callback_url: CALLBACK } });
    const code = await mailedCode(t, user.email, 'Sign in to');
    expectKnownError(
      await api(t, 'POST', '/auth/password/reset', { body: { code, password: 'a brand new password' } }),
      'VERIFICATION_CODE_NOT_FOUND',
      404,
    );
    expectKnownError(await api(t, 'POST', '/auth/password/reset/check-code', { body: { code } }), 'VERIFICATION_CODE_NOT_FOUND', 404);
    const res = await api(t, 'POST', '/auth/otp/sign-in', { body: { code } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.user_id).toBe(user.userId);
  });

  it('an e-mail verification code neither signs in nor resets a password', async () => {
    const user = await signUp(t);
    const send = await api(t, 'POST', '/contact-channels/send-verification-code', {
      headers: {
        'x-stack-access-type': 'client',
        'x-stack-project-id': t.projectId,
        'x-stack-publishable-client-key': t.keys.publishableClientKey,
        'x-stack-access-token': user.accessToken,
        'content-type': 'application/json',
      },
      body: { email: user.email, callback_url: CALLBACK },
    });
    expect(send.status, send.text).toBe(200);
    const code = await mailedCode(t, user.email, 'Verify your email');
    expectKnownError(await api(t, 'POST', '/auth/otp/sign-in', { body: { code } }), 'VERIFICATION_CODE_NOT_FOUND', 404);
    expectKnownError(
      await api(t, 'POST', '/auth/password/reset', { body: { code, password: 'a brand new password' } }),
      'VERIFICATION_CODE_NOT_FOUND',
      404,
    );
  });
});
