/**
 * An operator (a user of the internal project signed in to the dashboard with their password) sees and manages only
 * the projects owned by a team they are a member of: another project is "not found" on every page and every form,
 * by URL or by post, and nothing in it changes; the project list and project creation keep to their own teams; the
 * rule is asked at each request, so joining or leaving the owner team opens or closes a project at once. The admin
 * secret keeps seeing every project.
 */
import { describe, expect, it } from 'vitest';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';
import { addMember, removeMember } from '../../src/teams/memberships.js';
import { useTestServer } from '../helpers/server.js';
import { createOwnedProject, setInternalSignUp, signUpOperator, type Operator } from '../internal/support.js';
import { OPERATOR_SERVER_ENV, signInAdmin, signInOperator, type Browsing } from './operator-support.js';

const t = useTestServer({ env: OPERATOR_SERVER_ENV });

async function projectRow(projectId: string) {
  const { rows } = await t.server.ctx.db.query<{ display_name: string; config: unknown }>(
    'SELECT display_name, config FROM authsync.projects WHERE id = $1',
    [projectId],
  );
  return rows[0];
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

/** Every page of a project (and the JSON the Sync page polls) a dashboard session can GET. */
function pagesOf(projectId: string, userId: string, teamId: string): string[] {
  const base = `/projects/${projectId}`;
  return [
    base,
    `${base}/configuration`,
    `${base}/users`,
    `${base}/users/${userId}`,
    `${base}/teams`,
    `${base}/teams/${teamId}`,
    `${base}/sync`,
    `${base}/sync/status.json`,
    `${base}/rls`,
    `${base}/emails`,
  ];
}

/** Every kind of form a dashboard session can post to a project, with fields that would change it. */
function formsOf(projectId: string, userId: string, teamId: string): Array<[string, Record<string, string>]> {
  const base = `/projects/${projectId}`;
  return [
    [`${base}/configuration/rename`, { name: 'Taken over' }],
    [`${base}/configuration/settings`, { sign_up_enabled: 'on' }],
    [`${base}/configuration/domains`, { domain: 'https://evil.example' }],
    [`${base}/configuration/rotate-secret-server-key`, {}],
    [`${base}/configuration/rotate-signing-keys`, {}],
    [`${base}/configuration/oauth-providers`, { provider_id: 'github', client_id: 'x', client_secret: 'y' }],
    [`${base}/users`, { primary_email: 'planted@example.com', password: 'planted password 1' }],
    [`${base}/users/${userId}`, { display_name: 'Renamed by a stranger' }],
    [`${base}/users/${userId}/delete`, {}],
    [`${base}/teams/${teamId}/members`, { user: userId }],
    [`${base}/sync/resync`, {}],
    [`${base}/rls/providers`, { name: 'evil', jwks_url: 'https://evil.example/jwks.json' }],
    [`${base}/rls/query`, { user: userId, sql: 'SELECT 1' }],
    [`${base}/emails/smtp`, { host: 'smtp.evil.example', port: '25', sender: 'x@evil.example' }],
  ];
}

describe('an operator sees and manages only the projects their teams own', () => {
  let owner: Operator;
  let stranger: Operator;
  let ownProject: string;
  let foreignProject: string;
  let foreignUser: string;
  let foreignTeam: string;
  let dashboard: Browsing;

  it('sets up two operators, each with a project of their own team', async () => {
    await setInternalSignUp(t, true);
    owner = await signUpOperator(t);
    stranger = await signUpOperator(t);
    ownProject = await createOwnedProject(t, owner, { display_name: 'Owner project' });
    foreignProject = await createOwnedProject(t, stranger, { display_name: 'Stranger project' });
    const user = await t.server.ctx.users.create(foreignProject, {
      primary_email: 'foreign-user@example.com',
      display_name: 'Foreign user',
    });
    foreignUser = user.id;
    const { rows } = await t.server.ctx.db.query<{ id: string }>(
      `INSERT INTO authsync.teams (id, project_id, display_name) VALUES (gen_random_uuid(), $1, 'Foreign team') RETURNING id`,
      [foreignProject],
    );
    foreignTeam = rows[0]!.id;
    dashboard = await signInOperator(t, owner.email, owner.password);
  });

  it('lists only the projects of their teams', async () => {
    const list = await dashboard.get('/projects');
    expect(list.status).toBe(200);
    expect(list.body).toContain(ownProject);
    expect(list.body).toContain('Owner project');
    expect(list.body).not.toContain(foreignProject);
    expect(list.body).not.toContain('Stranger project');
    expect(list.body).not.toContain(t.projectId); // a project with no owner team
    expect(list.body).not.toContain(INTERNAL_PROJECT_ID);
    expect(list.body).toContain('1 project');
  });

  it('opens every page of an owned project', async () => {
    const user = await t.server.ctx.users.create(ownProject, { primary_email: 'own-user@example.com' });
    const { rows } = await t.server.ctx.db.query<{ id: string }>(
      `INSERT INTO authsync.teams (id, project_id, display_name) VALUES (gen_random_uuid(), $1, 'Own team') RETURNING id`,
      [ownProject],
    );
    for (const path of pagesOf(ownProject, user.id, rows[0]!.id)) {
      const page = await dashboard.get(path);
      expect([200, 303], path).toContain(page.status);
    }
    const renamed = await dashboard.post(`/projects/${ownProject}/configuration/rename`, { name: 'Owner project, renamed' });
    expect(renamed.status).toBe(303);
    expect((await projectRow(ownProject))!.display_name).toBe('Owner project, renamed');
  });

  it('gets "not found" for every page of another project, by URL', async () => {
    const targets = [foreignProject, t.projectId, INTERNAL_PROJECT_ID];
    for (const projectId of targets) {
      for (const path of pagesOf(projectId, foreignUser, foreignTeam)) {
        const page = await dashboard.get(path);
        expect(page.status, path).toBe(404);
        expect(page.body).not.toContain('Foreign user');
        expect(page.body).not.toContain('Stranger project');
      }
    }
    // Upper case, the alias of the internal project: the same answer.
    expect((await dashboard.get(`/projects/${foreignProject.toUpperCase()}/configuration`)).status).toBe(404);
    expect((await dashboard.get('/projects/internal/configuration')).status).toBe(404);
  });

  it('changes nothing in another project by form post', async () => {
    const before = {
      project: await projectRow(foreignProject),
      users: await count('SELECT count(*) AS n FROM authsync.users WHERE project_id = $1', [foreignProject]),
      members: await count('SELECT count(*) AS n FROM authsync.team_members WHERE project_id = $1', [foreignProject]),
      keys: await count('SELECT count(*) AS n FROM authsync.project_keys WHERE project_id = $1', [foreignProject]),
      user: await t.server.ctx.users.get(foreignProject, foreignUser),
    };
    for (const [path, fields] of formsOf(foreignProject, foreignUser, foreignTeam)) {
      const answer = await dashboard.post(path, fields);
      expect(answer.status, path).toBe(404);
    }
    expect(await projectRow(foreignProject)).toEqual(before.project);
    expect(await count('SELECT count(*) AS n FROM authsync.users WHERE project_id = $1', [foreignProject])).toBe(before.users);
    expect(await count('SELECT count(*) AS n FROM authsync.team_members WHERE project_id = $1', [foreignProject])).toBe(before.members);
    expect(await count('SELECT count(*) AS n FROM authsync.project_keys WHERE project_id = $1', [foreignProject])).toBe(before.keys);
    expect((await t.server.ctx.users.get(foreignProject, foreignUser))?.display_name).toBe(before.user?.display_name);
  });

  it('creates projects only for a team of their own', async () => {
    const projects = await count('SELECT count(*) AS n FROM authsync.projects', []);
    const foreign = await dashboard.post('/projects', { name: 'Planted', owner_team: stranger.teamId });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toContain('Choose one of your teams');
    const junk = await dashboard.post('/projects', { name: 'Planted', owner_team: 'not-a-uuid' });
    expect(junk.status).toBe(400);
    expect(await count('SELECT count(*) AS n FROM authsync.projects', [])).toBe(projects);
    const page = await dashboard.get('/projects');
    expect(page.body).toContain(`value="${owner.teamId}"`);
    expect(page.body).not.toContain(stranger.teamId);

    const made = await dashboard.post('/projects', { name: 'Made in the dashboard', owner_team: owner.teamId });
    expect(made.status, made.body).toBe(201);
    const { rows } = await t.server.ctx.db.query<{ id: string; owner_team_id: string }>(
      "SELECT id, owner_team_id FROM authsync.projects WHERE display_name = 'Made in the dashboard'",
    );
    expect(rows).toEqual([{ id: expect.any(String), owner_team_id: owner.teamId }]);
    expect((await dashboard.get(`/projects/${rows[0]!.id}/configuration`)).status).toBe(200);
  });

  it('follows the owner team as it is now: joining opens the project, leaving closes it', async () => {
    const ctx = t.server.ctx;
    await addMember(ctx, INTERNAL_PROJECT_ID, stranger.teamId, owner.userId);
    expect((await dashboard.get(`/projects/${foreignProject}/configuration`)).status).toBe(200);
    expect((await dashboard.get('/projects')).body).toContain(foreignProject);
    await removeMember(ctx, INTERNAL_PROJECT_ID, stranger.teamId, owner.userId);
    expect((await dashboard.get(`/projects/${foreignProject}/configuration`)).status).toBe(404);
    expect((await dashboard.post(`/projects/${foreignProject}/configuration/rename`, { name: 'Too late' })).status).toBe(404);
    expect((await projectRow(foreignProject))!.display_name).toBe('Stranger project');
  });

  it('the admin secret still sees and opens every project', async () => {
    const admin = await signInAdmin(t);
    const list = await admin.get('/projects');
    for (const projectId of [ownProject, foreignProject, t.projectId]) {
      expect(list.body).toContain(projectId);
      expect((await admin.get(`/projects/${projectId}/configuration`)).status).toBe(200);
    }
  });
});
