/**
 * Property: /sql opens at most AUTHSYNC_SQL_MAX_CONNECTIONS_PER_DATABASE connections to one app database, all its
 * roles together, and a request that finds none free within AUTHSYNC_SQL_POOL_WAIT_TIMEOUT gets a clear error (503,
 * Neon's error JSON) instead of waiting on. The attack: slow requests held 40 connections across two app databases
 * (20 per role pool, no wait limit) and exhausted a cluster of 60 slots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { useTestServer } from '../helpers/server.js';
import { signUp, signUpAnonymous, sqlUrls } from '../rls/support.js';
import { anonymousToken, postSql, sqlConnections, type SqlAnswer } from './sql-limits-support.js';

const CAP = 3;
const WAIT_MS = 1500;
const ENV = {
  AUTHSYNC_SQL_MAX_CONNECTIONS_PER_DATABASE: String(CAP),
  AUTHSYNC_SQL_POOL_WAIT_TIMEOUT: String(WAIT_MS),
  AUTHSYNC_SQL_MAX_REQUESTS_PER_USER: '50',
  AUTHSYNC_SQL_STATEMENT_TIMEOUT_AUTHENTICATED: '20000',
  AUTHSYNC_SQL_STATEMENT_TIMEOUT_ANONYMOUS: '20000',
};

const t = useTestServer({ env: ENV });
let second: TestDatabase;
let urls: ReturnType<typeof sqlUrls>;
let secondUrl: string;
let secondToken: string;
let secondProject: { id: string; key: string };

beforeAll(async () => {
  urls = sqlUrls(t);
  second = await createTestDatabase('authsync_app');
  const { project, keys } = await createProject(t.server.ctx.db, t.server.ctx.box, {
    displayName: 'Second app',
    appDatabaseUrl: second.url,
  });
  secondUrl = `postgresql://anonymous@${project.id}.localhost/${second.name}`;
  secondToken = await anonymousToken(t.apiUrl, project.id, keys.publishableClientKey);
  secondProject = { id: project.id, key: keys.publishableClientKey };
});

afterAll(async () => {
  await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
  await second?.drop();
});

describe('/sql connection caps', () => {
  it(
    `holding requests on two app databases: never more than ${CAP} connections per database; the rest get a clear 503 after the pool wait`,
    { timeout: 60_000 },
    async () => {
      const alice = (await signUp(t, 'alice@example.com')).accessToken;
      const visitor = (await signUpAnonymous(t)).accessToken;
      const firstDb = new URL(t.databaseUrl!).pathname.slice(1);
      const hold = { query: 'SELECT pg_sleep(3)' };
      // Six on the first database (two roles: two pools, one cap), six on the second.
      const requests: Promise<SqlAnswer>[] = [
        ...Array.from({ length: 3 }, () => postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, alice, hold)),
        ...Array.from({ length: 3 }, () => postSql(urls.sqlEndpoint, urls.anonymousUrl, visitor, hold)),
        ...Array.from({ length: 6 }, () => postSql(urls.sqlEndpoint, secondUrl, secondToken, hold)),
      ];
      let settled = false;
      const all = Promise.all(requests).finally(() => (settled = true));
      const seen = { first: 0, second: 0 };
      while (!settled) {
        const [first, other] = await Promise.all([sqlConnections(t.databaseUrl!, firstDb), sqlConnections(second.url, second.name)]);
        seen.first = Math.max(seen.first, first);
        seen.second = Math.max(seen.second, other);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const answers = await all;
      console.log(`most /sql connections seen: ${seen.first} on the first database, ${seen.second} on the second (cap ${CAP})`);
      expect(seen.first).toBe(CAP);
      expect(seen.second).toBe(CAP);

      for (const [name, group] of [
        ['first', answers.slice(0, 6)],
        ['second', answers.slice(6)],
      ] as const) {
        const served = group.filter((a) => a.status === 200);
        const refused = group.filter((a) => a.status === 503);
        expect({ name, served: served.length, refused: refused.length }).toEqual({ name, served: CAP, refused: 6 - CAP });
        for (const answer of refused) {
          expect(answer.body.message).toBe(
            `timed out after ${WAIT_MS} ms waiting for a database connection: all ${CAP} connections to this database are busy; retry later`,
          );
          expect(Object.keys(answer.body)).toHaveLength(17);
          expect(answer.ms).toBeGreaterThan(WAIT_MS - 100);
        }
      }

      // Once the holders are done, both databases serve again.
      expect((await postSql(urls.sqlEndpoint, urls.anonymousUrl, visitor, { query: 'SELECT 1' })).status).toBe(200);
      expect((await postSql(urls.sqlEndpoint, secondUrl, secondToken, { query: 'SELECT 1' })).status).toBe(200);
    },
  );

  it('connections idle in one role pool make room for another role of the same database', { timeout: 60_000 }, async () => {
    // The second database's pools: only anonymous connections so far, CAP of them idle after the first test.
    expect(await sqlConnections(second.url, second.name)).toBe(CAP);
    const response = await fetch(`${t.apiUrl}/auth/password/sign-up`, {
      method: 'POST',
      headers: {
        'x-stack-access-type': 'client',
        'x-stack-project-id': secondProject.id,
        'x-stack-publishable-client-key': secondProject.key,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ email: 'dana@example.com', password: 'correct horse battery staple' }),
    });
    const dana = ((await response.json()) as { access_token: string }).access_token;
    const authenticated = await postSql(urls.sqlEndpoint, secondUrl.replace('anonymous@', 'authenticated@'), dana, { query: 'SELECT 1' });
    expect(authenticated.status).toBe(200);
    expect(authenticated.ms).toBeLessThan(WAIT_MS);
    expect(await sqlConnections(second.url, second.name)).toBeLessThanOrEqual(CAP);
  });
});
