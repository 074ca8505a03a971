/**
 * Password guessing is rate-limited per account and per client address, in the shared database: before, one account
 * took 71 guesses/s with no limit, and the right password was accepted after 1,434 failures. Now a guess beyond the
 * limit is answered 429 with Retry-After (plain text, which the Stack SDK waits out and retries), the right password
 * included, until the bucket refills; a successful sign-in gives its account token back; the limit holds across
 * client addresses and across servers sharing the database; X-Forwarded-For counts only behind trusted proxies.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sdk28108 from 'stack-js-28108';
import type { RunningServer } from '../../src/server/server.js';
import { api, clientHeaders, describeOnEachStore, startSecondServer, type TestServer, useTestServer } from '../helpers/server.js';
import { expectKnownError, signUp, uniqueEmail } from '../api/support.js';

const RIGHT = 'correct horse battery';

/** A sign-in from `address` (an X-Forwarded-For entry, used when the server trusts one proxy hop). */
function signInFrom(t: { apiUrl: string } & Pick<TestServer, 'projectId' | 'keys'>, email: string, password: string, address?: string) {
  return api(t as TestServer, 'POST', '/auth/password/sign-in', {
    headers: clientHeaders(t as TestServer, address ? { 'x-forwarded-for': address } : {}),
    body: { email, password },
  });
}

/** A 429 as the SDK expects it: Retry-After in whole seconds, plain text, no known-error code. */
function expectRateLimited(res: { status: number; headers: Headers; text: string }): number {
  expect(res.status, res.text).toBe(429);
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(res.headers.get('x-stack-known-error')).toBeNull();
  expect(res.headers.get('access-control-expose-headers')).toContain('retry-after');
  expect(res.text).toMatch(/Too many sign-in attempts/);
  return Number(retryAfter);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A token every 6.7 s: slow enough that none comes back while a loaded machine runs a test's guesses, short enough to
// wait for.
const perAccount = {
  AUTHSYNC_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '3/20s',
  AUTHSYNC_RATE_LIMIT_SIGN_IN: '100/1m',
  AUTHSYNC_TRUSTED_PROXY_HOPS: '1',
};

describeOnEachStore('password sign-in on %s, 3 guesses per account per 20 s', { env: perAccount }, (t) => {
  it('refuses guesses beyond the limit with 429 and Retry-After, the right password too, until the wait is over', async () => {
    const { email } = await signUp(t);
    for (let i = 0; i < 3; i++) expectKnownError(await signInFrom(t, email, `wrong password ${i}`), 'EMAIL_PASSWORD_MISMATCH', 400);
    expectRateLimited(await signInFrom(t, email, 'wrong password 3'));
    const wait = expectRateLimited(await signInFrom(t, email, RIGHT));
    expect(wait).toBeLessThanOrEqual(7);
    await sleep(wait * 1000);
    expect((await signInFrom(t, email, RIGHT)).status).toBe(200);
    // Other accounts were never affected.
    const other = await signUp(t);
    expect((await signInFrom(t, other.email, RIGHT)).status).toBe(200);
  });

  it('counts an account’s guesses from every client address together', async () => {
    const { email } = await signUp(t);
    for (let i = 0; i < 3; i++)
      expectKnownError(await signInFrom(t, email, `wrong ${i} password`, `198.51.100.${i + 1}`), 'EMAIL_PASSWORD_MISMATCH', 400);
    expectRateLimited(await signInFrom(t, email, 'wrong 3 password', '198.51.100.4'));
    expectRateLimited(await signInFrom(t, email.toUpperCase(), RIGHT, '203.0.113.9'));
  });

  it('answers with the override-status header as the SDK asks (200 + x-stack-actual-status), Retry-After kept', async () => {
    const { email } = await signUp(t);
    for (let i = 0; i < 3; i++) await signInFrom(t, email, `wrong password ${i}`);
    const res = await api(t, 'POST', '/auth/password/sign-in', {
      headers: clientHeaders(t, { 'x-stack-override-error-status': 'true' }),
      body: { email, password: RIGHT },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-stack-actual-status')).toBe('429');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('x-stack-known-error')).toBeNull();
  });

  it('the Stack SDK waits out the 429 and then signs in', async () => {
    const { email } = await signUp(t);
    for (let i = 0; i < 3; i++) await signInFrom(t, email, `wrong password ${i}`);
    const logged = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const app = new sdk28108.StackClientApp({
        projectId: t.projectId,
        publishableClientKey: t.keys.publishableClientKey,
        baseUrl: t.url,
        tokenStore: 'memory',
      });
      const result = await app.signInWithCredential({ email, password: RIGHT, noRedirect: true });
      expect(result.status).toBe('ok');
      expect((await app.getUser())?.primaryEmail).toBe(email);
      expect(logged.mock.calls.some(([line]) => String(line).includes('Rate limited') && String(line).includes('retry after'))).toBe(true);
    } finally {
      logged.mockRestore();
    }
  });
});

describe('password sign-in on two servers sharing one database, 3 guesses per account per hour', () => {
  const env = {
    AUTHSYNC_RATE_LIMITS: 'on',
    AUTHSYNC_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '3/1h',
    AUTHSYNC_RATE_LIMIT_SIGN_IN: '1000/1h',
    AUTHSYNC_RATE_LIMIT_SIGN_UP: '1000/1h',
    AUTHSYNC_TRUSTED_PROXY_HOPS: '1',
  };
  const t = useTestServer({ env });
  let second: RunningServer;
  let b: { apiUrl: string; projectId: string; keys: TestServer['keys'] };
  beforeAll(async () => {
    // The second server: same database and data directory (so the same server secret), as behind a load balancer.
    second = await startSecondServer(t, { env });
    b = { apiUrl: `${second.url}/api/v1`, projectId: t.projectId, keys: t.keys };
  });
  afterAll(async () => {
    await second?.stop();
  });

  it('gives a successful sign-in’s token back: signing in often never uses up the account', async () => {
    const { email } = await signUp(t);
    for (let i = 0; i < 8; i++) expect((await signInFrom(i % 2 ? b : t, email, RIGHT)).status).toBe(200);
    for (let i = 0; i < 3; i++) expectKnownError(await signInFrom(t, email, `wrong password ${i}`), 'EMAIL_PASSWORD_MISMATCH', 400);
    expectRateLimited(await signInFrom(t, email, RIGHT));
  });

  it('shares an account’s bucket between the servers', async () => {
    const { email } = await signUp(t);
    expectKnownError(await signInFrom(t, email, 'wrong password 1'), 'EMAIL_PASSWORD_MISMATCH', 400);
    expectKnownError(await signInFrom(b, email, 'wrong password 2'), 'EMAIL_PASSWORD_MISMATCH', 400);
    expectKnownError(await signInFrom(t, email, 'wrong password 3'), 'EMAIL_PASSWORD_MISMATCH', 400);
    expectRateLimited(await signInFrom(b, email, RIGHT));
    expectRateLimited(await signInFrom(t, email, RIGHT));
  });

  it('checks at most the capacity of 300 concurrent guesses spread over both servers and many addresses', async () => {
    const { email } = await signUp(t);
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => signInFrom(i % 2 ? b : t, email, `wrong password ${i}`, `192.0.2.${i % 250}`)),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 400)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(297);
  });
});

