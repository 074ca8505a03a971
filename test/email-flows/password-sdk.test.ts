/**
 * The real Stack SDK (@stackframe/js 2.8.39 and 2.8.108) on both stores: forgot password → the mail → check → reset →
 * sign-in with the new password; updatePassword and setPassword; each error returned or thrown as the SDK expects
 * (spec §2.8).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { describeOnEachStore } from '../helpers/server.js';
import { STACK_JS_VERSIONS, stackJsApps } from '../helpers/stack-js.js';
import { refresh, serverMadeUser } from './password-support.js';

const RESET_CALLBACK = 'http://localhost:3000/handler/password-reset';
const VERIFY_CALLBACK = 'http://localhost:3000/handler/email-verification';
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new password';

describeOnEachStore('passwords through the SDK on %s', (t) => {
  describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (_version, sdk) => {
    const { clientApp } = stackJsApps(t, sdk, { urls: { emailVerification: VERIFY_CALLBACK, passwordReset: RESET_CALLBACK } });
    async function signedUp(email = `sdk-pw-${randomUUID().slice(0, 8)}@example.com`) {
      const client = clientApp();
      const result = await client.signUpWithCredential({
        email,
        password: PASSWORD,
        noRedirect: true,
        verificationCallbackUrl: VERIFY_CALLBACK,
      });
      expect(result.status).toBe('ok');
      const user = await client.getUser({ or: 'throw' });
      return { client, user, email, refreshToken: (await user.getAuthJson()).refreshToken! };
    }

    async function signInResult(email: string, password: string) {
      return clientApp().signInWithCredential({ email, password, noRedirect: true });
    }

    it('sendForgotPasswordEmail → mail → verifyPasswordResetCode → resetPassword → the new password signs in', async () => {
      const { email, refreshToken } = await signedUp();
      const app = clientApp();
      expect((await app.sendForgotPasswordEmail(email, { callbackUrl: RESET_CALLBACK })).status).toBe('ok');
      const code = linkCode((await waitForMail(t, email, { subject: 'Reset your password' })).text, RESET_CALLBACK);

      expect((await app.verifyPasswordResetCode(code)).status).toBe('ok');
      // A password the rules refuse is thrown, and leaves the code valid.
      await expect(app.resetPassword({ code, password: 'short' })).rejects.toMatchObject({ errorCode: 'PASSWORD_TOO_SHORT' });
      expect((await app.resetPassword({ code, password: NEW_PASSWORD })).status).toBe('ok');

      const old = await signInResult(email, PASSWORD);
      expect(old.status === 'error' && old.error.errorCode).toBe('EMAIL_PASSWORD_MISMATCH');
      expect((await signInResult(email, NEW_PASSWORD)).status).toBe('ok');
      expect((await refresh(t, refreshToken)).status).toBe(401);

      // The code is used: the verification errors are returned.
      const again = await app.resetPassword({ code, password: 'yet another password' });
      expect(again.status === 'error' && again.error.errorCode).toBe('VERIFICATION_CODE_ALREADY_USED');
      const check = await app.verifyPasswordResetCode(code);
      expect(check.status === 'error' && check.error.errorCode).toBe('VERIFICATION_CODE_ALREADY_USED');
      const unknown = await app.resetPassword({ code: 'a'.repeat(45), password: NEW_PASSWORD });
      expect(unknown.status === 'error' && unknown.error.errorCode).toBe('VERIFICATION_CODE_NOT_FOUND');
    });

    it('sendForgotPasswordEmail: ok for an unknown e-mail; an untrusted callback URL is thrown', async () => {
      const app = clientApp();
      expect((await app.sendForgotPasswordEmail(`nobody-${randomUUID()}@example.com`, { callbackUrl: RESET_CALLBACK })).status).toBe('ok');
      await expect(
        app.sendForgotPasswordEmail('someone@example.com', { callbackUrl: 'https://evil.example.com/reset' }),
      ).rejects.toMatchObject({
        errorCode: 'REDIRECT_URL_NOT_WHITELISTED',
      });
    });

    it('updatePassword: returns PASSWORD_CONFIRMATION_MISMATCH and PASSWORD_TOO_SHORT; on success ends the other sessions, keeps its own', async () => {
      const { user, email } = await signedUp();
      const other = clientApp();
      expect((await other.signInWithCredential({ email, password: PASSWORD, noRedirect: true })).status).toBe('ok');
      const otherRefresh = (await (await other.getUser({ or: 'throw' })).getAuthJson()).refreshToken!;

      const wrong = await user.updatePassword({ oldPassword: 'not the password', newPassword: NEW_PASSWORD });
      expect(wrong?.errorCode).toBe('PASSWORD_CONFIRMATION_MISMATCH');
      const short = await user.updatePassword({ oldPassword: PASSWORD, newPassword: 'short' });
      expect(short?.errorCode).toBe('PASSWORD_TOO_SHORT');
      expect((await refresh(t, otherRefresh)).status).toBe(200);

      expect(await user.updatePassword({ oldPassword: PASSWORD, newPassword: NEW_PASSWORD })).toBeUndefined();
      expect((await refresh(t, otherRefresh)).status).toBe(401);
      expect((await refresh(t, (await user.getAuthJson()).refreshToken!)).status).toBe(200);
      expect((await signInResult(email, NEW_PASSWORD)).status).toBe('ok');
    });

    it('setPassword: a user without a password gets one; the rules’ errors are returned', async () => {
      const made = await serverMadeUser(t);
      const client = new sdk.StackClientApp({
        projectId: t.projectId,
        publishableClientKey: t.keys.publishableClientKey,
        baseUrl: t.url,
        tokenStore: { accessToken: made.accessToken, refreshToken: made.refreshToken },
      });
      const user = await client.getUser({ or: 'throw' });
      expect(user.hasPassword).toBe(false);
      const short = await user.setPassword({ password: 'short' });
      expect(short?.errorCode).toBe('PASSWORD_TOO_SHORT');
      expect(await user.setPassword({ password: NEW_PASSWORD })).toBeUndefined();
      expect((await signInResult(made.email, NEW_PASSWORD)).status).toBe('ok');
      // A second set is Stack's plain-text 400, which the SDK throws.
      await expect(user.setPassword({ password: 'another password 3' })).rejects.toThrow(/already has a password/);
    });
  });
});
