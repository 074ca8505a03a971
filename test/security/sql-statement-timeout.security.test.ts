/**
 * Property: one end user's slow SQL cannot hold /sql for everyone. Statements of `authenticated` and `anonymous` end at
 * their role's statement timeout (pinned in each connection's startup packet, so neither ALTER ROLE … SET nor a
 * session's SET outlives a request), a request as a whole ends at that timeout plus a second whatever its SQL sets,
 * and one user has at most AUTHSYNC_SQL_MAX_REQUESTS_PER_USER requests in flight (429 beyond). The attack: 20 x
 * `SELECT pg_sleep(25)` from one user took every connection, and another user's query waited 23.6 s.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminQuery } from '../helpers/databases.js';
import { startTestServer, type TestServer, useTestServer } from '../helpers/server.js';
import { signUp, signUpAnonymous, sqlUrls } from '../rls/support.js';
import { activeQueries, eventually, postSql } from './sql-limits-support.js';

/** Small limits keep the file fast; anonymous keeps its default (3 s). */
const ENV = { AUTHSYNC_SQL_STATEMENT_TIMEOUT_AUTHENTICATED: '2000', AUTHSYNC_SQL_MAX_REQUESTS_PER_USER: '8' };

const t = useTestServer({ env: ENV });
let urls: ReturnType<typeof sqlUrls>;
let alice: string;
let bob: string;
const database = () => new URL(t.databaseUrl!).pathname.slice(1);
const asAlice = (body: Parameters<typeof postSql>[3]) => postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, alice, body);

beforeAll(async () => {
  urls = sqlUrls(t);
  alice = (await signUp(t, 'alice@example.com')).accessToken;
  bob = (await signUp(t, 'bob@example.com')).accessToken;
});

describe('/sql statement timeouts and the per-user cap', () => {
  it(
    '20 x pg_sleep(25) from one user: 12 refused with 429, 8 cut at the statement timeout; another user answers promptly meanwhile',
    { timeout: 60_000 },
    async () => {
      const flood = Promise.all(Array.from({ length: 20 }, () => asAlice({ query: 'SELECT pg_sleep(25) AS flood_marker' })));
      await eventually(async () => expect(await activeQueries(t.databaseUrl!, database(), 'flood_marker')).toBe(8), 10_000);
      const victim = await postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, bob, { query: `SELECT 'bob is served'` });
      console.log(`another user's query during the flood: ${victim.ms.toFixed(0)} ms`);
      expect(victim.status).toBe(200);
      expect(victim.body.rows).toEqual([['bob is served']]);
      expect(victim.ms).toBeLessThan(1500);

      const answers = await flood;
      const refused = answers.filter((a) => a.status === 429);
      const cut = answers.filter((a) => a.status === 400);
      expect(refused).toHaveLength(12);
      expect(refused[0]!.body.message).toBe('too many concurrent requests for this user (max is 8); retry when one has finished');
      expect(cut).toHaveLength(8);
      console.log(
        `the flooding user's 8 sleeps answered 57014 after ${Math.min(...cut.map((a) => a.ms)).toFixed(0)}-${Math.max(...cut.map((a) => a.ms)).toFixed(0)} ms`,
      );
      for (const answer of cut) {
        expect(answer.body).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
        expect(answer.ms).toBeLessThan(8_000);
      }
      // The slots are free again.
      expect((await asAlice({ query: 'SELECT 1' })).status).toBe(200);
    },
  );

  it(
    'SET statement_timeout = 0 in a batch cannot outlive the deadline (statement timeout + 1 s), nor can many short statements',
    { timeout: 60_000 },
    async () => {
      const unset = await asAlice({ queries: [{ query: 'SET statement_timeout = 0' }, { query: 'SELECT pg_sleep(30) AS unset_marker' }] });
      console.log(`batch with SET statement_timeout = 0 and pg_sleep(30) answered after ${unset.ms.toFixed(0)} ms`);
      expect(unset.status).toBe(400);
      expect(unset.body).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
      expect(unset.ms).toBeGreaterThan(2_500);
      expect(unset.ms).toBeLessThan(8_000);
      // The backend was cancelled and its connection closed: nothing sleeps on.
      await eventually(async () => expect(await activeQueries(t.databaseUrl!, database(), 'unset_marker')).toBe(0), 3_000);

      // Every statement under the timeout, the request as a whole over it.
      const many = await asAlice({ queries: Array.from({ length: 10 }, () => ({ query: 'SELECT pg_sleep(1.5)' })) });
      expect(many.status).toBe(400);
      expect(many.body.code).toBe('57014');
      expect(many.ms).toBeLessThan(8_000);

      // A SET in one request is gone by the next (the session reset returns to the pinned value).
      expect((await asAlice({ query: 'SET statement_timeout = 0' })).status).toBe(200);
      expect((await asAlice({ query: 'SHOW statement_timeout' })).body.rows).toEqual([['2s']]);
    },
  );

  it('anonymous gets 3 s (the default)', { timeout: 60_000 }, async () => {
    const anonymous = (await signUpAnonymous(t)).accessToken;
    const shown = await postSql(urls.sqlEndpoint, urls.anonymousUrl, anonymous, { query: 'SHOW statement_timeout' });
    expect(shown.body.rows).toEqual([['3s']]);
    const slept = await postSql(urls.sqlEndpoint, urls.anonymousUrl, anonymous, { query: 'SELECT pg_sleep(20)' });
    console.log(`anonymous pg_sleep(20) answered after ${slept.ms.toFixed(0)} ms`);
    expect(slept.status).toBe(400);
    expect(slept.body).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
    expect(slept.ms).toBeGreaterThan(2_500);
    expect(slept.ms).toBeLessThan(8_000);
  });

  it(
    'the pinned settings survive ALTER ROLE authenticated SET statement_timeout = 1ms (run as the admin): a new connection has ours',
    { timeout: 60_000 },
    async () => {
      // A server of its own, so that its first authenticated connection opens after the ALTER ROLE.
      let fresh: TestServer | undefined;
      await adminQuery(`ALTER ROLE authenticated SET statement_timeout = '1ms'`);
      try {
        fresh = await startTestServer({
          env: { ...ENV, AUTHSYNC_SQL_LOCK_TIMEOUT: '1234', AUTHSYNC_SQL_IDLE_IN_TRANSACTION_TIMEOUT: '4321' },
        });
        const freshUrls = sqlUrls(fresh);
        const carol = (await signUp(fresh, 'carol@example.com')).accessToken;
        const settings = await postSql(freshUrls.sqlEndpoint, freshUrls.databaseAuthenticatedUrl, carol, {
          query: `SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout'), current_setting('search_path')`,
        });
        expect(settings.status).toBe(200);
        const [statement, lock, idle, searchPath] = (settings.body.rows as string[][])[0]!;
        expect([statement, lock, idle]).toEqual(['2s', '1234ms', '4321ms']);
        // search_path is the database's own, not pinned.
        expect(searchPath).toBe('"$user", public');
      } finally {
        await adminQuery('ALTER ROLE authenticated RESET statement_timeout');
        await fresh?.stop();
      }
    },
  );
});
