/**
 * A client cannot read or modify a team it is not a member of: every team endpoint, with a signed-in non-member's token,
 * answers Stack's error (TEAM_MEMBERSHIP_NOT_FOUND, a text 403, or INSUFFICIENT_ACCESS_TYPE for server-only routes) and
 * changes nothing: teams, memberships, grants and every user's selected team (and version) are as before.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore } from '../helpers/server.js';
import { expectKnownError, signUp, withToken } from '../api/support.js';
import { addMember, serverTeam, teamState } from './support.js';

describeOnEachStore('a client reaches only its own teams on %s', (t) => {
  it('a non-member can neither read nor change a team, its members, their profiles or permissions', async () => {
    const owner = await signUp(t);
    const member = await signUp(t);
    const mallory = await signUp(t);
    const team = await serverTeam(t, 'Private', owner.userId);
    const id = team.id as string;
    await addMember(t, id, member.userId);
    const headers = withToken(t, mallory.accessToken);
    const before = await teamState(t);

    const notMember = { team_id: id, user_id: mallory.userId };
    expectKnownError(await api(t, 'GET', `/teams/${id}`, { headers }), 'TEAM_MEMBERSHIP_NOT_FOUND', 404, notMember);
    expectKnownError(
      await api(t, 'PATCH', `/teams/${id}`, { headers, body: { display_name: 'Mine' } }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
      notMember,
    );
    expectKnownError(await api(t, 'DELETE', `/teams/${id}`, { headers, body: {} }), 'TEAM_MEMBERSHIP_NOT_FOUND', 404, notMember);
    expectKnownError(
      await api(t, 'DELETE', `/team-memberships/${id}/${member.userId}`, { headers, body: {} }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
      notMember,
    );
    expectKnownError(await api(t, 'GET', `/team-member-profiles?team_id=${id}`, { headers }), 'TEAM_MEMBERSHIP_NOT_FOUND', 404, notMember);
    expectKnownError(
      await api(t, 'GET', `/team-member-profiles/${id}/${owner.userId}`, { headers }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
      notMember,
    );
    expectKnownError(
      await api(t, 'PATCH', '/users/me', { headers, body: { selected_team_id: id } }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
      notMember,
    );
    for (const route of [`/team-memberships/${id}/me`, `/team-permissions/${id}/me/team_admin`]) {
      expectKnownError(await api(t, 'POST', route, { headers, body: {} }), 'INSUFFICIENT_ACCESS_TYPE', 401);
    }
    expectKnownError(
      await api(t, 'DELETE', `/team-permissions/${id}/${owner.userId}/team_admin`, { headers, body: {} }),
      'INSUFFICIENT_ACCESS_TYPE',
      401,
    );

    // Other users' teams, permissions and profiles: Stack's text 403, no data.
    for (const route of [
      `/teams?user_id=${owner.userId}`,
      `/teams`,
      `/team-permissions?team_id=${id}&user_id=${owner.userId}`,
      `/team-permissions?team_id=${id}`,
    ]) {
      const res = await api(t, 'GET', route, { headers });
      expect(res.status, route).toBe(403);
      expect(res.text, route).not.toContain(id);
    }
    const ownProfile = await api(t, 'PATCH', `/team-member-profiles/${id}/${owner.userId}`, { headers, body: { display_name: 'x' } });
    expect(ownProfile.status).toBe(403);
    // Its own listings show nothing of the team.
    expect((await api(t, 'GET', '/teams?user_id=me', { headers })).json.items).toEqual([]);
    expect((await api(t, 'GET', `/team-permissions?team_id=${id}&user_id=me&recursive=true`, { headers })).json.items).toEqual([]);

    expect(await teamState(t)).toEqual(before);
  });
});
