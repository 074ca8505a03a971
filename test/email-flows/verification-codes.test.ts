/**
 * The mechanics of the e-mail flows' codes (src/auth/verification-codes.ts) on both stores: the code's shape and link,
 * the trusted callback URL, Stack's error precedence (not found → expired → used → max attempts), 20 attempts shared by
 * every code with the same nonce, 7-day expiry, single use under concurrent redeems, upper-case input, and a code being
 * unknown in another project.
 */
import { expect, it } from 'vitest';
import {
  checkVerificationCode,
  consumeVerificationCode,
  createVerificationCode,
  redeemVerificationCode,
  verificationCodeField,
  type VerificationCodeType,
} from '../../src/auth/verification-codes.js';
import { parseProjectConfig } from '../../src/projects/project-config.js';
import { createProject } from '../../src/projects/projects.js';
import { describeOnEachStore, type TestServer } from '../helpers/server.js';

const config = parseProjectConfig({});
const CALLBACK = 'http://localhost:3000/handler/email-verification';

function create(t: TestServer, overrides: { type?: VerificationCodeType; callbackUrl?: string; projectId?: string } = {}) {
  return createVerificationCode(t.server.ctx.db, {
    projectId: overrides.projectId ?? t.projectId,
    config,
    type: overrides.type ?? 'CONTACT_CHANNEL_VERIFICATION',
    email: 'someone@example.com',
    data: { user_id: 'u-1' },
    callbackUrl: overrides.callbackUrl ?? CALLBACK,
  });
}

function check(t: TestServer, code: string, type: VerificationCodeType = 'CONTACT_CHANNEL_VERIFICATION', projectId = t.projectId) {
  return checkVerificationCode(t.server.ctx.db, { projectId, type, code });
}

async function setRow(t: TestServer, code: string, set: string) {
  await t.server.ctx.db.query(`UPDATE authsync.verification_codes SET ${set} WHERE nonce = $1`, [code.slice(6)]);
}

