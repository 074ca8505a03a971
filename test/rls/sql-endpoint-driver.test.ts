/**
 * An app written for Neon RLS, unchanged but for its connection strings and fetch endpoint: the real driver and
 * Drizzle against /sql, with the policies drizzle-kit generates.
 */
import { neon, NeonDbError } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import { authenticatedRole, authUid, crudPolicy } from 'drizzle-orm/neon';
import { bigint, boolean, pgTable, text } from 'drizzle-orm/pg-core';
import { sql as dsql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { signUpAnonymous, startTodosFixture, type sqlUrls, type TestUser } from './support.js';
import { NEON_ERROR_KEYS } from '../helpers/neon-error-keys.js';

const todos = pgTable(
  'todos',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    userId: text('user_id')
      .notNull()
      .default(dsql`(auth.user_id())`),
    task: text('task').notNull(),
    isComplete: boolean('is_complete').notNull().default(false),
  },
  (table) => [crudPolicy({ role: authenticatedRole, read: authUid(table.userId), modify: authUid(table.userId) })],
);

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  // The legacy docs' first step runs through /sql in the fixture: it installs (or confirms) the kit.
  ({ t, urls, alice, bob } = await startTodosFixture());
});

afterAll(async () => {
  await t?.stop();
});

describe('driver: neon() with authToken', () => {
  it('Alice sees only her rows and Bob only his; user_id defaults to auth.user_id()', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const asBob = neon(urls.databaseAuthenticatedUrl, { authToken: async () => bob.accessToken });
    await asAlice`INSERT INTO todos (task) VALUES (${'alice 1'}), (${'alice 2'})`;
    await asBob`INSERT INTO todos (task, is_complete) VALUES (${'bob 1'}, true)`;
    const aliceRows = await asAlice`SELECT task, user_id FROM todos ORDER BY id`;
    expect(aliceRows).toEqual([
      { task: 'alice 1', user_id: alice.id },
      { task: 'alice 2', user_id: alice.id },
    ]);
    expect(await asBob`SELECT task, user_id FROM todos`).toEqual([{ task: 'bob 1', user_id: bob.id }]);
    expect(await asAlice`SELECT auth.user_id() AS uid, auth.session()->>'sub' AS sub`).toEqual([{ uid: alice.id, sub: alice.id }]);
  });

  it('refuses to insert a row for someone else', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const error = await asAlice`INSERT INTO todos (task, user_id) VALUES ('forged', ${bob.id})`.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonDbError);
    expect((error as NeonDbError).code).toBe('42501');
    expect((error as NeonDbError).message).toBe('new row violates row-level security policy for table "todos"');
  });

  it('anonymous@ with a token sees what the anonymous policy allows', async () => {
    const anon = await signUpAnonymous(t);
    const asAnon = neon(urls.anonymousUrl, { authToken: anon.accessToken });
    expect(await asAnon`SELECT task FROM todos`).toEqual([{ task: 'bob 1' }]);
    expect(await asAnon`SELECT auth.user_id() AS uid`).toEqual([{ uid: anon.id }]);
  });

  it('refuses authenticated@ without a token as Neon does', async () => {
    const noToken = neon(urls.databaseAuthenticatedUrl);
    const error = (await noToken`SELECT 1`.catch((e: unknown) => e)) as NeonDbError;
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error.message).toBe('missing authentication credentials: required password');
    expect(error.code).toBe('');
  });

  it("sql.query with fullResults and arrayMode returns Neon's result object with real type OIDs", async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const result = await asAlice.query('SELECT $1::int AS n, $2::text AS t, now() AS ts, $3 AS untyped', [42, 'x', 7], {
      fullResults: true,
      arrayMode: true,
    });
    expect(result.command).toBe('SELECT');
    expect(result.rowCount).toBe(1);
    expect(result.rows[0]!.slice(0, 2)).toEqual([42, 'x']);
    expect(result.rows[0]![2]).toBeInstanceOf(Date);
    expect(result.rows[0]![3]).toBe('7');
    expect(result.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['n', 23],
      ['t', 25],
      ['ts', 1184],
      ['untyped', 25],
    ]);
  });

  it('sql.transaction with isolation level, read-only and deferrable runs the batch in one transaction', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const [level, readOnly, count] = await asAlice.transaction(
      (tx) => [
        tx`SELECT current_setting('transaction_isolation') AS l`,
        tx`SELECT current_setting('transaction_read_only') AS r`,
        tx`SELECT count(*)::int AS c FROM todos`,
      ],
      { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
    );
    expect(level).toEqual([{ l: 'serializable' }]);
    expect(readOnly).toEqual([{ r: 'on' }]);
    expect(count).toEqual([{ c: 2 }]);
  });

  it('rolls the whole batch back at the first error', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const error = await asAlice
      .transaction((tx) => [tx`INSERT INTO todos (task) VALUES ('in batch')`, tx`SELECT 1/0`])
      .catch((e: unknown) => e);
    expect((error as NeonDbError).code).toBe('22012');
    expect(await asAlice`SELECT count(*)::int AS c FROM todos WHERE task = 'in batch'`).toEqual([{ c: 0 }]);
  });

  it("reports the failing statement's own error, not the aborted-transaction errors of the statements after it", async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const error = await asAlice
      .transaction((tx) => [
        tx`INSERT INTO todos (task) VALUES ('before the error')`,
        tx`SELECT 1/0`,
        tx`INSERT INTO todos (task) VALUES ('after the error')`,
        tx`SELECT 1`,
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: '22012', message: 'division by zero' });
    expect(await asAlice`SELECT count(*)::int AS c FROM todos WHERE task IN ('before the error', 'after the error')`).toEqual([{ c: 0 }]);
    // The next batch on the pool runs normally.
    expect(await asAlice.transaction((tx) => [tx`SELECT 1 AS one`, tx`SELECT 2 AS two`])).toEqual([[{ one: 1 }], [{ two: 2 }]]);
  });
});

