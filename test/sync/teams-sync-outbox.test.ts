/**
 * Team data for RLS in an app database that is not the server's own: `authsync sync teams` creates and fills the
 * tables there, then every team change reaches them through the outbox and the target worker. Nothing is lost while
 * the database is unreachable or a table has been dropped: once it is back, every team and membership is there, once,
 * and `sync status` shows the backlog draining to zero. `sync resync` repairs hand edits. An extra target of a
 * project on the server's own database gets them the same way. (`--off`:
 * team-data-off-stays-off.security.test.ts.) PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncStatus } from '../../src/sync/status.js';
import { addMember, removeMember } from '../../src/teams/memberships.js';
import { createTeam, deleteTeam, updateTeam } from '../../src/teams/teams.js';
import { runCli } from '../cli/run-cli.js';
import { adminQuery } from '../helpers/databases.js';
import { useTestServer } from '../helpers/server.js';
import { createSyncProject, eventually, withClient, type SyncProject } from './sync-helpers.js';

interface TeamData {
  teams: string[];
  members: string[];
}

describe('team data through the outbox (app database elsewhere)', () => {
  const t = useTestServer();
  let p: SyncProject;
  const cli = (...args: string[]) => runCli([...args, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir]);
  const ctx = () => t.server.ctx;
  const newUser = async (email: string) => (await ctx().users.create(p.projectId, { primary_email: email })).id;

  /** What the app database must hold: authsync's teams (ID and name) and memberships of the project. */
  async function expected(): Promise<TeamData> {
    const teams = await ctx().db.query<{ row: string }>(
      "SELECT id || ' ' || display_name AS row FROM authsync.teams WHERE project_id = $1 ORDER BY row",
      [p.projectId],
    );
    const members = await ctx().db.query<{ row: string }>(
      "SELECT team_id || ' ' || user_id AS row FROM authsync.team_members WHERE project_id = $1 ORDER BY row",
      [p.projectId],
    );
    return { teams: teams.rows.map((r) => r.row), members: members.rows.map((r) => r.row) };
  }
  /** What it holds (duplicates would show: no DISTINCT). */
  async function actual(): Promise<TeamData> {
    return withClient(p.app!.url, async (c) => ({
      teams: (await c.query<{ row: string }>("SELECT id || ' ' || name AS row FROM neon_auth.teams_sync ORDER BY row")).rows.map(
        (r) => r.row,
      ),
      members: (
        await c.query<{ row: string }>("SELECT team_id || ' ' || user_id AS row FROM neon_auth.team_members_sync ORDER BY row")
      ).rows.map((r) => r.row),
    }));
  }
  const arrives = async (timeoutMs?: number) => eventually(async () => expect(await actual()).toEqual(await expected()), timeoutMs);
  const status = async () => (await syncStatus(ctx().db, p.projectId)).find((s) => s.purpose === 'app')!;

  beforeAll(async () => {
    p = await createSyncProject(t, { externalApp: true });
  });
  afterAll(async () => {
    await t.stop(); // before dropping the app database (the server's worker holds connections to it)
    await p?.app?.drop();
  });

  it('sync teams creates and fills the tables there, then each change arrives', async () => {
    const alice = await newUser('alice@example.com');
    const acme = await createTeam(ctx(), p.projectId, { display_name: 'Acme', server_metadata: { plan: 'pro' } }, alice);
    const on = await cli('sync', 'teams', '--project', p.projectId, '--json');
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toEqual({ enabled: true, teams: 1, members: 1 });
    // Filled by the command itself, before it returned.
    expect(await actual()).toEqual(await expected());
    const raw = await withClient(p.app!.url, async (c) => (await c.query('SELECT raw_json FROM neon_auth.teams_sync')).rows[0]);
    expect(raw.raw_json).toMatchObject({ id: acme.id, display_name: 'Acme', server_metadata: { plan: 'pro' } });
    // End users may read the memberships and the names there, not raw_json.
    const grants = await withClient(
      p.app!.url,
      async (c) =>
        (
          await c.query(`SELECT has_table_privilege('authenticated', 'neon_auth.team_members_sync', 'SELECT') AS members,
                                has_column_privilege('authenticated', 'neon_auth.teams_sync', 'name', 'SELECT') AS name,
                                has_column_privilege('authenticated', 'neon_auth.teams_sync', 'raw_json', 'SELECT') AS raw`)
        ).rows[0],
    );
    expect(grants).toEqual({ members: true, name: true, raw: false });

    await addMember(ctx(), p.projectId, acme.id, await newUser('bob@example.com'));
    await updateTeam(ctx(), p.projectId, acme.id, { display_name: 'Acme Inc' });
    await arrives();
  });

  it('loses nothing while the database is unreachable, and status shows the backlog drain to zero', async () => {
    const app = p.app!;
    const users = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((name) => newUser(`${name}@example.com`)));
    await eventually(async () => expect((await status()).pending).toBe(0)); // the users are there before the outage
    await adminQuery(`ALTER DATABASE ${app.name} ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [app.name]);
    try {
      const teams = [];
      for (let i = 0; i < 5; i++) teams.push((await createTeam(ctx(), p.projectId, { display_name: `Team ${i}` }, users[0]!)).id);
      for (const team of teams) for (const user of users.slice(1)) await addMember(ctx(), p.projectId, team, user);
      await updateTeam(ctx(), p.projectId, teams[1]!, { display_name: 'Renamed' });
      await removeMember(ctx(), p.projectId, teams[2]!, users[1]!);
      await deleteTeam(ctx(), p.projectId, teams[3]!);
      // A deleted user leaves every team (a cascade in authsync's tables, carried by the user's own outbox row).
      await ctx().users.delete(p.projectId, users[3]!);
      // 5 creations, 15 additions, a rename, a removal, a deletion: 23 team copies wait, and show in status and /metrics.
      await eventually(async () => {
        const s = await status();
        expect(s).toMatchObject({ teamData: true, teamPending: 23 });
        expect(s.pending).toBe(24); // and the user's deletion
        expect(s.teamLagSeconds).toBeGreaterThan(0);
        expect(s.lastError).toBeTruthy();
      });
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(
        new RegExp(`authsync_team_data_pending\\{project="${p.projectId}",target="[^"]+${app.name}",mode="outbox"\\} 23`),
      );
      expect(metrics).toMatch(
        new RegExp(`authsync_team_data_lag_seconds\\{project="${p.projectId}",target="[^"]+",mode="outbox"\\} [0-9.]*[1-9]`),
      );
    } finally {
      await adminQuery(`ALTER DATABASE ${app.name} ALLOW_CONNECTIONS true`);
    }
    await arrives(60_000);
    await eventually(async () =>
      expect(await status()).toMatchObject({ pending: 0, lagSeconds: 0, teamPending: 0, teamLagSeconds: 0, lastError: null }),
    );
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(
      new RegExp(`authsync_team_data_pending\\{project="${p.projectId}",target="[^"]+",mode="outbox"\\} 0\n`),
    );
    const data = await actual();
    expect(data.teams).toHaveLength(5); // Acme and 4 of the 5 (one deleted)
    expect(data.members.filter((m) => m.endsWith(users[3]!))).toEqual([]);
  });

  it('waits while a table is locked there, then applies every change', async () => {
    const team = await createTeam(ctx(), p.projectId, { display_name: 'Locked out' }, null);
    await arrives();
    await withClient(p.app!.url, async (c) => {
      await c.query('BEGIN');
      await c.query('LOCK TABLE neon_auth.team_members_sync IN ACCESS EXCLUSIVE MODE');
      for (const name of ['l1', 'l2', 'l3']) await addMember(ctx(), p.projectId, team.id, await newUser(`${name}@example.com`));
      await eventually(async () => expect((await status()).teamPending).toBe(3));
      await c.query('COMMIT');
    });
    await arrives();
    await eventually(async () => expect(await status()).toMatchObject({ pending: 0, teamPending: 0 }));
  });

  it('ends with every member after concurrent additions to one team (changes of a team take turns)', async () => {
    const team = await createTeam(ctx(), p.projectId, { display_name: 'Crowded' }, null);
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => newUser(`crowd${i}@example.com`)));
    await Promise.all(users.map((user) => addMember(ctx(), p.projectId, team.id, user)));
    await arrives();
    expect((await actual()).members.filter((m) => m.startsWith(team.id))).toHaveLength(20);
    const version = await withClient(
      p.app!.url,
      async (c) => (await c.query('SELECT version FROM authsync_sync.team_versions WHERE id = $1', [team.id])).rows[0].version,
    );
    expect(Number(version)).toBe(21); // created, then 20 additions
  });

  it('re-creates a dropped table and fills it again with every membership', async () => {
    await withClient(p.app!.url, (c) => c.query('DROP TABLE neon_auth.team_members_sync'));
    const team = await createTeam(ctx(), p.projectId, { display_name: 'After the drop' }, await newUser('late@example.com'));
    await arrives();
    expect((await actual()).members.filter((m) => m.startsWith(team.id))).toHaveLength(1);
  });

  it('sync resync repairs hand edits there', async () => {
    const before = await expected();
    await withClient(p.app!.url, async (c) => {
      await c.query('DELETE FROM neon_auth.team_members_sync WHERE ctid IN (SELECT ctid FROM neon_auth.team_members_sync LIMIT 2)');
      await c.query("UPDATE neon_auth.teams_sync SET name = 'edited'");
      await c.query("INSERT INTO neon_auth.teams_sync VALUES ('stray', 'Stray', '{}', now(), now())");
    });
    const resync = await cli('sync', 'resync', '--project', p.projectId, '--json');
    expect(resync.code, resync.stderr).toBe(0);
    const report = (JSON.parse(resync.stdout) as { teamDataRepaired?: number }[])[0]!;
    // 2 memberships, every team renamed back, the stray removed.
    expect(report.teamDataRepaired).toBe(2 + before.teams.length + 1);
    expect(await actual()).toEqual(before);
  });

  it("a project on the server's own database with an extra target: in the change's transaction here, through the outbox there", async () => {
    const q = await createSyncProject(t, { targets: 1 });
    try {
      const on = await cli('sync', 'teams', '--project', q.projectId, '--json');
      expect(on.code, on.stderr).toBe(0);
      const user = (await ctx().users.create(q.projectId, { primary_email: 'extra@example.com' })).id;
      const team = await createTeam(ctx(), q.projectId, { display_name: 'Both' }, user);
      const pair = `${team.id} ${user}`;
      const pairs = "SELECT team_id || ' ' || user_id AS pair FROM neon_auth.team_members_sync WHERE team_id = $1";
      // Here at once (no waiting), there eventually.
      expect((await ctx().db.query<{ pair: string }>(pairs, [team.id])).rows.map((r) => r.pair)).toEqual([pair]);
      await eventually(async () =>
        expect(await withClient(q.targets[0]!.url, async (c) => (await c.query(pairs, [team.id])).rows.map((r) => r.pair))).toEqual([pair]),
      );
    } finally {
      await t.server.sync.stop(); // the worker's connections to the target go before it is dropped
      for (const target of q.targets) await target.drop();
    }
  });
});
