/**
 * The dashboard's sign-in limiter: before, it lived in memory, per process and per address, and counted a failure only
 * after the asynchronous check, so 300 concurrent wrong attempts were all checked. Now every attempt takes a token
 * before the secret is checked, from two buckets in the shared database, the client address's and the presented
 * secret's (10 per minute each by default), and a right secret gives both back. An attacker uses up the buckets of
 * their own address and of the secrets they try: never the real admin's, who still signs in from another address.
 */
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';

const ADMIN_SECRET = 'limiter-test-admin-secret-0123456789';

describe('dashboard sign-in limiter, 10 per hour (default: per minute), behind one trusted proxy', () => {
  // Per hour rather than the default per minute: no token comes back while a loaded machine answers 300 requests.
  const t = useTestServer({
    env: { AUTHSYNC_ADMIN_SECRET: ADMIN_SECRET, AUTHSYNC_TRUSTED_PROXY_HOPS: '1', AUTHSYNC_RATE_LIMIT_DASHBOARD_SIGN_IN: '10/1h' },
  });
  const signIn = (secret: string, address: string) =>
    fetch(`${t.url}/dashboard/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(t.url).origin, 'x-forwarded-for': address },
      body: new URLSearchParams({ secret }).toString(),
    });

  it('checks at most 10 of 300 concurrent wrong attempts from one address; the admin still signs in from another', async () => {
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => signIn(`wrong-secret-${i}`, '198.51.100.66')));
    const statuses = answers.map((res) => res.status);
    // 401: the secret was checked and refused; 429: refused before any check.
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(290);
    const limited = answers.find((res) => res.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many failed sign-in attempts. Try again in');

    const admin = await signIn(ADMIN_SECRET, '203.0.113.10');
    expect(admin.status).toBe(303);
    expect(admin.headers.get('set-cookie')).toMatch(/authsync_dashboard=/);
    // From the attacker's own address, the admin waits like everyone there.
    expect((await signIn(ADMIN_SECRET, '198.51.100.66')).status).toBe(429);
  });

  it('limits one secret tried from many addresses', async () => {
    for (let i = 0; i < 10; i++) expect((await signIn('the-same-wrong-secret', `192.0.2.${i}`)).status).toBe(401);
    expect((await signIn('the-same-wrong-secret', '192.0.2.200')).status).toBe(429);
    // Neither the admin's address nor the admin's secret was touched.
    expect((await signIn(ADMIN_SECRET, '192.0.2.201')).status).toBe(303);
  });

  it('does not count successful sign-ins', async () => {
    for (let i = 0; i < 15; i++) expect((await signIn(ADMIN_SECRET, '203.0.113.11')).status).toBe(303);
    expect((await signIn('a-wrong-secret', '203.0.113.11')).status).toBe(401);
  });
});
