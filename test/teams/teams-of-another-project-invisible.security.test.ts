/**
 * Teams of another project are invisible, even with their IDs (and their members' IDs) known: with this project's keys
 * and tokens, another project's team is TEAM_NOT_FOUND everywhere, its members are USER_NOT_FOUND or not members, it can
 * be neither selected, joined, changed nor deleted, and listings never show it; nothing of it changes.
 */
import { expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { api, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { expectKnownError, signUp, withToken } from '../api/support.js';
import { serverTeam, teamState } from './support.js';

describeOnEachStore('teams of another project are invisible on %s', (t) => {
  it('guessed IDs of another project’s team and members reach nothing', async () => {
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other' });
    const elsewhere: TestServer = { ...t, projectId: other.project.id, keys: other.keys };
    const stranger = await signUp(elsewhere);
    const foreign = await serverTeam(elsewhere, 'Foreign', stranger.userId);
    const id = foreign.id as string;
    const foreignBefore = await teamState(elsewhere);

    const alice = await signUp(t);
    const server = serverHeaders(t);
    const client = withToken(t, alice.accessToken);
    expectKnownError(await api(t, 'GET', `/teams/${id}`, { headers: server }), 'TEAM_NOT_FOUND', 404, { team_id: id });
    expectKnownError(await api(t, 'PATCH', `/teams/${id}`, { headers: server, body: { display_name: 'x' } }), 'TEAM_NOT_FOUND', 404);
    expectKnownError(await api(t, 'DELETE', `/teams/${id}`, { headers: server, body: {} }), 'TEAM_NOT_FOUND', 404);
    expectKnownError(await api(t, 'GET', `/teams/${id}`, { headers: client }), 'TEAM_NOT_FOUND', 404);
    expectKnownError(await api(t, 'POST', `/team-memberships/${id}/${alice.userId}`, { headers: server, body: {} }), 'TEAM_NOT_FOUND', 404);
    expectKnownError(
      await api(t, 'DELETE', `/team-memberships/${id}/${stranger.userId}`, { headers: server, body: {} }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'POST', `/team-permissions/${id}/${stranger.userId}/team_member`, { headers: server, body: {} }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'DELETE', `/team-permissions/${id}/${stranger.userId}/team_admin`, { headers: server, body: {} }),
      'TEAM_PERMISSION_NOT_FOUND',
      401,
    );
    expectKnownError(
      await api(t, 'PATCH', `/users/${alice.userId}`, { headers: server, body: { selected_team_id: id } }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'PATCH', `/team-member-profiles/${id}/${stranger.userId}`, { headers: server, body: { display_name: 'x' } }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
    );
    // This project's team cannot take the other project's user either.
    const own = await serverTeam(t, 'Own', alice.userId);
    expectKnownError(
      await api(t, 'POST', `/team-memberships/${own.id}/${stranger.userId}`, { headers: server, body: {} }),
      'USER_NOT_FOUND',
      404,
    );

    for (const route of [
      '/teams',
      `/teams?user_id=${stranger.userId}`,
      `/team-member-profiles?team_id=${id}`,
      `/team-permissions?team_id=${id}`,
      `/users?team_id=${id}`,
    ]) {
      const res = await api(t, 'GET', route, { headers: server });
      expect(res.status, route).toBe(200);
      expect(res.text, route).not.toContain(id);
      expect(res.text, route).not.toContain(stranger.userId);
    }
    expect(await teamState(elsewhere)).toEqual(foreignBefore);
  });
});
