/**
 * The multi-tenant policy of docs/teams.md as a Drizzle app writes it: the table and its policy declared with
 * drizzle-orm (pgPolicy), created through /sql, and queried with drizzle-orm's neon-http driver as each user. Team data
 * is kept by authsync in the same database (`sync teams` on): members see their team's rows, non-members none, and a
 * removed member loses them on the very next query. PostgreSQL.
 */
import { neon } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { authenticatedRole } from 'drizzle-orm/neon';
import { drizzle } from 'drizzle-orm/neon-http';
import { bigint, pgPolicy, pgTable, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantAppRole } from '../../src/sync/grants.js';
import { setTeamData } from '../../src/sync/team-data-setting.js';
import { addMember, removeMember } from '../../src/teams/memberships.js';
import { createTeam } from '../../src/teams/teams.js';
import type { TestServer } from '../helpers/server.js';
import { appOwnerRole, startTodosFixture, type sqlUrls, type TestUser } from '../rls/support.js';

/** The policy's condition, exactly as the docs give it. */
const isTeamMember = sql`EXISTS (SELECT 1 FROM neon_auth.team_members_sync m WHERE m.team_id = projects.team_id AND m.user_id = (select auth.user_id()))`;

const projects = pgTable(
  'projects',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    teamId: text('team_id').notNull(),
    name: text('name').notNull(),
  },
  () => [pgPolicy('team members read', { for: 'select', to: authenticatedRole, using: isTeamMember })],
).enableRLS();

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;
let bob: TestUser;
let acme: string;

beforeAll(async () => {
  ({ t, urls, alice, bob } = await startTodosFixture({ mode: 'postgres' }));
  const owner = drizzle(neon(urls.databaseUrl));
  // The owner role's policy references the team tables: `authsync sync grant --role` gives it access.
  await grantAppRole(t.server.ctx.db, appOwnerRole(t)!);
  // What drizzle-kit would generate for the table above (there is no drizzle-kit run in tests).
  await owner.execute(
    sql`CREATE TABLE projects (id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, team_id text NOT NULL, name text NOT NULL)`,
  );
  await owner.execute(sql`ALTER TABLE projects ENABLE ROW LEVEL SECURITY`);
  await owner.execute(sql`CREATE POLICY "team members read" ON projects AS PERMISSIVE FOR SELECT TO authenticated USING (${isTeamMember})`);
  await owner.execute(sql`GRANT SELECT ON projects TO authenticated`);

  acme = (await createTeam(t.server.ctx, t.projectId, { display_name: 'Acme' }, alice.id)).id;
  const other = (await createTeam(t.server.ctx, t.projectId, { display_name: 'Other' }, bob.id)).id;
  await owner.insert(projects).values([
    { teamId: acme, name: 'rocket' },
    { teamId: acme, name: 'anvil' },
    { teamId: other, name: 'other' },
  ]);
  expect(await setTeamData(t.server.ctx, t.projectId, true)).toEqual({ enabled: true, teams: 2, members: 2 });
});

afterAll(async () => {
  await t?.stop();
});

const db = () => drizzle(neon(urls.databaseAuthenticatedUrl));
const visible = async (user: TestUser) =>
  (await db().$withAuth(user.accessToken).select({ name: projects.name }).from(projects).orderBy(projects.name)).map((r) => r.name);

describe('a team-membership policy through /sql with Drizzle (neon-http)', () => {
  it("shows members their team's rows and non-members none", async () => {
    expect(await visible(alice)).toEqual(['anvil', 'rocket']);
    expect(await visible(bob)).toEqual(['other']);
  });

  it('follows an added member and a removed one on the next query', async () => {
    await addMember(t.server.ctx, t.projectId, acme, bob.id);
    expect(await visible(bob)).toEqual(['anvil', 'other', 'rocket']);
    await removeMember(t.server.ctx, t.projectId, acme, alice.id);
    expect(await visible(alice)).toEqual([]);
    expect(await visible(bob)).toEqual(['anvil', 'other', 'rocket']);
  });
});
