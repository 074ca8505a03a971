/**
 * The identity store: the end-user roles can neither read nor write it (the tables, nor the sequence whose
 * session value says which identity a session runs under), an install key works only on its own connection, a
 * wrapped reader is evaluated once per statement, and a cleared or discarded identity makes the readers raise.
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { endUserClientConfig, loginOf, startTodosFixture, type TestUser } from './support.js';
import { openEndUserConnection, RESET_END_USER_SQL, type RoleConnection } from '../../src/rls/role-connection.js';
import { RESET_SESSION_SQL } from '../../src/sql/pools.js';

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
  a = await openEndUserConnection({ ...target, login: loginOf(t) }, t.server.ctx.db);
  b = await openEndUserConnection({ ...target, login: loginOf(t) }, t.server.ctx.db);
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
    for (const column of ['inner_key', 'outer_key', 'last_jti', 'install_key_hash', 'pid', 'count(*)', '*']) {
      await expect(a.client.query(`SELECT ${column} FROM authsync_rls.backend_sessions`)).rejects.toThrow('permission denied');
    }
    await expect(a.client.query(`SELECT count(*) FROM authsync_rls.backend_sessions WHERE pid = ${b.pid}`)).rejects.toThrow(
      'permission denied',
    );
    for (const column of ['sub', 'claims', 'id', '*']) {
      await expect(a.client.query(`SELECT ${column} FROM authsync_rls.identities`)).rejects.toThrow('permission denied');
    }
    for (const read of ['currval', 'lastval', 'last_value']) {
      const statement =
        read === 'last_value'
          ? 'SELECT last_value FROM authsync_rls.identity_slot'
          : read === 'lastval'
            ? 'SELECT lastval()'
            : `SELECT currval('authsync_rls.identity_slot')`;
      await expect(a.client.query(statement), statement).rejects.toThrow('permission denied');
    }
  });

  it('cannot be written', async () => {
    const [bobsIdentity] = (
      await t.server.ctx.db.query<{ id: string }>('SELECT id::text FROM authsync_rls.identities WHERE sub = $1 LIMIT 1', [bob.id])
    ).rows;
    expect(bobsIdentity).toBeDefined();
    for (const statement of [
      `UPDATE authsync_rls.backend_sessions SET install_key_hash = sha256('x')`,
      `DELETE FROM authsync_rls.backend_sessions`,
      `INSERT INTO authsync_rls.backend_sessions (pid, login_role, inner_key, outer_key) VALUES (1, 'authenticated', '', '')`,
      `ALTER TABLE authsync_rls.backend_sessions DISABLE ROW LEVEL SECURITY`,
      `DROP POLICY own_backend ON authsync_rls.backend_sessions`,
      `UPDATE authsync_rls.identities SET sub = '${bob.id}'`,
      `INSERT INTO authsync_rls.identities (claims, sub, sub_invalid, expires_at) VALUES ('{}', '${bob.id}', false, 'infinity')`,
      `SELECT setval('authsync_rls.identity_slot', ${bobsIdentity!.id})`,
      `SELECT nextval('authsync_rls.identity_slot')`,
      `ALTER SEQUENCE authsync_rls.identity_slot RESTART WITH ${bobsIdentity!.id}`,
      `SELECT authsync_rls.add_identities('[{"claims":{"sub":"${bob.id}"},"expires":4102444800}]')`,
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

  it('an install key installs identities on its own connection only', async () => {
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const { rows } = await t.server.ctx.db.query<{ id: string }>('SELECT authsync_rls.add_identities($1::jsonb)::text AS id', [
      JSON.stringify([
        { claims: { sub: bob.id, role: 'authenticated' }, expires },
        { claims: { sub: alice.id, role: 'authenticated' }, expires },
      ]),
    ]);
    const [asBobId, asAliceId] = rows.map((r) => r.id);
    const install = (conn: RoleConnection, key: Buffer, id: string) =>
      conn.client.query('SELECT authsync_rls.use_identity($1, $2)', [key, id]);
    // Another connection's key, a made-up key, no key: refused, and the identity stays.
    for (const key of [b.installKey!, Buffer.alloc(32), Buffer.alloc(0)]) {
      await expect(install(a, key, asBobId!)).rejects.toThrow('only authsync can install an identity on this connection');
      expect((await a.client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: alice.id }]);
    }
    // The connection's own key installs; an id that does not exist is refused.
    await install(a, a.installKey!, asBobId!);
    expect((await a.client.query('SELECT auth.user_id() AS uid, auth.session() ->> $1 AS role', ['role'])).rows).toEqual([
      { uid: bob.id, role: 'authenticated' },
    ]);
    await expect(install(a, a.installKey!, '999999999')).rejects.toThrow('identity 999999999 does not exist');
    await install(a, a.installKey!, asAliceId!);
    expect((await a.client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: alice.id }]);
  });

  it('the session reset forgets the identity, as do DISCARD SEQUENCES and DISCARD ALL: the readers then raise', async () => {
    const c = await openEndUserConnection({ ...connectTarget(), login: loginOf(t) }, t.server.ctx.db);
    try {
      for (const forget of [RESET_END_USER_SQL, RESET_SESSION_SQL, 'DISCARD SEQUENCES', 'DISCARD ALL']) {
        await c.client.query('SELECT auth.jwt_session_init($1)', [c.sessionKey!.mint({ sub: alice.id })]);
        expect((await c.client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: alice.id }]);
        await c.client.query(forget);
        for (const reader of ['auth.user_id()', 'auth.uid()', 'auth.session()', 'auth.jwt()']) {
          await expect(c.client.query(`SELECT ${reader}`), `${reader} after ${forget}`).rejects.toThrow(
            'no identity is installed for this request',
          );
        }
      }
    } finally {
      await c.client.end();
    }
  });

  it('a connection authsync did not open has no identity: the readers answer NULL, as pg_session_jwt does without a token', async () => {
    const c = new pg.Client({ ...connectTarget(), ...endUserClientConfig(t) });
    await c.connect();
    try {
      expect((await c.query('SELECT auth.user_id() AS uid, auth.uid() AS u, auth.session() AS s')).rows).toEqual([
        { uid: null, u: null, s: null },
      ]);
      await expect(c.query('SELECT auth.jwt_session_init($1)', [a.sessionKey!.mint({ sub: alice.id })])).rejects.toThrow(
        'Missing runtime parameter: pg_session_jwt.jwk',
      );
      await expect(c.query('SELECT authsync_rls.use_identity($1, 1)', [a.installKey!])).rejects.toThrow(
        'only authsync can install an identity on this connection',
      );
    } finally {
      await c.end();
    }
  });

  it('a cleared identity makes the readers raise, and only a new signed token restores one', async () => {
    const c = await openEndUserConnection({ ...connectTarget(), login: loginOf(t) }, t.server.ctx.db);
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

  it("a single statement that rolls back inside a DO block keeps its own identity, never another request's", async () => {
    for (let i = 0; i < 5; i++) {
      await asBob`SELECT 1`;
      const outcome = await asAlice
        .query(
          `DO $$ BEGIN ROLLBACK; IF EXISTS (SELECT 1 FROM todos WHERE task = 'bob secret') THEN RAISE EXCEPTION 'leak'; END IF; END $$`,
        )
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
