/**
 * Anonymous sign-up needs only the publishable key, which every visitor has: before, one address created 145
 * anonymous users per second. Now each client address gets 30 per hour by default (AUTHSYNC_RATE_LIMIT_ANONYMOUS_SIGN_UP),
 * counted in the shared database, so a burst of concurrent requests creates exactly that many users; the rest get 429
 * with Retry-After and create nothing. Other addresses (behind a trusted proxy) are not affected.
 */
import { expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, type TestServer } from '../helpers/server.js';
import { countRows } from '../api/support.js';

const anonymousSignUp = (t: TestServer, address?: string) =>
  api(t, 'POST', '/auth/anonymous/sign-up', { headers: clientHeaders(t, address ? { 'x-forwarded-for': address } : {}) });

const defaultLimits = { AUTHSYNC_RATE_LIMITS: 'on', AUTHSYNC_TRUSTED_PROXY_HOPS: '1' };

describeOnEachStore('anonymous sign-up on %s with the default limit (30 per address per hour)', { env: defaultLimits }, (t) => {
  it('creates exactly 30 users out of 80 concurrent requests from one address, and refuses the rest with 429', async () => {
    const answers = await Promise.all(Array.from({ length: 80 }, () => anonymousSignUp(t, '198.51.100.7')));
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    expect(await countRows(t, 'users')).toBe(30);
    const refused = answers.find((res) => res.status === 429)!;
    // One token per 120 s (30 per hour).
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(120);
    expect(refused.headers.get('x-stack-known-error')).toBeNull();
    expect(refused.text).toMatch(/Too many anonymous sign-ups/);
  });

  it('still serves another client address', async () => {
    const res = await anonymousSignUp(t, '203.0.113.8');
    expect(res.status, res.text).toBe(200);
    expect(res.json.access_token).toEqual(expect.any(String));
  });
});
