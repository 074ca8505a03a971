/**
 * The real Stack SDK (@stackframe/js 2.8.39 and 2.8.108) on both stores: sendMagicLinkEmail → signInWithMagicLink with
 * the link code and with OTP + nonce (a new user: verified, otpAuthEnabled), the merge into a verified password user,
 * the unverified case thrown, and the code errors returned as Result errors (spec §2.6, §2.8).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { describeOnEachStore } from '../helpers/server.js';
import { STACK_JS_VERSIONS, stackJsApps } from '../helpers/stack-js.js';

const CALLBACK = 'http://localhost:3000/handler/magic-link-callback';
const VERIFY_CALLBACK = 'http://localhost:3000/handler/email-verification';
const PASSWORD = 'correct horse battery';

describeOnEachStore('magic link / OTP through the SDK on %s', (t) => {
  beforeAll(async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true } });
    t.server.ctx.directory.invalidate(t.projectId);
  });

  describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (_version, sdk) => {
    const { clientApp, serverApp } = stackJsApps(t, sdk, { urls: { emailVerification: VERIFY_CALLBACK, magicLinkCallback: CALLBACK } });
    const newEmail = (tag: string) => `sdk-${tag}-${randomUUID().slice(0, 8)}@example.com`;

    /** sendMagicLinkEmail; the nonce it returned, the OTP of the mail's subject and the link's code. */
    async function send(email: string) {
      const sent = await clientApp().sendMagicLinkEmail(email, { callbackUrl: CALLBACK });
      if (sent.status !== 'ok') throw new Error(`sendMagicLinkEmail: ${sent.error.errorCode}`);
      const mail = await waitForMail(t, email, { subject: 'Sign in to' });
      return { nonce: sent.data.nonce, otp: /Your code is ([0-9A-Z]{6})$/.exec(mail.subject)![1]!, code: linkCode(mail.text, CALLBACK) };
    }

    it('signs a new user up with the link code: verified, otpAuthEnabled, no password; a replay is a returned error', async () => {
      const email = newEmail('link');
      const { code } = await send(email);
      const client = clientApp();
      expect((await client.signInWithMagicLink(code, { noRedirect: true })).status).toBe('ok');
      const user = await client.getUser({ or: 'throw' });
      expect(user.primaryEmail).toBe(email);
      expect(user.primaryEmailVerified).toBe(true);
      expect(user.otpAuthEnabled).toBe(true);
      expect(user.hasPassword).toBe(false);

      const replay = await clientApp().signInWithMagicLink(code, { noRedirect: true });
      expect(replay.status === 'error' && replay.error.errorCode).toBe('VERIFICATION_CODE_ALREADY_USED');
    });

    it('signs in with OTP + nonce; a wrong OTP and an expired code are returned errors', async () => {
      const email = newEmail('otp');
      const { nonce, otp } = await send(email);
      const wrong = await clientApp().signInWithMagicLink(`${otp === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ'}${nonce}`, { noRedirect: true });
      expect(wrong.status === 'error' && wrong.error.errorCode).toBe('VERIFICATION_CODE_NOT_FOUND');
      const client = clientApp();
      expect((await client.signInWithMagicLink(`${otp}${nonce}`, { noRedirect: true })).status).toBe('ok');
      expect((await client.getUser({ or: 'throw' })).primaryEmail).toBe(email);

      const later = await send(email);
      await t.server.ctx.db.query(`UPDATE authsync.verification_codes SET expires_at = now() - interval '1 minute' WHERE nonce = $1`, [
        later.nonce,
      ]);
      const expired = await clientApp().signInWithMagicLink(later.code, { noRedirect: true });
      expect(expired.status === 'error' && expired.error.errorCode).toBe('VERIFICATION_CODE_EXPIRED');
    });

    it('merges into a verified password user: same user, otpAuthEnabled, password kept', async () => {
      const email = newEmail('merge');
      const existing = await serverApp().createUser({
        primaryEmail: email,
        password: PASSWORD,
        primaryEmailAuthEnabled: true,
        primaryEmailVerified: true,
      });
      const { code } = await send(email);
      const client = clientApp();
      expect((await client.signInWithMagicLink(code, { noRedirect: true })).status).toBe('ok');
      const user = await client.getUser({ or: 'throw' });
      expect(user.id).toBe(existing.id);
      expect(user.otpAuthEnabled).toBe(true);
      expect(user.hasPassword).toBe(true);
    });

    it('throws USER_EMAIL_ALREADY_EXISTS for an unverified password user; returns REDIRECT_URL_NOT_WHITELISTED', async () => {
      const email = newEmail('unverified');
      const signUp = await clientApp().signUpWithCredential({
        email,
        password: PASSWORD,
        noRedirect: true,
        verificationCallbackUrl: VERIFY_CALLBACK,
      });
      expect(signUp.status).toBe('ok');
      await expect(clientApp().sendMagicLinkEmail(email, { callbackUrl: CALLBACK })).rejects.toMatchObject({
        errorCode: 'USER_EMAIL_ALREADY_EXISTS',
      });
      const untrusted = await clientApp().sendMagicLinkEmail(newEmail('evil'), { callbackUrl: 'https://evil.example.com/cb' });
      expect(untrusted.status === 'error' && untrusted.error.errorCode).toBe('REDIRECT_URL_NOT_WHITELISTED');
    });
  });
});