describe("errors come back as NeonDbError with Neon's fields", () => {
  it('syntax error', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const error = (await asAlice.query('SELEC 1').catch((e: unknown) => e)) as NeonDbError;
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({
      message: 'syntax error at or near "SELEC"',
      code: '42601',
      severity: 'ERROR',
      position: '1',
      routine: 'scanner_yyerror',
    });
  });

  it('constraint violation', async () => {
    const owner = neon(urls.databaseUrl);
    const error = (await owner.query('INSERT INTO todos (user_id, task) VALUES (NULL, $1)', ['x']).catch((e: unknown) => e)) as NeonDbError;
    expect(error).toMatchObject({ code: '23502', table: 'todos', column: 'user_id', schema: 'public', severity: 'ERROR' });
  });

  it('division by zero, with the exact 17-key body on the wire', async () => {
    const response = await fetch(urls.sqlEndpoint, {
      method: 'POST',
      headers: {
        'Neon-Connection-String': urls.databaseAuthenticatedUrl,
        Authorization: `Bearer ${alice.accessToken}`,
        'Neon-Raw-Text-Output': 'true',
        'Neon-Array-Mode': 'true',
      },
      body: JSON.stringify({ query: 'SELECT 1/0', params: [] }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(NEON_ERROR_KEYS);
    expect(body).toMatchObject({ message: 'division by zero', code: '22012', severity: 'ERROR', detail: null, routine: 'int4div' });
  });

  it('one statement per query', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const error = (await asAlice.query('SELECT 1; SELECT 2').catch((e: unknown) => e)) as NeonDbError;
    expect(error.code).toBe('42601');
    expect(error.message).toBe('cannot insert multiple commands into a prepared statement');
  });
});

describe('drizzle-orm/neon-http', () => {
  it("$withAuth scopes each query to the token's user", async () => {
    const db = drizzle(neon(urls.databaseAuthenticatedUrl));
    const aliceTasks = await db.$withAuth(alice.accessToken).select({ task: todos.task }).from(todos).orderBy(todos.id);
    expect(aliceTasks).toEqual([{ task: 'alice 1' }, { task: 'alice 2' }]);
    await db.$withAuth(bob.accessToken).insert(todos).values({ task: 'bob 2' });
    const bobTasks = await db.$withAuth(bob.accessToken).select({ task: todos.task, userId: todos.userId }).from(todos).orderBy(todos.id);
    expect(bobTasks).toEqual([
      { task: 'bob 1', userId: bob.id },
      { task: 'bob 2', userId: bob.id },
    ]);
    const deleted = await db.$withAuth(alice.accessToken).delete(todos).returning({ id: todos.id });
    expect(deleted).toHaveLength(2);
    expect(await db.$withAuth(bob.accessToken).select({ task: todos.task }).from(todos)).toHaveLength(2);
  });

  it('a client-level token reaches db.batch', async () => {
    const db = drizzle(neon(urls.databaseAuthenticatedUrl, { authToken: bob.accessToken }));
    const [rows, count] = await db.batch([db.select({ task: todos.task }).from(todos), db.execute(dsql`SELECT auth.user_id() AS uid`)]);
    expect(rows).toHaveLength(2);
    expect(count.rows).toEqual([{ uid: bob.id }]);
  });
});
