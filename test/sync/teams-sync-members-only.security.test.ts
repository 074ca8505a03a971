/**
 * Team data for RLS through /sql: `authsync sync teams --project ID` turned on from the CLI, a table whose policy asks
 * neon_auth.team_members_sync whether the token's user is a member of the row's team, queried with the Neon driver
 * as each user. A member sees the team's rows, a non-member none; adding and removing a member takes effect on the very
 * next query. End users read the team tables, but not teams_sync.raw_json (server metadata). PostgreSQL.
 */
import { neon, NeonDbError, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantAppRole } from '../../src/sync/grants.js';
import { addMember, removeMember } from '../../src/teams/memberships.js';
import { createTeam } from '../../src/teams/teams.js';
import { runCli } from '../cli/run-cli.js';
import type { TestServer } from '../helpers/server.js';
import { appOwnerRole, startTodosFixture, type TestUser } from '../rls/support.js';

const POLICY_TABLE = [
  `CREATE TABLE projects (id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, team_id text NOT NULL, name text NOT NULL)`,
  `ALTER TABLE projects ENABLE ROW LEVEL SECURITY`,
  `CREATE POLICY "team members read" ON projects FOR SELECT TO authenticated USING (
     EXISTS (SELECT 1 FROM neon_auth.team_members_sync m WHERE m.team_id = projects.team_id AND m.user_id = (select auth.user_id())))`,
  `GRANT SELECT ON projects TO authenticated`,
];

let t: TestServer;
let alice: TestUser;
let bob: TestUser;
let asAlice: NeonQueryFunction<false, false>;
let asBob: NeonQueryFunction<false, false>;
let teamId: string;
let owner: NeonQueryFunction<false, false>;

beforeAll(async () => {
  let urls: { databaseUrl: string };
  ({ t, urls, alice, bob, asAlice, asBob } = await startTodosFixture({ mode: 'postgres' }));
  owner = neon(urls.databaseUrl);
  // The app's owner role references the team tables in its policy: `authsync sync grant --role` gives it access.
  await grantAppRole(t.server.ctx.db, appOwnerRole(t)!);
  for (const statement of POLICY_TABLE) await owner.query(statement);
  teamId = (await createTeam(t.server.ctx, t.projectId, { display_name: 'Acme', server_metadata: { plan: 'secret' } }, alice.id)).id;
  const other = await createTeam(t.server.ctx, t.projectId, { display_name: 'Other' }, bob.id);
  await owner.query('INSERT INTO projects (team_id, name) VALUES ($1, $2), ($1, $3), ($4, $5)', [
    teamId,
    'rocket',
    'anvil',
    other.id,
    'other',
  ]);
  const on = await runCli(['sync', 'teams', '--project', t.projectId, '--json', '--database-url', t.databaseUrl!, '--data-dir', t.dataDir]);
  expect(on.code, on.stderr).toBe(0);
  expect(JSON.parse(on.stdout)).toEqual({ enabled: true, teams: 2, members: 2 });
});

afterAll(async () => {
  await t?.stop();
});

const names = async (as: NeonQueryFunction<false, false>) =>
  ((await as`SELECT name FROM projects ORDER BY name`) as { name: string }[]).map((r) => r.name);

describe('a policy on neon_auth.team_members_sync through /sql', () => {
  it("lets a member see the team's rows and a non-member none", async () => {
    expect(await names(asAlice)).toEqual(['anvil', 'rocket']);
    expect(await names(asBob)).toEqual(['other']);
  });

  it('follows a new member and a removed one on the next query', async () => {
    await addMember(t.server.ctx, t.projectId, teamId, bob.id);
    expect(await names(asBob)).toEqual(['anvil', 'other', 'rocket']);
    await removeMember(t.server.ctx, t.projectId, teamId, alice.id);
    expect(await names(asAlice)).toEqual([]);
  });

  it("lets end users read the teams' names but not raw_json", async () => {
    expect(await asBob`SELECT name FROM neon_auth.teams_sync ORDER BY name`).toEqual([{ name: 'Acme' }, { name: 'Other' }]);
    const error = await asBob`SELECT raw_json FROM neon_auth.teams_sync`.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonDbError);
    expect((error as NeonDbError).code).toBe('42501');
  });

  it('sync resync repairs drift: a lost membership, a stray team, a dropped teams_sync', async () => {
    const db = t.server.ctx.db;
    await db.query('DELETE FROM neon_auth.team_members_sync WHERE user_id = $1', [bob.id]);
    await db.query("INSERT INTO neon_auth.teams_sync VALUES ('stray', 'Stray', '{}', now(), now())");
    expect(await names(asBob)).toEqual([]);
    await db.query('DROP TABLE neon_auth.teams_sync');
    const resync = await runCli([
      'sync',
      'resync',
      '--project',
      t.projectId,
      '--json',
      '--database-url',
      t.databaseUrl!,
      '--data-dir',
      t.dataDir,
    ]);
    expect(resync.code, resync.stderr).toBe(0);
    // Two teams copied again into the re-created table, two memberships of Bob's.
    expect(JSON.parse(resync.stdout)).toMatchObject([{ target: 'server', teamDataRepaired: 4 }]);
    expect(await names(asBob)).toEqual(['anvil', 'other', 'rocket']);
    expect(await asBob`SELECT name FROM neon_auth.teams_sync ORDER BY name`).toEqual([{ name: 'Acme' }, { name: 'Other' }]);
    // The app owner's grant (sync grant) came back with the table.
    expect(await owner`SELECT count(*)::int AS n FROM neon_auth.teams_sync`).toEqual([{ n: 2 }]);
  });

  it('empties the tables with --off, so the policy lets no one in', async () => {
    const off = await runCli([
      'sync',
      'teams',
      '--project',
      t.projectId,
      '--off',
      '--database-url',
      t.databaseUrl!,
      '--data-dir',
      t.dataDir,
    ]);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toBe('team data off\n');
    expect(await names(asBob)).toEqual([]);
  });
});
