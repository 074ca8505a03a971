/**
 * `authsync rls lint`: drizzle-kit's crud policies on a large table are listed (the identity read per row, no index
 * on user_id) with their fixes; a small table is not, unless --min-rows says so; after the fixes the report is empty.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { TODOS_MIGRATION } from './support.js';

let db: TestDatabase;
let client: pg.Client;

interface Finding {
  kind: string;
  table: string;
  policy?: string;
  column?: string;
  rows: number;
  rewritable?: boolean;
  fix: string;
}

async function lint(...args: string[]): Promise<Finding[]> {
  const result = await runCli(['rls', 'lint', '--database-url', db.url, '--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
}

beforeAll(async () => {
  db = await createTestDatabase('authsync_lint');
  client = new pg.Client(db.url);
  await client.connect();
  // The lint reads only the catalogs: readers with the kit's names and types are enough for the policies to exist.
  await client.query(`CREATE SCHEMA auth; CREATE FUNCTION auth.user_id() RETURNS text LANGUAGE sql STABLE AS 'SELECT NULL::text'`);
  await client.query(`DO $$ BEGIN CREATE ROLE authenticated NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  for (const table of ['todos', 'small_todos']) {
    for (const statement of TODOS_MIGRATION.slice(0, 6)) await client.query(statement.replaceAll('"todos"', `"${table}"`));
  }
  await client.query(`INSERT INTO todos (user_id, task) SELECT 'user ' || i, 'task' FROM generate_series(1, 20000) i`);
  await client.query(`INSERT INTO small_todos (user_id, task) SELECT 'user ' || i, 'task' FROM generate_series(1, 10) i`);
  await client.query('ANALYZE todos; ANALYZE small_todos');
}, 30_000);

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('authsync rls lint', () => {
  it('lists the per-row policies and the missing index of a large table, with their fixes', async () => {
    const findings = await lint();
    const perRow = findings.filter((f) => f.kind === 'per-row-identity');
    expect(perRow.map((f) => [f.table, f.policy, f.rewritable])).toEqual([
      ['todos', 'crud-authenticated-policy-delete', true],
      ['todos', 'crud-authenticated-policy-insert', true],
      ['todos', 'crud-authenticated-policy-select', true],
      ['todos', 'crud-authenticated-policy-update', true],
    ]);
    expect(perRow[0]!.fix).toBe("authsync rls optimize --database-url <this database's URL>");
    expect(perRow[0]!.rows).toBe(20000);
    expect(findings.filter((f) => f.kind === 'missing-index')).toEqual([
      expect.objectContaining({ table: 'todos', column: 'user_id', fix: 'CREATE INDEX ON "public"."todos" ("user_id");' }),
    ]);
  });

  it('--min-rows lowers the threshold to include the small table', async () => {
    const tables = new Set((await lint('--min-rows', '5')).map((f) => f.table));
    expect([...tables].sort()).toEqual(['small_todos', 'todos']);
  });

  it('after the suggested fixes nothing is left; an index starting with the column counts, one with it second does not', async () => {
    expect((await runCli(['rls', 'optimize', '--database-url', db.url])).code).toBe(0);
    await client.query('CREATE INDEX todos_task_user ON todos (task, user_id)');
    expect(await lint()).toEqual([expect.objectContaining({ kind: 'missing-index', table: 'todos', column: 'user_id' })]);
    await client.query('CREATE INDEX todos_user_task ON todos (user_id, task)');
    expect(await lint()).toEqual([]);
    const text = await runCli(['rls', 'lint', '--database-url', db.url]);
    expect(text.stdout).toBe('No findings on tables of 10000 rows or more.\n');
  });

  it('refuses a --min-rows that is not a whole number', async () => {
    const result = await runCli(['rls', 'lint', '--database-url', db.url, '--min-rows', 'lots']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('authsync: --min-rows must be a whole number, 0 or more.\n');
  });
});
