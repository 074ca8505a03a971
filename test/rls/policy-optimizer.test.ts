/**
 * `authsync rls optimize` on drizzle-kit's four crud policies (generated from drizzle-orm's crudPolicy/authUid):
 * every actor (two users and an anonymous user through /sql with the Neon driver, and a session with no identity)
 * sees, inserts, updates and deletes the same rows before and after the rewrite; the rewritten policies use an index
 * on user_id; --dry-run changes nothing; a second run changes nothing.
 */
import { neon } from '@neondatabase/serverless';
import { sql as dsql } from 'drizzle-orm';
import { anonymousRole, authenticatedRole, authUid, crudPolicy } from 'drizzle-orm/neon';
import { bigint, boolean, integer, pgTable, text } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { driverActor, drizzleKitPolicies, noIdentityActor, storedPolicies, type Actor } from './policy-support.js';
import { signUpAnonymous, startTodosFixture, TODOS_MIGRATION, type TestUser } from './support.js';

const ownRows = (userId: Parameters<typeof authUid>[0]) => authUid(userId);
const notesColumns = {
  id: integer('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .default(dsql`(auth.user_id())`),
  task: text('task').notNull(),
};
const notes = pgTable('notes', notesColumns, (table) => [
  crudPolicy({ role: authenticatedRole, read: ownRows(table.userId), modify: ownRows(table.userId) }),
  crudPolicy({ role: anonymousRole, read: ownRows(table.userId), modify: ownRows(table.userId) }),
]);
const bigNotes = pgTable('big_notes', notesColumns, (table) => [
  crudPolicy({ role: authenticatedRole, read: ownRows(table.userId), modify: ownRows(table.userId) }),
]);

let fixture: Awaited<ReturnType<typeof startTodosFixture>>;
let superuser: pg.Client;
let anon: TestUser;
let actors: Actor[];

/** The seed rows: two of Alice's, one of Bob's, one of the anonymous user's, one of someone else's. */
async function seed(): Promise<void> {
  const { alice, bob } = fixture;
  await superuser.query('TRUNCATE notes');
  await superuser.query(
    `INSERT INTO notes (id, user_id, task) VALUES (1, $1, 'a1'), (2, $1, 'a2'), (3, $2, 'b1'), (4, $3, 'n1'), (5, 'someone else', 's1')`,
    [alice.id, bob.id, anon.id],
  );
}

/** What one actor can do to `notes`, step by step from the seed (each step its own request). */
async function observe(actor: Actor, someoneElse: string): Promise<Record<string, unknown>> {
  await seed();
  const ids = (r: Record<string, unknown>[] | { error: string }) =>
    Array.isArray(r) ? r.map((row) => Number(row.id)).sort((a, b) => a - b) : r;
  return {
    visible: await actor.run('SELECT id, user_id, task FROM notes ORDER BY id'),
    insertOwn: ids(await actor.run(`INSERT INTO notes (id, task) VALUES (100, 'mine') RETURNING id`)),
    insertForged: ids(await actor.run(`INSERT INTO notes (id, task, user_id) VALUES (101, 'forged', $1) RETURNING id`, [someoneElse])),
    update: ids(await actor.run(`UPDATE notes SET task = task || '!' RETURNING id`)),
    updateGiveAway: ids(await actor.run(`UPDATE notes SET user_id = $1 WHERE id IN (1, 2, 3, 4) RETURNING id`, [someoneElse])),
    delete: ids(await actor.run(`DELETE FROM notes WHERE id <> 100 RETURNING id`)),
    after: await superuser.query('SELECT id, user_id, task FROM notes ORDER BY id').then((r) => r.rows),
  };
}

async function observeAll(): Promise<Record<string, Record<string, unknown>>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (const actor of actors) result[actor.name] = await observe(actor, actor.name === 'alice' ? fixture.bob.id : fixture.alice.id);
  return result;
}

