/**
 * The real Stack SDK (@stackframe/js 2.8.39 and 2.8.108) on both stores: sign-up with a verification callback → the
 * mail → verifyEmail → primaryEmailVerified (and users_sync at once); the errors each call returns rather than throws
 * (§2.8); contact channels created, listed, verified, updated and deleted through the user object.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { describeOnEachStore, type TestServer } from '../helpers/server.js';
import { STACK_JS_VERSIONS, stackJsApps } from '../helpers/stack-js.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

async function syncedVerified(t: TestServer, userId: string): Promise<unknown> {
  const { rows } = await t.server.ctx.db.query<{ raw_json: Record<string, unknown> | string }>(
    'SELECT raw_json FROM neon_auth.users_sync WHERE id = $1',
    [userId],
  );
  const raw = rows[0]!.raw_json;
  return (typeof raw === 'string' ? (JSON.parse(raw) as Record<string, unknown>) : raw).primary_email_verified;
}

/** `user.sendVerificationEmail({callbackUrl})`: the options are read at run time (and needed outside browsers) but missing from the SDK's types. */
function sendVerificationEmail(user: object): Promise<{ errorCode: string } | undefined> {
  return (
    user as { sendVerificationEmail(options: { callbackUrl: string }): Promise<{ errorCode: string } | undefined> }
  ).sendVerificationEmail({
    callbackUrl: CALLBACK,
  });
}

describeOnEachStore('e-mail verification and contact channels through the SDK on %s', (t) => {
  describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (_version, sdk) => {
    const { clientApp } = stackJsApps(t, sdk, { urls: { emailVerification: CALLBACK } });

    async function signedUp() {
      const email = `sdk-${randomUUID().slice(0, 8)}@example.com`;
      const client = clientApp();
      const result = await client.signUpWithCredential({
        email,
        password: 'correct horse battery',
        noRedirect: true,
        verificationCallbackUrl: CALLBACK,
      });
      expect(result.status).toBe('ok');
      const user = await client.getUser({ or: 'throw' });
      return { client, user, email };
    }

    it('signUpWithCredential → mail → verifyEmail → primaryEmailVerified, users_sync at once; the returned errors', async () => {
      const { user, email } = await signedUp();
      expect(user.primaryEmailVerified).toBe(false);
      const code = linkCode((await waitForMail(t, email, { subject: 'Verify your email' })).text, CALLBACK);

      // Not verified yet: sendVerificationEmail sends and returns undefined.
      expect(await sendVerificationEmail(user)).toBeUndefined();

      const verified = await clientApp().verifyEmail(code);
      expect(verified.status).toBe('ok');
      expect(await syncedVerified(t, user.id)).toBe(true);
      // 2.8.51+ cache the user object: read it afresh in a new session.
      const other = clientApp();
      await other.signInWithCredential({ email, password: 'correct horse battery', noRedirect: true });
      expect((await other.getUser({ or: 'throw' })).primaryEmailVerified).toBe(true);

      const again = await clientApp().verifyEmail(code);
      expect(again.status).toBe('error');
      if (again.status === 'error') expect(again.error.errorCode).toBe('VERIFICATION_CODE_ALREADY_USED');
      const unknown = await clientApp().verifyEmail('a'.repeat(45));
      expect(unknown.status).toBe('error');
      if (unknown.status === 'error') expect(unknown.error.errorCode).toBe('VERIFICATION_CODE_NOT_FOUND');

      const alreadyVerified = await sendVerificationEmail(await other.getUser({ or: 'throw' }));
      expect(alreadyVerified?.errorCode).toBe('EMAIL_ALREADY_VERIFIED');
    });

    it('contact channels: create, list, send a code, verify, update, delete', async () => {
      const { client, user, email } = await signedUp();
      const value = `sdk-second-${randomUUID().slice(0, 8)}@example.com`;
      const channel = await user.createContactChannel({ type: 'email', value, usedForAuth: false });
      expect(channel).toMatchObject({ type: 'email', value, isPrimary: false, isVerified: false, usedForAuth: false });

      const listed = await user.listContactChannels();
      expect(listed.map((c) => [c.value, c.isPrimary])).toEqual([
        [email, true],
        [value, false],
      ]);

      await channel.sendVerificationEmail({ callbackUrl: CALLBACK });
      const code = linkCode((await waitForMail(t, value, { subject: 'Verify your email' })).text, CALLBACK);
      expect((await client.verifyEmail(code)).status).toBe('ok');
      // Verified: sending again is EMAIL_ALREADY_VERIFIED, which the SDK drops silently.
      await expect(channel.sendVerificationEmail({ callbackUrl: CALLBACK })).resolves.toBeUndefined();
      const afterVerify = (await user.listContactChannels()).find((c) => c.id === channel.id)!;
      expect(afterVerify.isVerified).toBe(true);

      const renamed = `sdk-renamed-${randomUUID().slice(0, 8)}@example.com`;
      await afterVerify.update({ value: renamed, usedForAuth: true });
      const updated = (await user.listContactChannels()).find((c) => c.id === channel.id)!;
      expect(updated).toMatchObject({ value: renamed, isVerified: false, usedForAuth: true });
      // Used for auth: it signs in.
      const viaChannel = clientApp();
      expect((await viaChannel.signInWithCredential({ email: renamed, password: 'correct horse battery', noRedirect: true })).status).toBe(
        'ok',
      );

      await updated.delete();
      expect((await user.listContactChannels()).map((c) => c.value)).toEqual([email]);
    });
  });
});
