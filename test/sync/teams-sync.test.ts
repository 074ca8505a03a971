/**
 * Team data for RLS, same database: with `sync teams` on, neon_auth.teams_sync and team_members_sync follow every team
 * change in the change's own transaction (read right after each call returns, no waiting), and turning it on copies
 * the teams made before. On each store.
 */
import { expect, it } from 'vitest';
import { setTeamData } from '../../src/sync/team-data-setting.js';
import { addMember, removeMember } from '../../src/teams/memberships.js';
import { createTeam, deleteTeam, updateTeam } from '../../src/teams/teams.js';
import { describeOnEachStore } from '../helpers/server.js';

describeOnEachStore('team data in the same database (%s)', (t) => {
  const ctx = () => t.server.ctx;
  const newUser = async (email: string) => (await ctx().users.create(t.projectId, { primary_email: email })).id;

  async function teams(): Promise<{ id: string; name: string; display_name: string; server_metadata: unknown }[]> {
    const { rows } = await ctx().db.query<{ id: string; name: string; display_name: string; server_metadata: unknown }>(
      "SELECT id, name, raw_json->>'display_name' AS display_name, raw_json->'server_metadata' AS server_metadata FROM neon_auth.teams_sync ORDER BY name",
    );
    return rows;
  }
  async function members(): Promise<string[]> {
    const { rows } = await ctx().db.query<{ pair: string }>(
      "SELECT team_id || ' ' || user_id AS pair FROM neon_auth.team_members_sync ORDER BY pair",
    );
    return rows.map((r) => r.pair);
  }

  it('copies the existing teams when turned on, then follows each change at once, and empties when turned off', async () => {
    const alice = await newUser('alice@example.com');
    const bob = await newUser('bob@example.com');
    const before = await createTeam(ctx(), t.projectId, { display_name: 'Before' }, alice);
    expect(await teams()).toEqual([]);

    expect(await setTeamData(ctx(), t.projectId, true)).toEqual({ enabled: true, teams: 1, members: 1 });
    expect(await teams()).toEqual([{ id: before.id, name: 'Before', display_name: 'Before', server_metadata: null }]);
    expect(await members()).toEqual([`${before.id} ${alice}`]);

    const team = await createTeam(ctx(), t.projectId, { display_name: 'Zeta' }, null);
    expect((await teams()).map((r) => r.name)).toEqual(['Before', 'Zeta']);
    await updateTeam(ctx(), t.projectId, team.id, { display_name: 'Zed', server_metadata: { plan: 'pro' } });
    expect((await teams())[1]).toEqual({ id: team.id, name: 'Zed', display_name: 'Zed', server_metadata: { plan: 'pro' } });

    await addMember(ctx(), t.projectId, team.id, bob);
    await addMember(ctx(), t.projectId, team.id, alice);
    expect(await members()).toEqual([`${before.id} ${alice}`, `${team.id} ${alice}`, `${team.id} ${bob}`].sort());
    await removeMember(ctx(), t.projectId, team.id, alice);
    expect(await members()).toEqual([`${before.id} ${alice}`, `${team.id} ${bob}`].sort());

    // Deleting a user removes its memberships (a cascade in authsync's tables): the copies go too.
    await ctx().users.delete(t.projectId, bob);
    expect(await members()).toEqual([`${before.id} ${alice}`]);

    await deleteTeam(ctx(), t.projectId, before.id);
    expect(await teams()).toEqual([{ id: team.id, name: 'Zed', display_name: 'Zed', server_metadata: { plan: 'pro' } }]);
    expect(await members()).toEqual([]);

    await addMember(ctx(), t.projectId, team.id, alice);
    expect(await setTeamData(ctx(), t.projectId, false)).toEqual({ enabled: false, teams: 0, members: 0 });
    expect(await teams()).toEqual([]);
    expect(await members()).toEqual([]);
    // Off: changes are no longer copied.
    await createTeam(ctx(), t.projectId, { display_name: 'After' }, alice);
    expect(await teams()).toEqual([]);
  });
});
