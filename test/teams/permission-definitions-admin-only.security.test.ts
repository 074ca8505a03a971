/**
 * Permission definitions are the project administrator's: client and server access can neither list, create, change
 * nor delete them (and a client cannot grant or revoke a permission); one project's definitions are invisible to
 * another, whose keys can neither see, change, delete nor grant them, and the database refuses a grant that names
 * another project's definition. Deleting a project removes its definitions.
 */
import { expect, it } from 'vitest';
import { deleteProject } from '../../src/internal/managed-projects.js';
import { createProject } from '../../src/projects/projects.js';
import { adminHeaders, api, clientHeaders, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { expectKnownError, signUp, withToken } from '../api/support.js';
import { serverTeam } from './support.js';

async function definitionRows(t: TestServer, projectId = t.projectId): Promise<unknown> {
  const { rows } = await t.server.ctx.db.query(
    `SELECT json_build_object(
       'definitions', (SELECT coalesce(json_agg(d.id ORDER BY d.id), '[]') FROM authsync.permission_definitions d WHERE d.project_id = $1),
       'containments', (SELECT coalesce(json_agg(json_build_array(c.permission_id, c.contained_id) ORDER BY c.permission_id, c.contained_id), '[]')
                        FROM authsync.permission_containments c WHERE c.project_id = $1),
       'grants', (SELECT coalesce(json_agg(json_build_array(g.team_id, g.user_id, g.permission_id) ORDER BY g.team_id, g.user_id, g.permission_id), '[]')
                  FROM authsync.team_member_permissions g WHERE g.project_id = $1)) AS state`,
    [projectId],
  );
  return rows[0]!.state;
}

describeOnEachStore('permission definitions are admin-only and per project on %s', (t) => {
  it('client and server access cannot list, create, change or delete definitions; a client cannot grant', async () => {
    const created = await api(t, 'POST', '/team-permission-definitions', { headers: adminHeaders(t), body: { id: 'guarded' } });
    expect(created.status, created.text).toBe(201);
    const alice = await signUp(t);
    const team = await serverTeam(t, 'Guarded', alice.userId);
    const before = await definitionRows(t);

    for (const [access, headers] of [
      ['client', withToken(t, alice.accessToken)],
      ['server', serverHeaders(t)],
    ] as const) {
      for (const path of ['/team-permission-definitions', '/project-permission-definitions']) {
        const tries = [
          await api(t, 'GET', path, { headers }),
          await api(t, 'POST', path, { headers, body: { id: 'sneaky' } }),
          await api(t, 'PATCH', `${path}/guarded`, { headers, body: { contained_permission_ids: ['$delete_team'] } }),
          await api(t, 'PATCH', `${path}/team_member`, { headers, body: { contained_permission_ids: ['team_admin'] } }),
          await api(t, 'DELETE', `${path}/guarded`, { headers }),
        ];
        for (const res of tries)
          expectKnownError(res, 'INSUFFICIENT_ACCESS_TYPE', 401, { actual_access_type: access, allowed_access_types: ['admin'] });
      }
    }
    expectKnownError(
      await api(t, 'POST', `/team-permissions/${team.id}/me/guarded`, { headers: withToken(t, alice.accessToken), body: {} }),
      'INSUFFICIENT_ACCESS_TYPE',
      401,
    );
    expectKnownError(
      await api(t, 'DELETE', `/team-permissions/${team.id}/me/team_admin`, { headers: withToken(t, alice.accessToken) }),
      'INSUFFICIENT_ACCESS_TYPE',
      401,
    );
    expectKnownError(await api(t, 'GET', '/team-permission-definitions', { headers: clientHeaders(t) }), 'INSUFFICIENT_ACCESS_TYPE', 401);
    expect(await definitionRows(t)).toEqual(before);
  });

  it('another project’s definitions are invisible: not listed, not changed, not deleted, not granted', async () => {
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other' });
    const elsewhere: TestServer = { ...t, projectId: other.project.id, keys: other.keys };
    const made = await api(elsewhere, 'POST', '/team-permission-definitions', {
      headers: adminHeaders(elsewhere),
      body: { id: 'foreign', contained_permission_ids: ['$delete_team'] },
    });
    expect(made.status, made.text).toBe(201);
    expect(
      (await api(elsewhere, 'POST', '/project-permission-definitions', { headers: adminHeaders(elsewhere), body: { id: 'foreign_p' } }))
        .status,
    ).toBe(201);
    const foreignBefore = await definitionRows(elsewhere);
    const ownBefore = await definitionRows(t);

    const admin = adminHeaders(t);
    const listed = await api(t, 'GET', '/team-permission-definitions', { headers: admin });
    expect((listed.json.items as Array<{ id: string }>).map((d) => d.id)).not.toContain('foreign');
    expect((await api(t, 'GET', '/project-permission-definitions', { headers: admin })).json.items).not.toContainEqual(
      expect.objectContaining({ id: 'foreign_p' }),
    );
    expectKnownError(
      await api(t, 'PATCH', '/team-permission-definitions/foreign', { headers: admin, body: { id: 'mine' } }),
      'PERMISSION_NOT_FOUND',
      404,
    );
    expectKnownError(await api(t, 'DELETE', '/team-permission-definitions/foreign', { headers: admin }), 'PERMISSION_NOT_FOUND', 404);
    expectKnownError(await api(t, 'DELETE', '/project-permission-definitions/foreign_p', { headers: admin }), 'PERMISSION_NOT_FOUND', 404);
    expectKnownError(
      await api(t, 'POST', '/team-permission-definitions', {
        headers: admin,
        body: { id: 'wrapper', contained_permission_ids: ['foreign'] },
      }),
      'CONTAINED_PERMISSION_NOT_FOUND',
      400,
    );

    // Its id is free here: this project makes its own `foreign`, and the other project's stays as it was.
    expect((await api(t, 'POST', '/team-permission-definitions', { headers: admin, body: { id: 'foreign' } })).status).toBe(201);
    expect((await api(t, 'DELETE', '/team-permission-definitions/foreign', { headers: admin })).status).toBe(200);

    const alice = await signUp(t);
    const team = await serverTeam(t, 'Own', alice.userId);
    expectKnownError(
      await api(t, 'POST', `/team-permissions/${team.id}/${alice.userId}/foreign_p`, { headers: serverHeaders(t), body: {} }),
      'PERMISSION_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'POST', `/team-permissions/${team.id}/${alice.userId}/foreign`, { headers: serverHeaders(t), body: {} }),
      'PERMISSION_NOT_FOUND',
      404,
    );
    // Below the API too: a grant naming another project's definition breaks a reference.
    await expect(
      t.server.ctx.db.query(
        `INSERT INTO authsync.team_member_permissions (team_id, user_id, project_id, permission_id) VALUES ($1, $2, $3, 'foreign')`,
        [team.id, alice.userId, other.project.id],
      ),
    ).rejects.toThrow(/foreign key/);

    expect(await definitionRows(elsewhere)).toEqual(foreignBefore);
    const ownAfter = (await definitionRows(t)) as { definitions: string[] };
    expect(ownAfter.definitions).toEqual((ownBefore as { definitions: string[] }).definitions);

    await deleteProject(t.server.ctx.db, other.project.id);
    expect(await definitionRows(elsewhere)).toEqual({ definitions: [], containments: [], grants: [] });
  });
});
