/**
 * The identity store: the end-user roles can neither read nor write it, a wrapped reader is evaluated once per
 * statement, and a request's identity is cleared when it ends (the readers then raise until a new one is installed).
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTodosFixture, type TestUser } from './support.js';
import { openEndUserConnection, type RoleConnection } from '../../src/rls/role-connection.js';

let t: TestServer;
let alice: TestUser;
let bob: TestUser;
let asAlice: NeonQueryFunction<false, false>;
let asBob: NeonQueryFunction<false, false>;
let a: RoleConnection;
let b: RoleConnection;

beforeAll(async () => {
  ({ t, alice, bob, asAlice, asBob } = await startTodosFixture());
  await asBob`INSERT INTO todos (task) VALUES ('bob secret')`;
  await asAlice`INSERT INTO todos (task) VALUES ('alice own')`;
  const where = new URL(t.databaseUrl!);
  const target = { host: '127.0.0.1', port: Number(where.port || 5432), database: where.pathname.slice(1), password: 'unused-under-trust' };
  a = await openEndUserConnection({ ...target, user: 'authenticated' }, t.server.ctx.db);
  b = await openEndUserConnection({ ...target, user: 'authenticated' }, t.server.ctx.db);
  await a.client.query('SELECT auth.jwt_session_init($1)', [a.sessionKey!.mint({ sub: alice.id })]);
  await b.client.query('SELECT auth.jwt_session_init($1)', [b.sessionKey!.mint({ sub: bob.id })]);
});

afterAll(async () => {
  await a?.client.end();
  await b?.client.end();
  await t?.stop();
});

describe('the identity table as the end-user roles see it', () => {
  it('cannot be read, not even their own row', async () => {
    for (const column of ['inner_key', 'outer_key', 'last_jti', 'sub', 'claims', 'pid', 'count(*)', '*']) {
      await expect(a.client.query(`SELECT ${column} FROM authsync_rls.backend_sessions`)).rejects.toThrow('permission denied');
    }
    await expect(a.client.query(`SELECT count(*) FROM authsync_rls.backend_sessions WHERE pid = ${b.pid}`)).rejects.toThrow('permission denied');
  });

  it('cannot be written', async () => {
    for (const statement of [
      `UPDATE authsync_rls.backend_sessions SET sub = '${bob.id}'`,
      `DELETE FROM authsync_rls.backend_sessions`,
      `INSERT INTO authsync_rls.backend_sessions (pid, login_role, inner_key, outer_key) VALUES (1, 'authenticated', '', '')`,
      `ALTER TABLE authsync_rls.backend_sessions DISABLE ROW LEVEL SECURITY`,
      `DROP POLICY own_backend ON authsync_rls.backend_sessions`,
      `CREATE TABLE authsync_rls.x (y int)`,
      `CREATE FUNCTION authsync_rls.raise_no_identity() RETURNS text LANGUAGE sql AS $$ SELECT '${bob.id}' $$`,
    ]) {
      await expect(a.client.query(statement), statement).rejects.toThrow();
    }
    expect((await a.client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: alice.id }]);
  });

  it('the policy form user_id = (select auth.user_id()) evaluates the identity once per statement (an InitPlan)', async () => {
    const { rows } = await a.client.query(`EXPLAIN (COSTS OFF) SELECT count(*) FROM todos WHERE user_id = (SELECT auth.user_id())`);
    const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('InitPlan');
    expect((await a.client.query('SELECT task FROM todos')).rows).toEqual([{ task: 'alice own' }]);
  });

  it('an identity write meant for a backend that has gone never lands on a later backend with the same PID', async () => {
    const stale = JSON.stringify([{ pid: a.pid, start: '2000-01-01 00:00:00+00', claims: { sub: bob.id } }]);
    const { rows } = await t.server.ctx.db.query('SELECT authsync_rls.set_identities($1::jsonb) AS pid', [stale]);
    expect(rows).toEqual([]);
    expect((await a.client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: alice.id }]);
    const current = JSON.stringify([{ pid: a.pid, start: a.backendStart, claims: { sub: alice.id, role: 'authenticated' } }]);
    expect((await t.server.ctx.db.query('SELECT authsync_rls.set_identities($1::jsonb) AS pid', [current])).rows).toEqual([{ pid: a.pid }]);
    expect((await a.client.query('SELECT auth.user_id() AS uid, auth.session() ->> $1 AS role', ['role'])).rows).toEqual([{ uid: alice.id, role: 'authenticated' }]);
  });

  it('a cleared identity makes the readers raise, and only a new signed token restores one', async () => {
    const c = await openEndUserConnection({ ...connectTarget(), user: 'authenticated' }, t.server.ctx.db);
    try {
      await c.client.query('SELECT auth.jwt_session_init($1)', [c.sessionKey!.mint({ sub: alice.id })]);
      await c.client.query('SELECT authsync_rls.end_request()');
      for (const reader of ['auth.user_id()', 'auth.uid()', 'auth.session()', 'auth.jwt()']) {
        await expect(c.client.query(`SELECT ${reader}`)).rejects.toThrow('no identity is installed for this request');
      }
      await expect(c.client.query('SELECT task FROM todos')).rejects.toThrow('no identity is installed for this request');
      await c.client.query('SELECT auth.jwt_session_init($1)', [c.sessionKey!.mint({ sub: alice.id })]);
      expect((await c.client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: alice.id }]);
    } finally {
      await c.client.end();
    }
  });
});

describe('through /sql', () => {
  it('a connection survives its reset and serves the next request', async () => {
    const pids = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const [row] = await asAlice`SELECT pg_backend_pid()::text AS pid`;
      pids.add(row!.pid as string);
    }
    expect(pids.size).toBeLessThan(6);
  });

  it('a single statement that rolls back inside a DO block keeps its own identity, never another request\'s', async () => {
    for (let i = 0; i < 5; i++) {
      await asBob`SELECT 1`;
      const outcome = await asAlice
        .query(`DO $$ BEGIN ROLLBACK; IF EXISTS (SELECT 1 FROM todos WHERE task = 'bob secret') THEN RAISE EXCEPTION 'leak'; END IF; END $$`)
        .catch((error: unknown) => error);
      expect(String(outcome)).not.toContain('leak');
      expect(await asAlice`SELECT task, auth.user_id() AS uid FROM todos`).toEqual([{ task: 'alice own', uid: alice.id }]);
    }
  });

  it('a request that clears its own identity sees nothing afterwards, and the next request has its own', async () => {
    const outcome = await asAlice
      .transaction((tx) => [tx`SELECT authsync_rls.end_request()`, tx`SELECT task FROM todos`])
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(Error);
    expect(await asAlice`SELECT auth.user_id() AS uid`).toEqual([{ uid: alice.id }]);
    expect(await asBob`SELECT task FROM todos`).toEqual([{ task: 'bob secret' }]);
  });
});

function connectTarget() {
  const where = new URL(t.databaseUrl!);
  return { host: '127.0.0.1', port: Number(where.port || 5432), database: where.pathname.slice(1), password: 'unused-under-trust' };
}