describe('the client address without trusted proxies', () => {
  const t = useTestServer({
    env: {
      AUTHSYNC_RATE_LIMITS: 'on',
      AUTHSYNC_RATE_LIMIT_SIGN_IN: '3/1h',
      AUTHSYNC_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: 'off',
      AUTHSYNC_RATE_LIMIT_SIGN_UP: 'off',
    },
  });

  it('ignores a forged X-Forwarded-For: every attempt counts against the connection’s own address', async () => {
    for (let i = 0; i < 3; i++)
      expectKnownError(await signInFrom(t, uniqueEmail(), 'wrong password', `198.51.100.${i}`), 'EMAIL_PASSWORD_MISMATCH', 400);
    expectRateLimited(await signInFrom(t, uniqueEmail(), 'wrong password', '203.0.113.77'));
  });
});

describe('with the default limits', () => {
  const t = useTestServer({ env: { AUTHSYNC_RATE_LIMITS: 'on' } });

  it('lets through 10 guesses on one account, then about one per 90 s (before: 71 guesses/s)', async () => {
    const { email } = await signUp(t);
    const started = performance.now();
    let checked = 0;
    let refused = 0;
    // Eight guessers in parallel for three seconds, as fast as the server answers.
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; performance.now() - started < 3000; i++) {
          const res = await signInFrom(t, email, `guess ${worker}-${i}-${randomUUID()}`);
          if (res.status === 400) checked++;
          else if (res.status === 429) refused++;
          else throw new Error(`unexpected ${res.status} ${res.text}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `default limits: ${checked} guesses checked and ${refused} refused in ${seconds.toFixed(1)} s ` +
        `(${(checked / seconds).toFixed(1)} checked/s in the burst; sustained per account: 10 per 15 min = ${(10 / 900).toFixed(3)}/s)`,
    );
    expect(checked).toBe(10);
    expect(refused).toBeGreaterThan(0);
  });
});
