/**
 * Password sign-ups are limited per client address (AUTHSYNC_RATE_LIMIT_SIGN_UP, 30 per 5 minutes by default), before
 * any password hashing or e-mail lookup: concurrent sign-ups from one address create at most the limit, the rest get
 * 429 with Retry-After; other addresses behind a trusted proxy are not affected, and a forged X-Forwarded-For does
 * not buy a new bucket when no proxy is trusted.
 */
import { describe, expect, it } from 'vitest';
import { api, clientHeaders, type TestServer, useTestServer } from '../helpers/server.js';
import { countRows, uniqueEmail } from '../api/support.js';

const signUpFrom = (t: TestServer, address?: string) =>
  api(t, 'POST', '/auth/password/sign-up', {
    headers: clientHeaders(t, address ? { 'x-forwarded-for': address } : {}),
    body: { email: uniqueEmail('limited'), password: 'correct horse battery' },
  });

describe('password sign-up, 5 per address per 10 minutes, behind one trusted proxy', () => {
  const t = useTestServer({ env: { AUTHSYNC_RATE_LIMIT_SIGN_UP: '5/10m', AUTHSYNC_TRUSTED_PROXY_HOPS: '1' } });

  it('creates at most 5 users out of 20 concurrent sign-ups from one address', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => signUpFrom(t, '198.51.100.20')));
    expect(answers.filter((res) => res.status === 200)).toHaveLength(5);
    const refused = answers.filter((res) => res.status === 429);
    expect(refused).toHaveLength(15);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeLessThanOrEqual(120);
    expect(refused[0]!.text).toMatch(/Too many sign-ups/);
    expect(await countRows(t, 'users')).toBe(5);
  });

  it('still serves another client address', async () => {
    expect((await signUpFrom(t, '203.0.113.21')).status).toBe(200);
  });
});

describe('password sign-up without trusted proxies', () => {
  const t = useTestServer({ env: { AUTHSYNC_RATE_LIMIT_SIGN_UP: '3/10m' } });

  it('counts every sign-up from the connection’s address, whatever X-Forwarded-For says', async () => {
    for (let i = 0; i < 3; i++) expect((await signUpFrom(t, `198.51.100.${30 + i}`)).status).toBe(200);
    expect((await signUpFrom(t, '203.0.113.33')).status).toBe(429);
  });
});