async function planAsAlice(): Promise<string> {
  const asAlice = neon(fixture.urls.databaseAuthenticatedUrl, { authToken: fixture.alice.accessToken });
  const rows = (await asAlice.query('EXPLAIN SELECT id, task FROM big_notes')) as { 'QUERY PLAN': string }[];
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

beforeAll(async () => {
  fixture = await startTodosFixture();
  superuser = new pg.Client(fixture.t.databaseUrl);
  await superuser.connect();
  anon = await signUpAnonymous(fixture.t);
  const owner = neon(fixture.urls.databaseUrl);
  for (const [table, name] of [
    [notes, 'notes'],
    [bigNotes, 'big_notes'],
  ] as const) {
    await owner.query(
      `CREATE TABLE "${name}" ("id" integer PRIMARY KEY, "user_id" text DEFAULT (auth.user_id()) NOT NULL, "task" text NOT NULL)`,
    );
    await owner.query(`ALTER TABLE "${name}" ENABLE ROW LEVEL SECURITY`);
    for (const statement of drizzleKitPolicies(table)) await owner.query(statement);
    await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${name}" TO authenticated, anonymous`);
  }
  await owner.query(`INSERT INTO big_notes SELECT i, 'user ' || i, 'filler' FROM generate_series(1, 20000) i`);
  await owner.query(`INSERT INTO big_notes VALUES (20001, $1, 'a'), (20002, $1, 'b')`, [fixture.alice.id]);
  await owner.query('CREATE INDEX big_notes_user_id_idx ON big_notes (user_id)');
  await owner.query('ANALYZE big_notes');
  const { t, urls, alice, bob } = fixture;
  actors = [
    driverActor('alice', urls.databaseAuthenticatedUrl, alice.accessToken),
    driverActor('bob', urls.databaseAuthenticatedUrl, bob.accessToken),
    driverActor('anonymous user', urls.anonymousUrl, anon.accessToken),
    await noIdentityActor(t),
  ];
}, 60_000);

afterAll(async () => {
  for (const actor of actors ?? []) await actor.close();
  await superuser?.end();
  await fixture?.t.stop();
});

describe('drizzle-kit policies', () => {
  it('drizzleKitPolicies renders crudPolicy/authUid as drizzle-kit 0.31 does (the recorded todos migration)', () => {
    const todos = pgTable(
      'todos',
      {
        id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
        userId: text('user_id').notNull(),
        isComplete: boolean('is_complete').notNull().default(false),
      },
      (table) => [crudPolicy({ role: authenticatedRole, read: authUid(table.userId), modify: authUid(table.userId) })],
    );
    expect(drizzleKitPolicies(todos)).toEqual(TODOS_MIGRATION.slice(2, 6));
  });
});

describe('authsync rls optimize', () => {
  let before: Record<string, Record<string, unknown>>;
  let planBefore: string;

  it('before: each actor sees and changes only what the correlated policies allow', { timeout: 60_000 }, async () => {
    before = await observeAll();
    const { alice, bob } = fixture;
    const alices = before.alice!;
    expect(alices.visible).toEqual([
      { id: 1, user_id: alice.id, task: 'a1' },
      { id: 2, user_id: alice.id, task: 'a2' },
    ]);
    expect(alices.insertOwn).toEqual([100]);
    expect(alices.insertForged).toEqual({ error: '42501' });
    expect(alices.update).toEqual([1, 2, 100]);
    expect(alices.updateGiveAway).toEqual({ error: '42501' });
    expect(alices.delete).toEqual([1, 2]);
    expect(before.bob!.visible).toEqual([{ id: 3, user_id: bob.id, task: 'b1' }]);
    expect(before['anonymous user']!.visible).toEqual([{ id: 4, user_id: anon.id, task: 'n1' }]);
    // No identity: auth.user_id() is NULL, so every comparison is NULL: nothing visible, nothing may be written.
    expect(before['no identity']).toMatchObject({ visible: [], insertOwn: { error: '42501' }, update: [], delete: [] });
    planBefore = await planAsAlice();
    expect(planBefore).toContain('Seq Scan on big_notes');
    expect(planBefore).toContain('SubPlan');
  });

  it('--dry-run lists the rewrites and changes nothing', async () => {
    const stored = await storedPolicies(fixture.t.databaseUrl!, 'notes');
    const result = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!, '--dry-run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { rewritten: { table: string; policy: string; using: unknown }[]; dryRun: boolean };
    expect(report.dryRun).toBe(true);
    expect(report.rewritten.filter((p) => p.table === 'notes').map((p) => p.policy)).toEqual([
      'crud-anonymous-policy-delete',
      'crud-anonymous-policy-insert',
      'crud-anonymous-policy-select',
      'crud-anonymous-policy-update',
      'crud-authenticated-policy-delete',
      'crud-authenticated-policy-insert',
      'crud-authenticated-policy-select',
      'crud-authenticated-policy-update',
    ]);
    expect(await storedPolicies(fixture.t.databaseUrl!, 'notes')).toEqual(stored);
  });

  it('rewrites the four crud policies into the InitPlan form, printing before and after', async () => {
    const result = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('public.notes "crud-authenticated-policy-update"');
    expect(result.stdout).toContain('before: ( SELECT (auth.user_id() = notes.user_id))');
    expect(result.stdout).toContain('after:  (user_id = ( SELECT auth.user_id() AS user_id))');
    // notes (8), big_notes (4) and the fixture's todos (4); the anonymous todos policy reads no identity.
    expect(result.stdout).toContain('16 policies rewritten.');
    const initPlan = '(user_id = ( SELECT auth.user_id() AS user_id))';
    expect(await storedPolicies(fixture.t.databaseUrl!, 'notes')).toMatchObject({
      'crud-authenticated-policy-select': { using: initPlan, withCheck: null },
      'crud-authenticated-policy-insert': { using: null, withCheck: initPlan },
      'crud-authenticated-policy-update': { using: initPlan, withCheck: initPlan },
      'crud-authenticated-policy-delete': { using: initPlan, withCheck: null },
    });
  });

  it('after: every actor sees, inserts, updates and deletes exactly the same rows', { timeout: 60_000 }, async () => {
    expect(await observeAll()).toEqual(before);
  });

  it("after: alice's rows are found through the index on user_id", async () => {
    const plan = await planAsAlice();
    expect(plan).toMatch(/Index Scan using big_notes_user_id_idx on big_notes/);
    expect(plan).not.toContain('SubPlan');
  });

  it('a second run changes nothing', async () => {
    const stored = await storedPolicies(fixture.t.databaseUrl!, 'notes');
    const result = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rewritten: [], unrecognised: [] });
    expect(await storedPolicies(fixture.t.databaseUrl!, 'notes')).toEqual(stored);
  });
});
