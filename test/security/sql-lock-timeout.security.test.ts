/**
 * Property: a lock an end user takes cannot block other users' reads beyond the limits. End-user sessions wait for a
 * lock at most `lock_timeout` (AUTHSYNC_SQL_LOCK_TIMEOUT, pinned at login), and a request holding a lock ends at its
 * deadline (statement timeout plus a second), which releases it. The attack: a batch `LOCK TABLE … IN ACCESS
 * EXCLUSIVE MODE; SELECT pg_sleep(…)` blocked every reader of the table for as long as it slept (14 s measured).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';
import { signUp, sqlUrls } from '../rls/support.js';
import { activeQueries, eventually, postSql, withClient } from './sql-limits-support.js';

const ENV = { AUTHSYNC_SQL_STATEMENT_TIMEOUT_AUTHENTICATED: '2000', AUTHSYNC_SQL_LOCK_TIMEOUT: '500' };

const t = useTestServer({ env: ENV });
let urls: ReturnType<typeof sqlUrls>;
let mallory: string;
let reader: string;

beforeAll(async () => {
  urls = sqlUrls(t);
  mallory = (await signUp(t, 'mallory@example.com')).accessToken;
  reader = (await signUp(t, 'reader@example.com')).accessToken;
  // The first /sql request installs the kit (and its roles); then a table every end user may read and lock.
  expect((await postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, reader, { query: 'SELECT 1' })).status).toBe(200);
  await withClient(t.databaseUrl!, (c) =>
    c.query(
      `CREATE TABLE shared_notes (body text); INSERT INTO shared_notes VALUES ('hello'); GRANT SELECT, UPDATE ON shared_notes TO authenticated`,
    ),
  );
});

const read = () => postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, reader, { query: 'SELECT body FROM shared_notes' });

describe('/sql lock timeout', () => {
  it(
    'a batch holding ACCESS EXCLUSIVE and sleeping: readers fail at the lock timeout, and read again once the deadline ends the batch',
    { timeout: 60_000 },
    async () => {
      const started = performance.now();
      const locker = postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, mallory, {
        queries: [
          { query: 'LOCK TABLE shared_notes IN ACCESS EXCLUSIVE MODE' },
          { query: 'SET statement_timeout = 0' },
          { query: 'SELECT pg_sleep(60)' },
        ],
      });
      // Wait until the lock is held.
      for (;;) {
        const held = await withClient(t.databaseUrl!, (c) =>
          c.query(
            `SELECT 1 FROM pg_locks l JOIN pg_class r ON r.oid = l.relation WHERE r.relname = 'shared_notes' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
          ),
        );
        if (held.rowCount) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      const blocked = await read();
      console.log(`a reader of the locked table answered after ${blocked.ms.toFixed(0)} ms`);
      expect(blocked.status).toBe(400);
      expect(blocked.body).toMatchObject({ code: '55P03', message: 'canceling statement due to lock timeout' });
      expect(blocked.ms).toBeLessThan(2_000);

      const lockerAnswer = await locker;
      const held = performance.now() - started;
      console.log(`the locking batch (SET statement_timeout = 0; pg_sleep(60)) ended after ${held.toFixed(0)} ms`);
      expect(lockerAnswer.status).toBe(400);
      expect(lockerAnswer.body.code).toBe('57014');
      expect(held).toBeLessThan(8_000);

      const after = await read();
      expect(after.status).toBe(200);
      expect(after.body.rows).toEqual([['hello']]);
    },
  );

  it('a writer waiting on a row lock gives up at the lock timeout too', { timeout: 60_000 }, async () => {
    const locker = postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, mallory, {
      queries: [{ query: 'SELECT body FROM shared_notes FOR UPDATE' }, { query: 'SELECT pg_sleep(1.8)' }],
    });
    await eventually(
      async () => expect(await activeQueries(t.databaseUrl!, new URL(t.databaseUrl!).pathname.slice(1), 'pg_sleep(1.8)')).toBe(1),
      5_000,
    );
    const update = await postSql(urls.sqlEndpoint, urls.databaseAuthenticatedUrl, reader, {
      query: `UPDATE shared_notes SET body = 'changed'`,
    });
    expect(update.status).toBe(400);
    expect(update.body.code).toBe('55P03');
    expect(update.ms).toBeLessThan(2_000);
    expect((await locker).status).toBe(200);
  });
});
