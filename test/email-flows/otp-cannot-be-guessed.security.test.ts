/**
 * A 6-character OTP is guessable in principle (32^6), so every attempt counts on all codes sharing the nonce: after 20
 * attempts, right or wrong, through sign-in or check-code, the code answers VERIFICATION_CODE_MAX_ATTEMPTS_REACHED, the
 * right OTP included. A new code (a new nonce) is not affected.
 */
import { beforeAll, expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { api, describeOnEachStore, type TestServer } from '../helpers/server.js';
import { waitForMail } from '../helpers/mail.js';
import { expectKnownError, uniqueEmail } from '../api/support.js';

const CALLBACK = 'http://localhost:3000/handler/magic-link-callback';

async function sendCode(t: TestServer, email: string) {
  const res = await api(t, 'POST', '/auth/otp/send-sign-in-code', { body: { email, callback_url: CALLBACK } });
  expect(res.status, res.text).toBe(200);
  const nonce = res.json.nonce as string;
  // The newest mail is this one: wait until its subject names an OTP that, with this nonce, is a code of ours.
  const mail = await waitForMail(t, email, { subject: 'Sign in to' });
  expect(mail.html).toContain(nonce);
  return { nonce, otp: /Your code is ([0-9A-Z]{6})$/.exec(mail.subject)![1]! };
}

/** The i-th wrong OTP: never the right one. */
const wrongOtp = (otp: string, i: number) => {
  const guess = `ZZZZ${String(i).padStart(2, '0')}`;
  return guess === otp ? `YYYY${String(i).padStart(2, '0')}` : guess;
};

describeOnEachStore('OTP guessing on %s', (t) => {
  beforeAll(async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true } });
    t.server.ctx.directory.invalidate(t.projectId);
  });

  it('stops a nonce after 20 attempts: the right OTP then answers MAX_ATTEMPTS_REACHED', async () => {
    const email = uniqueEmail('guess');
    const { nonce, otp } = await sendCode(t, email);
    for (let i = 0; i < 20; i++) {
      const path = i % 2 === 0 ? '/auth/otp/sign-in' : '/auth/otp/sign-in/check-code';
      expectKnownError(await api(t, 'POST', path, { body: { code: `${wrongOtp(otp, i)}${nonce}` } }), 'VERIFICATION_CODE_NOT_FOUND', 404);
    }
    expectKnownError(
      await api(t, 'POST', '/auth/otp/sign-in', { body: { code: `${otp}${nonce}` } }),
      'VERIFICATION_CODE_MAX_ATTEMPTS_REACHED',
      400,
    );
    expectKnownError(
      await api(t, 'POST', '/auth/otp/sign-in/check-code', { body: { code: `${otp}${nonce}` } }),
      'VERIFICATION_CODE_MAX_ATTEMPTS_REACHED',
      400,
    );

    // A new code for the same e-mail has its own nonce and its own 20 attempts.
    const fresh = await sendCode(t, email);
    expect(fresh.nonce).not.toBe(nonce);
    const res = await api(t, 'POST', '/auth/otp/sign-in', { body: { code: `${fresh.otp}${fresh.nonce}` } });
    expect(res.status, res.text).toBe(200);
  });

  it('lets the right OTP in after 19 wrong attempts (the limit is 20, not fewer)', async () => {
    const { nonce, otp } = await sendCode(t, uniqueEmail('guess19'));
    for (let i = 0; i < 19; i++) {
      expectKnownError(
        await api(t, 'POST', '/auth/otp/sign-in', { body: { code: `${wrongOtp(otp, i)}${nonce}` } }),
        'VERIFICATION_CODE_NOT_FOUND',
        404,
      );
    }
    expect((await api(t, 'POST', '/auth/otp/sign-in', { body: { code: `${otp}${nonce}` } })).status).toBe(200);
  });
});
