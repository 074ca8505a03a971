/**
 * users_sync and teams (both stores): a user's row carries exactly its selected team (selected_team_id and the
 * selected_team object in raw_json), changed in the same transaction as the selection, the selected team's update,
 * leaving it and its deletion; team changes that do not touch a user's object (creating a team, adding a member,
 * grants, profiles, another team's rename) leave the user's row and version alone.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { signUp, withToken } from '../api/support.js';
import { addMember, serverTeam } from './support.js';

async function synced(t: TestServer, userId: string) {
  const { rows } = await t.server.ctx.db.query<{ raw_json: unknown }>('SELECT raw_json FROM neon_auth.users_sync WHERE id = $1', [userId]);
  const raw = rows[0]!.raw_json;
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
}

async function version(t: TestServer, userId: string): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ version: string | number }>('SELECT version FROM authsync.users WHERE id = $1', [userId]);
  return Number(rows[0]!.version);
}

describeOnEachStore('users_sync carries the selected team on %s', (t) => {
  it('follows the selection, the selected team’s changes, leaving and deletion; nothing else', async () => {
    const alice = await signUp(t);
    const v0 = await version(t, alice.userId);
    const rowBefore = await synced(t, alice.userId);

    // Not part of Alice's user object: no new version, users_sync untouched.
    const team = await serverTeam(t, 'Synced', alice.userId);
    const id = team.id as string;
    const other = await serverTeam(t, 'Other', alice.userId);
    const bob = await signUp(t);
    await addMember(t, id, bob.userId);
    await api(t, 'POST', `/team-permissions/${id}/${alice.userId}/team_member`, { headers: serverHeaders(t), body: {} });
    await api(t, 'PATCH', `/team-member-profiles/${id}/${alice.userId}`, { headers: serverHeaders(t), body: { display_name: 'A' } });
    expect(await version(t, alice.userId)).toBe(v0);
    expect(await synced(t, alice.userId)).toEqual(rowBefore);

    // Selecting: users_sync at once.
    await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { selected_team_id: id } });
    expect(await synced(t, alice.userId)).toMatchObject({
      selected_team_id: id,
      selected_team: { id, display_name: 'Synced', server_metadata: null },
    });

    // The selected team renamed: the row follows; another team renamed: no change.
    await api(t, 'PATCH', `/teams/${id}`, { headers: serverHeaders(t), body: { display_name: 'Renamed', server_metadata: { tier: 1 } } });
    expect(await synced(t, alice.userId)).toMatchObject({ selected_team: { display_name: 'Renamed', server_metadata: { tier: 1 } } });
    const v1 = await version(t, alice.userId);
    await api(t, 'PATCH', `/teams/${other.id}`, { headers: serverHeaders(t), body: { display_name: 'Other renamed' } });
    expect(await version(t, alice.userId)).toBe(v1);

    // Leaving the selected team clears it; so does deleting a selected team.
    await api(t, 'PATCH', '/users/me', { headers: withToken(t, bob.accessToken), body: { selected_team_id: id } });
    await api(t, 'DELETE', `/team-memberships/${id}/me`, { headers: withToken(t, bob.accessToken), body: {} });
    expect(await synced(t, bob.userId)).toMatchObject({ selected_team_id: null, selected_team: null });
    await api(t, 'DELETE', `/teams/${id}`, { headers: serverHeaders(t), body: {} });
    expect(await synced(t, alice.userId)).toMatchObject({ selected_team_id: null, selected_team: null });
  });
});
