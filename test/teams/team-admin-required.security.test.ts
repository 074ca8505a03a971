/**
 * A member without team_admin (only the default team_member) cannot add or remove others, update or delete the team,
 * or raise its own permissions: TEAM_PERMISSION_REQUIRED (401, Stack's details) or INSUFFICIENT_ACCESS_TYPE, nothing
 * changed. It may still leave, read the members and edit its own profile. Granting `$update_team` alone allows exactly
 * the update.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { expectKnownError, signUp, withToken } from '../api/support.js';
import { addMember, serverTeam, teamState } from './support.js';

describeOnEachStore('team_admin is required on %s', (t) => {
  it('a plain member cannot manage the team; a granted system permission allows its one action', async () => {
    const admin = await signUp(t);
    const member = await signUp(t);
    const other = await signUp(t);
    const team = await serverTeam(t, 'Managed', admin.userId);
    const id = team.id as string;
    await addMember(t, id, member.userId);
    await addMember(t, id, other.userId);
    const headers = withToken(t, member.accessToken);
    const before = await teamState(t);
    const required = (permission_id: string) => ({ team_id: id, user_id: member.userId, permission_id });

    expectKnownError(
      await api(t, 'PATCH', `/teams/${id}`, { headers, body: { display_name: 'Taken' } }),
      'TEAM_PERMISSION_REQUIRED',
      401,
      required('$update_team'),
    );
    expectKnownError(
      await api(t, 'DELETE', `/teams/${id}`, { headers, body: {} }),
      'TEAM_PERMISSION_REQUIRED',
      401,
      required('$delete_team'),
    );
    for (const victim of [other.userId, admin.userId]) {
      expectKnownError(
        await api(t, 'DELETE', `/team-memberships/${id}/${victim}`, { headers, body: {} }),
        'TEAM_PERMISSION_REQUIRED',
        401,
        required('$remove_members'),
      );
    }
    expectKnownError(
      await api(t, 'POST', `/team-memberships/${id}/${other.userId}`, { headers, body: {} }),
      'INSUFFICIENT_ACCESS_TYPE',
      401,
    );
    expectKnownError(await api(t, 'POST', `/team-permissions/${id}/me/team_admin`, { headers, body: {} }), 'INSUFFICIENT_ACCESS_TYPE', 401);
    expect(await teamState(t)).toEqual(before);

    // What a member may do.
    expect((await api(t, 'GET', `/team-member-profiles?team_id=${id}`, { headers })).json.items).toHaveLength(3);
    expect((await api(t, 'PATCH', `/team-member-profiles/${id}/me`, { headers, body: { display_name: 'Me here' } })).status).toBe(200);

    // $update_team alone: the update passes, deleting still does not.
    expect(
      (await api(t, 'POST', `/team-permissions/${id}/${member.userId}/$update_team`, { headers: serverHeaders(t), body: {} })).status,
    ).toBe(201);
    expect((await api(t, 'PATCH', `/teams/${id}`, { headers, body: { display_name: 'Renamed' } })).json.display_name).toBe('Renamed');
    expectKnownError(
      await api(t, 'DELETE', `/teams/${id}`, { headers, body: {} }),
      'TEAM_PERMISSION_REQUIRED',
      401,
      required('$delete_team'),
    );

    expect((await api(t, 'DELETE', `/team-memberships/${id}/me`, { headers, body: {} })).status).toBe(200);
    expect((await api(t, 'GET', `/teams/${id}`, { headers: serverHeaders(t) })).status).toBe(200);
  });
});
