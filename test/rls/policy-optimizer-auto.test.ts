/**
 * `authsync rls optimize --auto [--off]`: the event trigger rewrites a policy created (or altered) after it was
 * turned on, as drizzle-kit's migration sends it, and stops when turned off; without the privilege to create an event
 * trigger the command says so plainly and the manual command still works.
 */
import { neon } from '@neondatabase/serverless';
import { authenticatedRole, authUid, crudPolicy } from 'drizzle-orm/neon';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { drizzleKitPolicies, storedPolicies } from './policy-support.js';
import { appOwnerRole, startTodosFixture } from './support.js';

const tableOf = (name: string) =>
  pgTable(name, { id: integer('id').primaryKey(), userId: text('user_id').notNull(), task: text('task').notNull() }, (table) => [
    crudPolicy({ role: authenticatedRole, read: authUid(table.userId), modify: authUid(table.userId) }),
  ]);

/** drizzle-kit's migration of a new table with crud policies, sent by the owner through /sql in one transaction. */
async function migrate(name: string): Promise<void> {
  const owner = neon(fixture.urls.databaseUrl);
  await owner.transaction((tx) => [
    tx.query(`CREATE TABLE "${name}" ("id" integer PRIMARY KEY, "user_id" text NOT NULL, "task" text NOT NULL)`),
    tx.query(`ALTER TABLE "${name}" ENABLE ROW LEVEL SECURITY`),
    ...drizzleKitPolicies(tableOf(name)).map((statement) => tx.query(statement)),
    tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${name}" TO authenticated`),
  ]);
}

const CORRELATED = (table: string) => `( SELECT (auth.user_id() = ${table}.user_id))`;
const INITPLAN = '(user_id = ( SELECT auth.user_id() AS user_id))';

let fixture: Awaited<ReturnType<typeof startTodosFixture>>;
let ownerUrl: string;

beforeAll(async () => {
  fixture = await startTodosFixture();
  const url = new URL(fixture.t.databaseUrl!);
  url.username = appOwnerRole(fixture.t)!;
  url.password = 'owner-password';
  ownerUrl = url.toString();
}, 60_000);

afterAll(async () => {
  await fixture?.t.stop();
});

describe('authsync rls optimize --auto', () => {
  it("without a superuser, --auto says why it cannot, changes nothing, and the manual command works with the tables' owner", async () => {
    const refused = await runCli(['rls', 'optimize', '--database-url', ownerUrl, '--auto']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Automatic mode needs an event trigger, and PostgreSQL lets only a superuser install one');
    expect(refused.stderr).toContain(`${appOwnerRole(fixture.t)} is not a superuser, so nothing was changed`);
    expect(refused.stderr).not.toContain('internal error');
    expect((await storedPolicies(ownerUrl, 'todos'))['crud-authenticated-policy-select']!.using).toBe(CORRELATED('todos'));

    const manual = await runCli(['rls', 'optimize', '--database-url', ownerUrl]);
    expect(manual.code, manual.stderr).toBe(0);
    expect(manual.stdout).toContain('4 policies rewritten.');
    expect(manual.stdout).toContain('Automatic mode is off.');
    expect((await storedPolicies(ownerUrl, 'todos'))['crud-authenticated-policy-select']!.using).toBe(INITPLAN);
  });

  it("rewrites the policies of a drizzle-kit migration run after --auto, and the owner's later ALTER POLICY", async () => {
    const on = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!, '--auto']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain('Automatic mode is on');

    await migrate('later_notes');
    expect(await storedPolicies(ownerUrl, 'later_notes')).toEqual({
      'crud-authenticated-policy-delete': { using: INITPLAN, withCheck: null },
      'crud-authenticated-policy-insert': { using: null, withCheck: INITPLAN },
      'crud-authenticated-policy-select': { using: INITPLAN, withCheck: null },
      'crud-authenticated-policy-update': { using: INITPLAN, withCheck: INITPLAN },
    });
    // The rewritten policies still keep Alice to her rows.
    const { alice, bob, urls } = fixture;
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const asBob = neon(urls.databaseAuthenticatedUrl, { authToken: bob.accessToken });
    await asAlice.query(`INSERT INTO later_notes VALUES (1, $1, 'alice')`, [alice.id]);
    await asBob.query(`INSERT INTO later_notes VALUES (2, $1, 'bob')`, [bob.id]);
    expect(await asAlice.query('SELECT id FROM later_notes')).toEqual([{ id: 1 }]);

    const owner = neon(urls.databaseUrl);
    await owner.query(
      `ALTER POLICY "crud-authenticated-policy-select" ON later_notes USING ((select auth.user_id() = "later_notes"."user_id") OR task = 'shared')`,
    );
    expect((await storedPolicies(ownerUrl, 'later_notes'))['crud-authenticated-policy-select']!.using).toBe(
      `(${INITPLAN} OR (task = 'shared'::text))`,
    );
  });

  it('--auto --off removes the trigger: later policies stay as written, rewritten ones stay rewritten', async () => {
    const off = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!, '--auto', '--off']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('Automatic policy rewriting is off.');
    await migrate('plain_notes');
    expect((await storedPolicies(ownerUrl, 'plain_notes'))['crud-authenticated-policy-select']!.using).toBe(CORRELATED('plain_notes'));
    expect((await storedPolicies(ownerUrl, 'later_notes'))['crud-authenticated-policy-delete']!.using).toBe(INITPLAN);
    const status = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!, '--dry-run', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ auto: false, dryRun: true });
  });

  it('--off without --auto is refused with a clear message', async () => {
    const result = await runCli(['rls', 'optimize', '--database-url', fixture.t.databaseUrl!, '--off']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('authsync: --off goes with --auto: authsync rls optimize --auto --off.\n');
  });
});
