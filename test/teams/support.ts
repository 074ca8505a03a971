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
