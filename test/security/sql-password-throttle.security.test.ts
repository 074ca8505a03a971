/**
 * Failed /sql password logins are limited per client address (AUTHSYNC_RATE_LIMIT_SQL_PASSWORD, 10 per minute by
 * default): each login PostgreSQL refuses takes a token, and an address with none left is refused with a Neon-shaped
 * 429 before its next password reaches the database. Before, an address could try passwords as fast as the database
 * answered.
 *
 * What a failed login is here: the test cluster trusts local logins, so a wrong password for an existing role would
 * be accepted; a login as a role that does not exist is refused by PostgreSQL all the same (28000 here; on a cluster
 * with password authentication the very same attempt fails with 28P01 "password authentication failed", and a wrong
 * password for a real role does too). Those are the failures counted; the test uses them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createAppOwner, PASSWORD_PATH_ON, sqlUrls } from '../rls/support.js';

function sqlClient(server: () => { urls: ReturnType<typeof sqlUrls> }) {
  /** A /sql request as the Neon driver sends it, with an X-Forwarded-For entry. */
  async function sql(connectionString: string, address: string) {
    const res = await fetch(server().urls.sqlEndpoint, {
      method: 'POST',
      headers: { 'Neon-Connection-String': connectionString, 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ query: 'SELECT current_user AS who', params: [] }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
  }
  /** The owner URL with a role that does not exist: a login PostgreSQL refuses. */
  const unknownRole = () => {
    const url = new URL(server().urls.databaseUrl);
    url.username = `nobody_${randomUUID().slice(0, 8)}`;
    return url.toString();
  };
  return { sql, unknownRole };
}

async function startSqlServer(env: Record<string, string>) {
  const t = await startTestServer({ env: { ...PASSWORD_PATH_ON, ...env } });
  await createAppOwner(t);
  return { t, urls: sqlUrls(t) };
}

describe('the /sql password path, 3 failed logins per address per 10 minutes, behind one trusted proxy', () => {
  let t: TestServer;
  let urls: ReturnType<typeof sqlUrls>;
  const { sql, unknownRole } = sqlClient(() => ({ urls }));

  beforeAll(async () => {
    ({ t, urls } = await startSqlServer({ AUTHSYNC_RATE_LIMIT_SQL_PASSWORD: '3/10m', AUTHSYNC_TRUSTED_PROXY_HOPS: '1' }));
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('does not count successful logins', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await sql(urls.databaseUrl, '198.51.100.50');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });

  it('refuses an address after 3 failed logins, even with the right password, and serves other addresses', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await sql(unknownRole(), '198.51.100.51');
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/password authentication failed/);
    }
    const refused = await sql(urls.databaseUrl, '198.51.100.51');
    expect(refused.status).toBe(429);
    // Neon's error shape: every field present, code "" for an error of the endpoint itself.
    expect(refused.body).toMatchObject({
      message: expect.stringMatching(/Too many failed logins\. Try again in \d+ seconds?\./),
      code: '',
      severity: '',
    });
    expect(Object.keys(refused.body)).toHaveLength(17);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await sql(unknownRole(), '198.51.100.51')).status).toBe(429);

    expect((await sql(urls.databaseUrl, '203.0.113.52')).status).toBe(200);
  });
});

describe('the /sql password path without trusted proxies', () => {
  let t: TestServer;
  let urls: ReturnType<typeof sqlUrls>;
  const { sql, unknownRole } = sqlClient(() => ({ urls }));
  beforeAll(async () => {
    ({ t, urls } = await startSqlServer({ AUTHSYNC_RATE_LIMIT_SQL_PASSWORD: '3/10m' }));
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('counts failures against the connection’s address, whatever X-Forwarded-For says', async () => {
    for (let i = 0; i < 3; i++) expect((await sql(unknownRole(), `198.51.100.${60 + i}`)).status).toBe(400);
    expect((await sql(urls.databaseUrl, '203.0.113.63')).status).toBe(429);
  });
});
