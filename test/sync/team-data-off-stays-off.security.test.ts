/**
 * Turning team data off in a project whose app database is elsewhere leaves no membership there to grant access: the
 * rows go at once, and a team copy still waiting in the outbox (written before `--off`) brings nothing back when the
 * worker applies it. PostgreSQL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.js';
import { syncTargetOnce } from '../../src/sync/target-pass.js';
import { addMember } from '../../src/teams/memberships.js';
import { createTeam } from '../../src/teams/teams.js';
import { runCli } from '../cli/run-cli.js';
import { useTestServer } from '../helpers/server.js';
import { createSyncProject, eventually, withClient, type SyncProject } from './sync-helpers.js';

const t = useTestServer();
let p: SyncProject;
const cli = (...args: string[]) => runCli([...args, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir]);
const memberships = async () =>
  withClient(p.app!.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM neon_auth.team_members_sync')).rows[0].n as number);

beforeAll(async () => {
  p = await createSyncProject(t, { externalApp: true });
});
afterAll(async () => {
  await t.stop();
  await p?.app?.drop();
});

it('team data turned off grants no membership in another database, even from copies still on their way', async () => {
  const { ctx } = t.server;
  const alice = (await ctx.users.create(p.projectId, { primary_email: 'alice@example.com' })).id;
  const bob = (await ctx.users.create(p.projectId, { primary_email: 'bob@example.com' })).id;
  const team = await createTeam(ctx, p.projectId, { display_name: 'Acme' }, alice);
  const on = await cli('sync', 'teams', '--project', p.projectId);
  expect(on.code, on.stderr).toBe(0);
  await eventually(async () => expect(await memberships()).toBe(1));

  await t.server.sync.stop(); // the copy below waits in the outbox until this test applies it
  await addMember(ctx, p.projectId, team.id, bob);
  const queued = await ctx.db.query("SELECT 1 FROM authsync.sync_outbox WHERE project_id = $1 AND op = 'team'", [p.projectId]);
  expect(queued.rowCount).toBeGreaterThan(0);
  const off = await cli('sync', 'teams', '--project', p.projectId, '--off');
  expect(off.code, off.stderr).toBe(0);
  expect(await memberships()).toBe(0);

  const target = openPostgres(p.app!.url, { max: 1 });
  try {
    const pass = await syncTargetOnce(ctx.db, target, p.projectId);
    expect(pass.batches).toBeGreaterThan(0);
  } finally {
    await target.close();
  }
  expect(await memberships()).toBe(0);
  expect(await withClient(p.app!.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM neon_auth.teams_sync')).rows[0].n)).toBe(
    0,
  );
});
