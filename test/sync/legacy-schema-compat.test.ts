/**
 * An app written against Legacy Neon Auth works unchanged: the SQL of the legacy docs, verbatim, and
 * drizzle-orm's usersSync helper, against an authsync-maintained neon_auth.users_sync, in the server's own
 * database (same transaction) and in another database (outbox). Also: deletes are soft as before, erase
 * fires the docs' ON DELETE CASCADE / SET NULL, and the docs' UUID variant fails as it always did.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { usersSync } from 'drizzle-orm/neon';
import { and, eq, isNull } from 'drizzle-orm';
import { pgTable, serial, text } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, useTestServer } from '../helpers/server.js';
import { call, createSyncProject, eventually, expectTargetEqualsSource, type SyncProject } from './sync-helpers.js';

const TODOS_TEXT = `CREATE TABLE todos (
    id SERIAL PRIMARY KEY,
    task TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES neon_auth.users_sync(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);`;
const TODOS_UUID = `CREATE TABLE todos (
    id SERIAL PRIMARY KEY,
    task TEXT NOT NULL,
    user_id UUID NOT NULL REFERENCES neon_auth.users_sync(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);`;
const POSTS_UUID = `CREATE TABLE posts (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    author_id UUID REFERENCES neon_auth.users_sync(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);`;
// The docs' posts table with the one change that makes it valid: TEXT, the type of users_sync.id.
const POSTS_TEXT = POSTS_UUID.replace('author_id UUID', 'author_id TEXT');
const JOIN_QUERY = `SELECT
    t.task,
    u.name as user_name,
    u.email as user_email
FROM todos t
JOIN neon_auth.users_sync u ON t.user_id = u.id
WHERE u.deleted_at IS NULL;`;
const LEFT_JOIN_QUERY = `SELECT posts.*, neon_auth.users_sync.name as author_name
FROM posts
LEFT JOIN neon_auth.users_sync ON posts.author_id = neon_auth.users_sync.id
WHERE neon_auth.users_sync.deleted_at IS NULL;`;

type Mode = 'same database' | 'another database (outbox)';

describe.each<Mode>(['same database', 'another database (outbox)'])('legacy users_sync SQL in the %s', (mode) => {
  const t = useTestServer();
  let p: SyncProject | { projectId: string; keys: TestServer['keys'] };
  let appUrl: string;
  let app: pg.Client;
  const settle = async (check: () => Promise<void>) => (mode === 'same database' ? check() : eventually(check));

  beforeAll(async () => {
    if (mode === 'same database') {
      p = { projectId: t.projectId, keys: t.keys };
      appUrl = t.databaseUrl!;
    } else {
      const project = await createSyncProject(t, { externalApp: true });
      p = project;
      appUrl = project.app!.url;
    }
    app = new pg.Client({ connectionString: appUrl });
    await app.connect();
  });
  afterAll(async () => {
    await app?.end();
    await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
    if ('app' in p) await p.app?.drop();
  });

  it('has the exact legacy shape: generated id, name, email, created_at; plain updated_at, deleted_at; pkey and deleted_at index', async () => {
    const { rows } = await app.query(
      `SELECT column_name, data_type, is_generated, is_nullable FROM information_schema.columns
       WHERE table_schema = 'neon_auth' AND table_name = 'users_sync' ORDER BY ordinal_position`,
    );
    expect(rows.map((r) => [r.column_name, r.data_type, r.is_generated, r.is_nullable])).toEqual([
      ['raw_json', 'jsonb', 'NEVER', 'NO'],
      ['id', 'text', 'ALWAYS', 'NO'],
      ['name', 'text', 'ALWAYS', 'YES'],
      ['email', 'text', 'ALWAYS', 'YES'],
      ['created_at', 'timestamp with time zone', 'ALWAYS', 'YES'],
      ['updated_at', 'timestamp with time zone', 'NEVER', 'YES'],
      ['deleted_at', 'timestamp with time zone', 'NEVER', 'YES'],
    ]);
    const idx = await app.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'neon_auth' AND tablename = 'users_sync' ORDER BY 1`);
    expect(idx.rows.map((r) => r.indexname)).toEqual(['users_sync_deleted_at_idx', 'users_sync_pkey']);
  });

  it("runs the docs' todos, insert, join, posts and LEFT JOIN; soft delete keeps rows, erase cascades and sets null", async () => {
    await app.query(TODOS_TEXT);
    await app.query(POSTS_TEXT);
    const alice = await call(t, p, 'POST', '/users', { primary_email: `alice-${mode.length}@example.com`, display_name: 'Alice' });
    const bob = await call(t, p, 'POST', '/users', { primary_email: `bob-${mode.length}@example.com`, display_name: 'Bob' });
    expect(alice.status).toBe(201);
    const aliceId = alice.json.id as string;
    const bobId = bob.json.id as string;

    await settle(async () => {
      const { rowCount } = await app.query('SELECT 1 FROM neon_auth.users_sync WHERE id = ANY($1)', [[aliceId, bobId]]);
      expect(rowCount).toBe(2);
    });
    // The docs' insert, with a real user ID in place of the placeholder.
    await app.query(`INSERT INTO todos (task, user_id)\nVALUES ('Buy groceries', '${aliceId}');`);
    await app.query(`INSERT INTO posts (title, content, author_id) VALUES ('Hello', 'First post', '${bobId}')`);
    expect((await app.query(JOIN_QUERY)).rows).toEqual([
      { task: 'Buy groceries', user_name: 'Alice', user_email: `alice-${mode.length}@example.com` },
    ]);
    expect((await app.query(LEFT_JOIN_QUERY)).rows).toMatchObject([{ title: 'Hello', author_name: 'Bob', author_id: bobId }]);

    // DELETE /users/{id}: the legacy soft delete. The row stays (raw_json kept), deleted_at is set, CASCADE does not fire.
    expect((await call(t, p, 'DELETE', `/users/${aliceId}`)).status).toBe(200);
    await settle(async () => {
      const { rows } = await app.query('SELECT deleted_at, raw_json->>$2 AS email FROM neon_auth.users_sync WHERE id = $1', [
        aliceId,
        'primary_email',
      ]);
      expect(rows[0]?.deleted_at).toBeInstanceOf(Date);
      expect(rows[0]?.email).toBe(`alice-${mode.length}@example.com`);
    });
    expect((await app.query('SELECT count(*)::int AS n FROM todos')).rows[0].n).toBe(1);
    expect((await app.query(JOIN_QUERY)).rows).toEqual([]);

    // Erase (the API form): the row goes, so ON DELETE CASCADE and ON DELETE SET NULL fire.
    expect((await call(t, p, 'POST', `/users/${aliceId}/erase`)).json).toEqual({ success: true });
    expect((await call(t, p, 'POST', `/users/${bobId}/erase`)).status).toBe(200);
    await settle(async () => {
      expect(
        (await app.query('SELECT count(*)::int AS n FROM neon_auth.users_sync WHERE id = ANY($1)', [[aliceId, bobId]])).rows[0].n,
      ).toBe(0);
    });
    expect((await app.query('SELECT count(*)::int AS n FROM todos')).rows[0].n).toBe(0);
    expect((await app.query('SELECT author_id FROM posts')).rows).toEqual([{ author_id: null }]);
    // The LEFT JOIN keeps the post of the erased author.
    expect((await app.query(LEFT_JOIN_QUERY)).rows).toMatchObject([{ title: 'Hello', author_name: null }]);
    // Erasing again, or an unknown user, is a clean 404, not a 500.
    expect((await call(t, p, 'POST', `/users/00000000-0000-4000-8000-000000000000/erase`)).json.code).toBe('USER_NOT_FOUND');
    expect((await call(t, p, 'POST', '/users/not-a-uuid/erase')).status).toBe(400);
  });

  it("the docs' UUID REFERENCES variants fail: users_sync.id is TEXT", async () => {
    const failure = {
      message: expect.stringMatching(/foreign key constraint .* cannot be implemented/),
      detail: expect.stringMatching(/incompatible types: uuid and text/),
    };
    await expect(app.query(TODOS_UUID.replace('todos', 'todos_uuid'))).rejects.toMatchObject(failure);
    await expect(app.query(POSTS_UUID.replace('posts', 'posts_uuid'))).rejects.toMatchObject(failure);
  });

  it('reflects every user change in raw_json; updated_at is NULL until the first update', async () => {
    const created = await call(t, p, 'POST', '/users', { primary_email: `carol-${mode.length}@example.com` });
    const id = created.json.id as string;
    const read = async () =>
      (await app.query('SELECT raw_json, name, email, created_at, updated_at FROM neon_auth.users_sync WHERE id = $1', [id])).rows[0];
    await settle(async () => {
      const row = await read();
      expect(row?.updated_at).toBeNull();
      expect(row?.created_at.getTime()).toBe(created.json.signed_up_at_millis);
    });
    await call(t, p, 'PATCH', `/users/${id}`, {
      display_name: 'Carol',
      client_metadata: { plan: 'pro' },
      primary_email_verified: true,
      password: 'correct horse battery',
    });
    const latest = await call(t, p, 'GET', `/users/${id}`);
    await settle(async () => {
      const row = await read();
      expect(row.name).toBe('Carol');
      expect(row.updated_at).toBeInstanceOf(Date);
      expect(row.raw_json).toEqual(latest.json);
    });
    await call(t, p, 'PATCH', `/users/${id}`, { password: null, primary_email: `carol2-${mode.length}@example.com` });
    await settle(async () => {
      const row = await read();
      expect(row.email).toBe(`carol2-${mode.length}@example.com`);
      expect(row.raw_json.has_password).toBe(false);
    });
    // An anonymous sign-up, then its upgrade to a real account.
    const anon = await call(t, p, 'POST', '/auth/anonymous/sign-up', undefined, true);
    const anonId = anon.json.user_id as string;
    await settle(async () =>
      expect((await app.query('SELECT raw_json FROM neon_auth.users_sync WHERE id = $1', [anonId])).rows[0]?.raw_json.is_anonymous).toBe(
        true,
      ),
    );
    await call(t, p, 'PATCH', `/users/${anonId}`, { is_anonymous: false, primary_email: `dave-${mode.length}@example.com` }).catch(
      () => undefined,
    );
    const after = await call(t, p, 'GET', `/users/${anonId}`);
    await settle(async () =>
      expect((await app.query('SELECT raw_json FROM neon_auth.users_sync WHERE id = $1', [anonId])).rows[0]?.raw_json).toEqual(after.json),
    );
    await settle(() => expectTargetEqualsSource(t.server.ctx.db, appUrl, p.projectId));
  });

  it("drizzle-orm's usersSync selects and joins", async () => {
    const created = await call(t, p, 'POST', '/users', { primary_email: `erin-${mode.length}@example.com`, display_name: 'Erin' });
    const id = created.json.id as string;
    await app
      .query(`INSERT INTO todos (task, user_id) SELECT 'Write tests', $1 WHERE EXISTS (SELECT 1 FROM neon_auth.users_sync WHERE id = $1)`, [
        id,
      ])
      .catch(() => undefined);
    const db = drizzle(app);
    await settle(async () => {
      const users = await db.select().from(usersSync).where(eq(usersSync.id, id));
      expect(users).toHaveLength(1);
      expect(users[0]).toMatchObject({ id, name: 'Erin', email: `erin-${mode.length}@example.com`, deletedAt: null, updatedAt: null });
      expect(typeof users[0]!.createdAt).toBe('string');
      expect((users[0]!.rawJson as { id: string }).id).toBe(id);
    });
    await app.query(`INSERT INTO todos (task, user_id) VALUES ('Drizzle join', $1)`, [id]);
    const todos = pgTable('todos', { id: serial('id').primaryKey(), task: text('task').notNull(), userId: text('user_id').notNull() });
    const joined = await db
      .select({ task: todos.task, name: usersSync.name })
      .from(todos)
      .innerJoin(usersSync, eq(todos.userId, usersSync.id))
      .where(and(eq(usersSync.id, id), isNull(usersSync.deletedAt)));
    expect(joined.map((r) => r.task)).toContain('Drizzle join');
    expect(joined.every((r) => r.name === 'Erin')).toBe(true);
  });
});
