/** Helpers of the team tests: teams and members made through the real HTTP API, the project's team settings. */
import { expect } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import type { ProjectConfig } from '../../src/projects/project-config.js';
import { api, serverHeaders, type TestServer } from '../helpers/server.js';

export async function setTeamConfig(
  t: TestServer,
  config: Partial<Pick<ProjectConfig, 'client_team_creation_enabled' | 'create_team_on_sign_up'>>,
): Promise<void> {
  await updateProject(t.server.ctx.db, t.projectId, { config });
  t.server.ctx.directory.invalidate(t.projectId);
}

/** A team made with server access, with `creator` as its creator (team_admin) when given. */
export async function serverTeam(t: TestServer, displayName: string, creator?: string): Promise<Record<string, unknown>> {
  const res = await api(t, 'POST', '/teams', {
    headers: serverHeaders(t),
    body: { display_name: displayName, ...(creator ? { creator_user_id: creator } : {}) },
  });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

export async function addMember(t: TestServer, teamId: string, userId: string): Promise<void> {
  const res = await api(t, 'POST', `/team-memberships/${teamId}/${userId}`, { headers: serverHeaders(t), body: {} });
  expect(res.status, res.text).toBe(201);
}

/** The permission ids a member holds (recursive), sorted. */
export async function permissionsOf(t: TestServer, teamId: string, userId: string, recursive = true): Promise<string[]> {
  const res = await api(t, 'GET', `/team-permissions?team_id=${teamId}&user_id=${userId}&recursive=${recursive}`, {
    headers: serverHeaders(t),
  });
  expect(res.status, res.text).toBe(200);
  return (res.json.items as Array<{ id: string }>).map((p) => p.id).sort();
}

export const ADMIN_PERMISSIONS = [
  '$delete_team',
  '$invite_members',
  '$manage_api_keys',
  '$read_members',
  '$remove_members',
  '$update_team',
  'team_admin',
];
export const MEMBER_PERMISSIONS = ['$invite_members', '$read_members', 'team_member'];

/** Every row of a project's teams, memberships and grants, in a fixed order: compared before and after refused requests. */
export async function teamState(t: TestServer): Promise<unknown> {
  const { rows } = await t.server.ctx.db.query(
    `SELECT json_build_object(
       'teams', (SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM authsync.teams t WHERE t.project_id = $1),
       'members', (SELECT coalesce(json_agg(m ORDER BY m.team_id, m.user_id), '[]') FROM authsync.team_members m WHERE m.project_id = $1),
       'grants', (SELECT coalesce(json_agg(p ORDER BY p.team_id, p.user_id, p.permission_id), '[]')
                  FROM authsync.team_member_permissions p JOIN authsync.team_members m USING (team_id, user_id) WHERE m.project_id = $1),
       'selected', (SELECT coalesce(json_agg(json_build_array(u.id, u.selected_team_id, u.version) ORDER BY u.id), '[]')
                    FROM authsync.users u WHERE u.project_id = $1)) AS state`,
    [t.projectId],
  );
  return rows[0]!.state;
}
