/**
 * POST /auth/password/send-reset-code does not tell whether an account exists: the same status, body and headers for
 * a known e-mail, an unknown one and one not used for sign-in, and answers that take the same time (a code and a mail
 * written for the known one must not make its answer measurably slower). An untrusted callback URL is refused alike for
 * both, so that error tells nothing either.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, type TestServer } from '../helpers/server.js';
import { expectKnownError, signUp, uniqueEmail } from '../api/support.js';
import { serverMadeUser } from './password-support.js';

const CALLBACK = 'http://localhost:3000/handler/password-reset';

async function timedSend(t: TestServer, email: string, callbackUrl = CALLBACK) {
  const started = performance.now();
  const res = await api(t, 'POST', '/auth/password/send-reset-code', { body: { email, callback_url: callbackUrl } });
  return { res, ms: performance.now() - started };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The headers that differ per response by nature, left out of the comparison. */
function comparableHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!['date', 'x-stack-request-id', 'x-hexclave-request-id'].includes(name)) out[name] = value;
  });
  return out;
}

describeOnEachStore('send-reset-code on %s', (t) => {
  it('answers a known, an unknown and a non-sign-in e-mail with the same status, body and headers', async () => {
    const known = await signUp(t);
    const notForSignIn = await serverMadeUser(t, { primary_email_auth_enabled: false });
    const answers = await Promise.all([known.email, uniqueEmail('nobody'), notForSignIn.email].map((email) => timedSend(t, email)));
    for (const { res } of answers) {
      expect(res.status).toBe(200);
      expect(res.text).toBe(answers[0]!.res.text);
      expect(comparableHeaders(res.headers)).toEqual(comparableHeaders(answers[0]!.res.headers));
    }
    expect(answers[0]!.res.json).toEqual({ success: 'maybe, only if user with e-mail exists' });
  });

  it('takes the same time for a known e-mail (code and mail written) as for an unknown one', async () => {
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const known = await signUp(t);
      knownTimes.push((await timedSend(t, known.email)).ms);
      unknownTimes.push((await timedSend(t, uniqueEmail('nobody'))).ms);
    }
    const [k, u] = [median(knownTimes), median(unknownTimes)];
    // Both are held to the same floor: a difference of the work done would show as a ratio far from 1.
    expect(Math.abs(k - u), `known ${k.toFixed(0)} ms, unknown ${u.toFixed(0)} ms`).toBeLessThan(100);
    expect(k / u).toBeGreaterThan(0.8);
    expect(k / u).toBeLessThan(1.25);
  });

  it('refuses an untrusted callback URL for a known and an unknown e-mail alike', async () => {
    const known = await signUp(t);
    for (const email of [known.email, uniqueEmail('nobody')]) {
      expectKnownError((await timedSend(t, email, 'https://evil.example.com/reset')).res, 'REDIRECT_URL_NOT_WHITELISTED', 400);
    }
  });
});
