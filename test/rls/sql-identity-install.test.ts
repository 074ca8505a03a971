/**
 * /sql installs each request's identity on its pooled end-user connection (authsync_rls.use_identity with the
 * connection's key, in the same packet as the request's SQL; the token's identity is recorded once, over the
 * privileged connection), and resets the session afterwards (Neon's reset sequence, after a ROLLBACK if the request
 * left a transaction open), which also forgets the identity. Through the real Neon driver: concurrent requests keep their
 * own identities, an open transaction does not outlive its request, the end-user roles cannot install an identity
 * themselves, and the install key never shows in pg_stat_activity.
 */
import { neon, NeonDbError, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { RESET_END_USER_SQL } from '../../src/rls/role-connection.js';
import { loginOf, signUpAnonymous, startTodosFixture, type sqlUrls, type TestUser } from './support.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;
let bob: TestUser;
let asAlice: NeonQueryFunction<false, false>;
let asBob: NeonQueryFunction<false, false>;

const ALICE_SEED = ['alice seed 1', 'alice seed 2'];
const BOB_SEED = ['bob seed 1'];

beforeAll(async () => {
  // 100 requests in flight per user below: over the default per-user cap (AUTHSYNC_SQL_MAX_REQUESTS_PER_USER).
  ({ t, urls, alice, bob, asAlice, asBob } = await startTodosFixture({ env: { AUTHSYNC_SQL_MAX_REQUESTS_PER_USER: '100' } }));
  for (const task of ALICE_SEED) await asAlice`INSERT INTO todos (task) VALUES (${task})`;
  for (const task of BOB_SEED) await asBob`INSERT INTO todos (task) VALUES (${task})`;
});

afterAll(async () => {
  await t?.stop();
});

/** The database's clock, as the privileged connection reads it. */
async function dbNow(): Promise<string> {
  const { rows } = await t.server.ctx.db.query<{ now: string }>('SELECT clock_timestamp()::text AS now');
  return rows[0]!.now;
}

/**
 * Polls pg_stat_activity until backend `pid` has run the session reset (its last statement, now idle)
 * after `since`; false if it does not within `ms`.
 */
async function waitForReset(pid: number, since: string, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { rows } = await t.server.ctx.db.query(
      `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'idle' AND query = $3 AND state_change > $2::timestamptz`,
      [pid, since, RESET_END_USER_SQL],
    );
    if (rows.length) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every row of todos as the table's owner sees it, past the policies. */
async function allTodos(): Promise<{ task: string; user_id: string; is_complete: boolean }[]> {
  const { rows } = await t.server.ctx.db.query<{ task: string; user_id: string; is_complete: boolean }>(
    'SELECT task, user_id, is_complete FROM todos ORDER BY id',
  );
  return rows;
}

describe('identities installed on the end-user connection', () => {
  it("concurrent requests of different users never see each other's rows", async () => {
    // Six times the pool's 20 connections per role, so that every connection serves Alice and Bob in turn: reads and
    // inserts alternating between them, all on the authenticated pool.
    const users = [
      { user: alice, sql: asAlice, name: 'alice' },
      { user: bob, sql: asBob, name: 'bob' },
    ];
    const requests = Array.from({ length: 120 }, async (_, i) => {
      const { user, sql, name } = users[i % 2]!;
      if (i % 4 < 2) {
        const rows = await sql`SELECT task, user_id, auth.user_id() AS uid FROM todos`;
        return { kind: 'read' as const, user, name, rows };
      }
      const rows = await sql`INSERT INTO todos (task) VALUES (${`${name} concurrent ${i}`}) RETURNING task, user_id, auth.user_id() AS uid`;
      return { kind: 'insert' as const, user, name, rows };
    });
    const responses = await Promise.all(requests);

    for (const { kind, user, name, rows } of responses) {
      if (kind === 'read') {
        // Each user has seed rows, so every read shows whose identity it ran under.
        expect(rows.map((r) => r.task)).toEqual(expect.arrayContaining(name === 'alice' ? ALICE_SEED : BOB_SEED));
      } else {
        expect(rows).toHaveLength(1);
      }
      for (const row of rows) {
        expect(row).toMatchObject({ user_id: user.id, uid: user.id });
        expect(row.task as string).toMatch(new RegExp(`^${name} `));
      }
    }

    // Past the policies: every row inserted under a user's name belongs to that user (user_id defaults to
    // auth.user_id(), so an insert run under the other identity would pass the policy and still show here).
    const inserted = (await allTodos()).filter((row) => row.task.includes(' concurrent '));
    expect(inserted).toHaveLength(60);
    for (const row of inserted) expect(row.user_id).toBe(row.task.startsWith('alice ') ? alice.id : bob.id);
    const aliceTasks = (await allTodos()).filter((row) => row.user_id === alice.id).map((row) => row.task);
    expect((await asAlice`SELECT task FROM todos`).map((r) => r.task).sort()).toEqual(aliceTasks.sort());
  });

  it('a request that leaves a transaction open does not leak it into the next request on the same connection', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const since = await dbNow();
      const [first] = await asAlice`SELECT pg_backend_pid()::int AS pid`;
      const pid = first!.pid as number;
      // The request's reset has run: its connection is back in the pool.
      expect(await waitForReset(pid, since), `backend ${pid} was never reset after its request`).toBe(true);

      const beforeBegin = await dbNow();
      expect(await asAlice.query('BEGIN')).toEqual([]);
      // The BEGIN request ran on this backend if this backend was busy and reset again after it was sent (the pool
      // hands out the connection released last, so it usually is).
      if (!(await waitForReset(pid, beforeBegin, 500))) continue;

      const task = `alice after an open transaction ${attempt}`;
      // The driver's queries use the extended protocol, where now() (taken at Parse) differs from
      // statement_timestamp() (at Execute) even in a fresh transaction: compare with the time the request was sent.
      const sentAt = new Date().toISOString();
      const [next] =
        await asAlice`INSERT INTO todos (task) VALUES (${task}) RETURNING pg_backend_pid()::int AS pid, now() >= ${sentAt}::timestamptz AS fresh, user_id`;
      if (next!.pid !== pid) continue;
      // Its own transaction: it started with this request, not at the BEGIN of the request before...
      expect(next).toEqual({ pid, fresh: true, user_id: alice.id });
      // ...and it committed: another session sees the row (inside a leaked transaction, the reset would roll it back).
      const { rows } = await t.server.ctx.db.query('SELECT user_id FROM todos WHERE task = $1', [task]);
      expect(rows).toEqual([{ user_id: alice.id }]);
      const { rows: activity } = await t.server.ctx.db.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
      expect(activity).toEqual([{ state: 'idle' }]);
      return;
    }
    throw new Error('in 10 attempts, the request after BEGIN never ran on the connection that had run BEGIN (was that connection closed?)');
  });

  it('the end-user roles cannot install an identity themselves', async () => {
    const anon = await signUpAnonymous(t);
    const asAnon = neon(urls.anonymousUrl, { authToken: anon.accessToken });
    const before = await allTodos();
    const bobsRows = await asBob`SELECT task, user_id FROM todos ORDER BY id`;
    const { rows } = await t.server.ctx.db.query<{ id: string }>('SELECT id::text FROM authsync_rls.identities WHERE sub = $1', [bob.id]);
    expect(rows.length).toBeGreaterThan(0);
    const bobsIdentity = rows[0]!.id;
    const attempts: [string, NeonQueryFunction<false, false>, string, string][] = [
      [
        "Alice, Bob's identity with a made-up key",
        asAlice,
        `SELECT authsync_rls.use_identity(sha256('guess'), ${bobsIdentity})`,
        'authsync: only authsync can install an identity on this connection',
      ],
      [
        "Alice, Bob's identity with no key",
        asAlice,
        `SELECT authsync_rls.use_identity(NULL, ${bobsIdentity})`,
        'authsync: only authsync can install an identity on this connection',
      ],
      [
        "anonymous, Bob's identity with a made-up key",
        asAnon,
        `SELECT authsync_rls.use_identity('\\x00', ${bobsIdentity})`,
        'authsync: only authsync can install an identity on this connection',
      ],
      [
        "Alice, setting the identity slot to Bob's",
        asAlice,
        `SELECT setval('authsync_rls.identity_slot', ${bobsIdentity})`,
        'permission denied for sequence identity_slot',
      ],
      [
        'Alice, recording an identity',
        asAlice,
        `SELECT authsync_rls.add_identities('[{"claims":{"sub":"${bob.id}"},"expires":4102444800}]')`,
        'permission denied for function add_identities',
      ],
    ];
    for (const [who, sql, statement, message] of attempts) {
      const error = await sql.transaction((tx) => [tx.query(statement), tx`SELECT task FROM todos`]).catch((e: unknown) => e);
      expect(error, who).toBeInstanceOf(NeonDbError);
      expect((error as NeonDbError).code, who).toBe('42501');
      expect((error as NeonDbError).message, who).toBe(message);
    }
    const mine = await asAlice`SELECT task, user_id, auth.user_id() AS uid FROM todos`;
    expect(mine.length).toBeGreaterThan(0);
    for (const row of mine) expect(row).toMatchObject({ user_id: alice.id, uid: alice.id });
    expect(await asBob`SELECT task, user_id FROM todos ORDER BY id`).toEqual(bobsRows);
    expect(await allTodos()).toEqual(before);
  });

  it('the install key is sent as a parameter and never shows in pg_stat_activity', async () => {
    const seen = new Set<string>();
    let done = false;
    const watcher = (async () => {
      while (!done) {
        const { rows } = await t.server.ctx.db.query<{ query: string }>(
          `SELECT query FROM pg_stat_activity WHERE usename = ANY($1::text[])`,
          [[loginOf(t, 'authenticated').user, loginOf(t, 'anonymous').user]],
        );
        for (const row of rows) seen.add(row.query);
      }
    })();
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? asAlice : asBob)`SELECT count(*) FROM todos`));
    done = true;
    await watcher;
    expect(seen).toContain('SELECT authsync_rls.use_identity($1, $2)');
    for (const query of seen) expect(query).not.toMatch(/\\x|[0-9a-f]{32}/i);
  });

  it('after the identities are lost (crash recovery empties unlogged tables), one request per token fails and the next records it again', async () => {
    expect(await asAlice`SELECT auth.user_id() AS uid`).toEqual([{ uid: alice.id }]);
    expect(await asBob`SELECT auth.user_id() AS uid`).toEqual([{ uid: bob.id }]);
    await t.server.ctx.db.query('DELETE FROM authsync_rls.identities');
    for (const [sql, user] of [
      [asAlice, alice],
      [asBob, bob],
    ] as const) {
      const failed = await sql`SELECT auth.user_id() AS uid`.catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(NeonDbError);
      expect((failed as NeonDbError).message).toMatch(/could not set the session identity: authsync: identity \d+ does not exist/);
      expect(await sql`SELECT auth.user_id() AS uid`).toEqual([{ uid: user.id }]);
    }
  });
});