describeOnEachStore('verification codes on %s', (t) => {
  it('a code is 45 lower-case Crockford base32 characters; nonce, OTP and link derive from it', async () => {
    const created = await create(t, { callbackUrl: 'http://localhost:3000/cb?keep=1&code=old' });
    expect(created.code).toMatch(/^[0-9a-hjkmnp-tv-z]{45}$/);
    expect(created.nonce).toBe(created.code.slice(6));
    expect(created.otp).toBe(created.code.slice(0, 6).toUpperCase());
    const link = new URL(created.link);
    expect(link.origin + link.pathname).toBe('http://localhost:3000/cb');
    expect(link.searchParams.get('keep')).toBe('1');
    expect(link.searchParams.getAll('code')).toEqual([created.code]);
    const found = await check(t, created.code);
    expect(found).toMatchObject({
      projectId: t.projectId,
      email: 'someone@example.com',
      data: { user_id: 'u-1' },
      callbackUrl: 'http://localhost:3000/cb?keep=1&code=old',
    });
  });

  it('an untrusted callback URL is REDIRECT_URL_NOT_WHITELISTED and stores nothing', async () => {
    const count = async () =>
      (await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authsync.verification_codes')).rows[0]!.n;
    const before = await count();
    await expect(create(t, { callbackUrl: 'https://evil.example.net/handler' })).rejects.toMatchObject({
      code: 'REDIRECT_URL_NOT_WHITELISTED',
    });
    await expect(create(t, { callbackUrl: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'REDIRECT_URL_NOT_WHITELISTED' });
    expect(await count()).toBe(before);
  });

  it('the field admits exactly 45 characters', () => {
    expect(verificationCodeField.safeParse('a'.repeat(45)).success).toBe(true);
    expect(verificationCodeField.safeParse('a'.repeat(44)).success).toBe(false);
    expect(verificationCodeField.safeParse('a'.repeat(46)).success).toBe(false);
    expect(verificationCodeField.safeParse(45).success).toBe(false);
  });

  it('upper-case input is accepted; an unknown code, a wrong type and another project are "not found"', async () => {
    const { code } = await create(t);
    await expect(check(t, code.toUpperCase())).resolves.toMatchObject({ type: 'CONTACT_CHANNEL_VERIFICATION' });
    await expect(check(t, 'a'.repeat(45))).rejects.toMatchObject({ code: 'VERIFICATION_CODE_NOT_FOUND', status: 404 });
    await expect(check(t, code, 'PASSWORD_RESET')).rejects.toMatchObject({ code: 'VERIFICATION_CODE_NOT_FOUND' });
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other project' });
    await expect(check(t, code, 'CONTACT_CHANNEL_VERIFICATION', other.project.id)).rejects.toMatchObject({
      code: 'VERIFICATION_CODE_NOT_FOUND',
    });
    // The other project's own code is unknown here too.
    const theirs = await create(t, { projectId: other.project.id });
    await expect(check(t, theirs.code)).rejects.toMatchObject({ code: 'VERIFICATION_CODE_NOT_FOUND' });
    await expect(check(t, theirs.code, 'CONTACT_CHANNEL_VERIFICATION', other.project.id)).resolves.toBeDefined();
  });

  it('precedence: expired before used before max attempts', async () => {
    const { code } = await create(t);
    await setRow(t, code, `used_at = now(), attempt_count = 50, expires_at = now() - interval '1 second'`);
    await expect(check(t, code)).rejects.toMatchObject({ code: 'VERIFICATION_CODE_EXPIRED', status: 400 });
    await setRow(t, code, `expires_at = now() + interval '1 day'`);
    await expect(check(t, code)).rejects.toMatchObject({ code: 'VERIFICATION_CODE_ALREADY_USED', status: 409 });
    await setRow(t, code, `used_at = NULL`);
    await expect(check(t, code)).rejects.toMatchObject({ code: 'VERIFICATION_CODE_MAX_ATTEMPTS_REACHED', status: 400 });
  });

  it('a code expires after 7 days', async () => {
    const { code } = await create(t);
    const { rows } = await t.server.ctx.db.query<{ days: number }>(
      `SELECT round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days FROM authsync.verification_codes WHERE nonce = $1`,
      [code.slice(6)],
    );
    expect(rows[0]!.days).toBe(7);
    await setRow(t, code, `expires_at = now() - interval '1 second'`);
    await expect(check(t, code)).rejects.toMatchObject({ code: 'VERIFICATION_CODE_EXPIRED' });
  });

  it('20 attempts per nonce: wrong OTPs with the nonce count on the right code', async () => {
    const { code, nonce } = await create(t, { type: 'ONE_TIME_PASSWORD' });
    const wrong = (i: number) => `${i.toString(32).padStart(6, 'z')}`.replace(/[ilou]/g, 'z').slice(0, 6) + nonce;
    for (let i = 0; i < 19; i++) {
      const guess = wrong(i);
      if (guess === code) continue;
      await expect(check(t, guess, 'ONE_TIME_PASSWORD')).rejects.toMatchObject({ code: 'VERIFICATION_CODE_NOT_FOUND' });
    }
    // The 20th attempt, the right one, still works (check does not consume).
    await expect(check(t, code, 'ONE_TIME_PASSWORD')).resolves.toBeDefined();
    await expect(check(t, code, 'ONE_TIME_PASSWORD')).rejects.toMatchObject({ code: 'VERIFICATION_CODE_MAX_ATTEMPTS_REACHED' });
    // A different code (another nonce) is unaffected.
    const fresh = await create(t, { type: 'ONE_TIME_PASSWORD' });
    await expect(check(t, fresh.code, 'ONE_TIME_PASSWORD')).resolves.toBeDefined();
  });

  it('an attempt counts even when the work after it rolls back', async () => {
    const { code } = await create(t);
    await expect(
      redeemVerificationCode(t.server.ctx.db, { projectId: t.projectId, type: 'CONTACT_CHANNEL_VERIFICATION', code }, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    const { rows } = await t.server.ctx.db.query<{ attempt_count: number; used: boolean }>(
      'SELECT attempt_count, used_at IS NOT NULL AS used FROM authsync.verification_codes WHERE nonce = $1',
      [code.slice(6)],
    );
    expect(rows[0]).toEqual({ attempt_count: 1, used: false });
  });

  it('single use: of two concurrent redeems exactly one succeeds, the other is ALREADY_USED', async () => {
    const { code } = await create(t);
    const input = { projectId: t.projectId, type: 'CONTACT_CHANNEL_VERIFICATION' as const, code };
    const results = await Promise.allSettled([0, 1].map(() => redeemVerificationCode(t.server.ctx.db, input, async () => 'done')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'VERIFICATION_CODE_ALREADY_USED' });
    await expect(check(t, code)).rejects.toMatchObject({ code: 'VERIFICATION_CODE_ALREADY_USED' });
  });

  it('consuming a code twice in separate transactions is ALREADY_USED the second time', async () => {
    const { code } = await create(t);
    const found = await check(t, code);
    await t.server.ctx.db.transaction((tx) => consumeVerificationCode(tx, found));
    await expect(t.server.ctx.db.transaction((tx) => consumeVerificationCode(tx, found))).rejects.toMatchObject({
      code: 'VERIFICATION_CODE_ALREADY_USED',
    });
  });
});
