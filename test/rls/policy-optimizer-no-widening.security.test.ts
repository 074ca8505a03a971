/**
 * The policy rewrite never widens access: conditions beside the identity comparison are kept (OR, AND, inside an
 * EXISTS), forms it does not recognise are left exactly as they are (and reported), and text that only looks like
 * the correlated form (inside a string literal) is not touched. Each user, and a session without identity, sees the
 * same rows of every table before and after.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { initPlanFormSql } from '../../src/rls/optimize-pattern.js';
import { driverActor, noIdentityActor, storedPolicies, type Actor } from './policy-support.js';
import { startTodosFixture } from './support.js';

/** A table per policy, each `FOR ALL TO authenticated USING (…)` (WITH CHECK defaults to USING). */
const POLICIES: Record<string, string> = {
  docs_or: `(select auth.user_id() = user_id) OR is_public`,
  docs_and: `(select auth.user_id() = user_id) AND NOT archived`,
  docs_conjunction: `(select auth.user_id() = user_id and not archived)`,
  docs_not_equal: `(select auth.user_id() <> user_id)`,
  docs_literal: `task = '( SELECT (auth.user_id() = docs_literal.user_id))'`,
  docs_exists: `EXISTS (SELECT 1 FROM members m WHERE m.doc_id = id AND (select auth.user_id() = m.user_id))`,
  docs_uuid: `(select auth.uid()::text = user_id)`,
};

let fixture: Awaited<ReturnType<typeof startTodosFixture>>;
let superuser: pg.Client;
let actors: Actor[];

async function visibleEverywhere(): Promise<Record<string, Record<string, unknown>>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (const actor of actors) {
    result[actor.name] = {};
    for (const table of Object.keys(POLICIES)) result[actor.name]![table] = await actor.run(`SELECT id FROM ${table} ORDER BY id`);
  }
  return result;
}

beforeAll(async () => {
  fixture = await startTodosFixture();
  const { t, alice, bob, urls } = fixture;
  superuser = new pg.Client(t.databaseUrl);
  await superuser.connect();
  await superuser.query(`CREATE TABLE members (doc_id int, user_id text)`);
  await superuser.query(`GRANT SELECT ON members TO authenticated`);
  await superuser.query(`INSERT INTO members VALUES (2, $1), (3, $2)`, [alice.id, bob.id]);
  for (const [table, using] of Object.entries(POLICIES)) {
    await superuser.query(`CREATE TABLE ${table} (id int PRIMARY KEY, user_id text, is_public bool, archived bool, task text)`);
    await superuser.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    await superuser.query(`CREATE POLICY p ON ${table} FOR ALL TO authenticated USING (${using})`);
    await superuser.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO authenticated`);
    await superuser.query(
      `INSERT INTO ${table} VALUES (1, $1, false, false, 'a'), (2, $1, false, true, 'a archived'), (3, $2, true, false, 'b public'),
        (4, $2, false, false, 'b'), (5, NULL, true, false, 'no owner'), (6, 'x', false, false, '( SELECT (auth.user_id() = docs_literal.user_id))')`,
      [alice.id, bob.id],
    );
  }
  actors = [
    driverActor('alice', urls.databaseAuthenticatedUrl, alice.accessToken),
    driverActor('bob', urls.databaseAuthenticatedUrl, bob.accessToken),
    await noIdentityActor(t),
  ];
}, 60_000);

afterAll(async () => {
  for (const actor of actors ?? []) await actor.close();
  await superuser?.end();
  await fixture?.t.stop();
});

describe('the policy rewrite never widens access', () => {
  it('keeps every condition, leaves unrecognised forms alone, and every actor sees the same rows', { timeout: 60_000 }, async () => {
    const before = await visibleEverywhere();
    expect(before.alice).toMatchObject({
      docs_or: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 5 }],
      docs_and: [{ id: 1 }],
      docs_exists: [{ id: 2 }],
    });
    expect(before['no identity']).toMatchObject({ docs_or: [{ id: 3 }, { id: 5 }], docs_and: [], docs_exists: [] });

    const result = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { rewritten: { table: string }[]; unrecognised: { table: string }[] };
    expect(
      report.rewritten
        .map((p) => p.table)
        .filter((t) => t.startsWith('docs_'))
        .sort(),
    ).toEqual(['docs_and', 'docs_exists', 'docs_or', 'docs_uuid']);
    expect(report.unrecognised.map((p) => p.table)).toEqual(['docs_conjunction', 'docs_not_equal']);

    const using = async (table: string) => (await storedPolicies(fixture.t.databaseUrl!, table)).p!.using;
    expect(await using('docs_or')).toBe('((user_id = ( SELECT auth.user_id() AS user_id)) OR is_public)');
    expect(await using('docs_and')).toBe('((user_id = ( SELECT auth.user_id() AS user_id)) AND (NOT archived))');
    expect(await using('docs_conjunction')).toBe(
      '( SELECT ((auth.user_id() = docs_conjunction.user_id) AND (NOT docs_conjunction.archived)))',
    );
    expect(await using('docs_not_equal')).toBe('( SELECT (auth.user_id() <> docs_not_equal.user_id))');
    expect(await using('docs_literal')).toBe(`(task = '( SELECT (auth.user_id() = docs_literal.user_id))'::text)`);
    expect((await using('docs_exists'))!.replace(/\s+/g, ' ')).toBe(
      '(EXISTS ( SELECT 1 FROM members m WHERE ((m.doc_id = docs_exists.id) AND (m.user_id = ( SELECT auth.user_id() AS user_id)))))',
    );

    expect(await visibleEverywhere()).toEqual(before);
  });

  it('rewrites only the exact deparsed shape; literals, other operators and other expressions are copied unchanged', async () => {
    const rewrite = async (expr: string | null) =>
      (await superuser.query<{ r: string | null }>(`SELECT ${initPlanFormSql('$1::text')} AS r`, [expr])).rows[0]!.r;
    expect(await rewrite(null)).toBeNull();
    expect(await rewrite('')).toBe('');
    expect(await rewrite('( SELECT ("Docs"."userId" = auth.user_id()))')).toBe('("Docs"."userId" = ( SELECT auth.user_id()))');
    expect(await rewrite(`( SELECT ((auth.session() ->> 'sub'::text) = t.owner))`)).toBe(
      `(t.owner = ( SELECT (auth.session() ->> 'sub'::text)))`,
    );
    for (const untouched of [
      `'( SELECT (auth.user_id() = t.c))'::text`,
      `"( SELECT (auth.user_id() = t.c))"`,
      '( SELECT (auth.user_id() = t.c) )',
      '( SELECT (auth.user_id() = lower(t.c)))',
      `( SELECT ((auth.session() ->> 'role'::text) = t.c))`,
      '( SELECT (public.user_id() = t.c))',
      '( SELECT (auth.user_id() = t.c)) OR',
      '( SELECT (auth.user_id() < t.c))',
      '( SELECT (t.a = t.c))',
    ]) {
      const expected = untouched.endsWith(' OR') ? '(t.c = ( SELECT auth.user_id())) OR' : untouched;
      expect(await rewrite(untouched)).toBe(expected);
    }
  });
});
