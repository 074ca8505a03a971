/**
 * /sql installs each request's identity over the server's privileged connection (authsync_rls.set_identities,
 * batched across concurrent requests) before the request's SQL reaches its pooled end-user connection, resets the
 * session afterwards (DISCARD ALL, after a ROLLBACK if the request left a transaction open) and then clears the
 * identity. Through the real Neon driver: concurrent requests keep their own identities, an open transaction does
 * not outlive its request, the identity is gone once a request ends, and the end-user roles cannot set one themselves.
 */
import { neon, NeonDbError, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { signUpAnonymous, startTodosFixture, type sqlUrls, type TestUser } from './support.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;
let bob: TestUser;
let asAlice: NeonQueryFunction<false, false>;
let asBob: NeonQueryFunction<false, false>;

const ALICE_SEED = ['alice seed 1', 'alice seed 2'];
const BOB_SEED = ['bob seed 1'];

beforeAll(async () => {
  ({ t, urls, alice, bob, asAlice, asBob } = await startTodosFixture());
  for (const task of ALICE_SEED) await asAlice`INSERT INTO todos (task) VALUES (${task})`;
  for (const task of BOB_SEED) await asBob`INSERT INTO todos (task) VALUES (${task})`;
});

afterAll(async () => {
  await t?.stop();
});

interface IdentityRow {
  version: string;
  login_role: string;
  cleared: boolean;
  sub: string | null;
  claims: unknown;
}

/** Backend `pid`'s identity row, read over the privileged connection; `version` (xmin) changes at every write. */
async function identityRow(pid: number): Promise<IdentityRow | undefined> {
  const { rows } = await t.server.ctx.db.query<IdentityRow>(
    'SELECT xmin::text AS version, login_role, cleared, sub, claims FROM authsync_rls.backend_sessions WHERE pid = $1',
    [pid],
  );
  return rows[0];
}

/** Polls backend `pid`'s identity row until `done` holds; undefined if it does not within `ms`. */
async function waitForIdentityRow(pid: number, done: (row: IdentityRow) => boolean, ms = 2_000): Promise<IdentityRow | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const row = await identityRow(pid);
    if (row && done(row)) return row;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every row of todos as the table's owner sees it, past the policies. */
async function allTodos(): Promise<{ task: string; user_id: string; is_complete: boolean }[]> {
  const { rows } = await t.server.ctx.db.query<{ task: string; user_id: string; is_complete: boolean }>('SELECT task, user_id, is_complete FROM todos ORDER BY id');
  return rows;
}

describe('identities installed over the privileged connection', () => {
  it('concurrent requests of different users never see each other\'s rows (identities installed in batches)', async () => {
    // Three times the pool's 20 connections per role, so that connections are reused while other requests' installs
    // and clears are queued: reads and inserts alternating between Alice and Bob, all on the authenticated pool.
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
      const [first] = await asAlice`SELECT pg_backend_pid()::int AS pid`;
      const pid = first!.pid as number;
      // Cleared: the request's reset has run and its connection is back in the pool (the clear is queued after both).
      const idle = await waitForIdentityRow(pid, (row) => row.cleared);
      expect(idle, `backend ${pid} was never cleared after its request`).toBeDefined();

      expect(await asAlice.query('BEGIN')).toEqual([]);
      // The BEGIN request ran on this backend if and only if its identity was written to this backend's row (a new
      // row version), and its reset is done once that row is cleared again.
      const afterBegin = await waitForIdentityRow(pid, (row) => row.cleared && row.version !== idle!.version, 500);
      if (!afterBegin) continue;

      const task = `alice after an open transaction ${attempt}`;
      // The driver's queries use the extended protocol, where now() (taken at Parse) differs from
      // statement_timestamp() (at Execute) even in a fresh transaction: compare with the time the request was sent.
      const sentAt = new Date().toISOString();
      const [next] = await asAlice`INSERT INTO todos (task) VALUES (${task}) RETURNING pg_backend_pid()::int AS pid, now() >= ${sentAt}::timestamptz AS fresh, user_id`;
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

  it('the identity is cleared once a request ends', async () => {
    const [row] = await asAlice`SELECT pg_backend_pid()::int AS pid, auth.user_id() AS uid`;
    const pid = row!.pid as number;
    expect(row!.uid).toBe(alice.id);
    const cleared = await waitForIdentityRow(pid, (r) => r.cleared);
    expect(cleared, `backend ${pid}: ${JSON.stringify(await identityRow(pid))}`).toMatchObject({ login_role: 'authenticated', cleared: true, sub: null, claims: null });
    // The next request on the pool gets its own identity installed again.
    expect(await asAlice`SELECT auth.user_id() AS uid`).toEqual([{ uid: alice.id }]);
  });

  it('the end-user roles cannot call set_identities', async () => {
    const anon = await signUpAnonymous(t);
    const asAnon = neon(urls.anonymousUrl, { authToken: anon.accessToken });
    const before = await allTodos();
    const bobsRows = await asBob`SELECT task, user_id FROM todos ORDER BY id`;
    const ownPidAs = (sub: string | null) =>
      `SELECT * FROM authsync_rls.set_identities(jsonb_build_array(jsonb_build_object('pid', pg_backend_pid(), 'claims', ${sub === null ? 'NULL::jsonb' : `jsonb_build_object('sub', '${sub}')`})))`;
    const attempts: [string, NeonQueryFunction<false, false>, string][] = [
      ['Alice, for another backend', asAlice, `SELECT authsync_rls.set_identities('[{"pid":1,"claims":{"sub":"x"}}]'::jsonb)`],
      ['Alice, for her own backend as Bob', asAlice, ownPidAs(bob.id)],
      ['Alice, clearing her own backend', asAlice, ownPidAs(null)],
      ['anonymous, for its own backend as Bob', asAnon, ownPidAs(bob.id)],
    ];
    for (const [who, sql, statement] of attempts) {
      const error = await sql.query(statement).catch((e: unknown) => e);
      expect(error, who).toBeInstanceOf(NeonDbError);
      expect((error as NeonDbError).code, who).toBe('42501');
      expect((error as NeonDbError).message, who).toBe('permission denied for function set_identities');
    }
    const rows = await asAlice`SELECT task, user_id, auth.user_id() AS uid FROM todos`;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ user_id: alice.id, uid: alice.id });
    expect(await asBob`SELECT task, user_id FROM todos ORDER BY id`).toEqual(bobsRows);
    expect(await allTodos()).toEqual(before);
  });
});
