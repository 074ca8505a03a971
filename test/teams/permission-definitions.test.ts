/**
 * Team permission definitions over HTTP on both stores: the seeded set, custom definitions (create, rename, delete)
 * with containment at any depth, Stack's refusals, project permission definitions beside them, grants of custom
 * permissions, and the project's default sets (set with PATCH /internal/projects/current, granted to creators and
 * members, shown as the definitions that exist, kept in step when a definition is renamed or deleted).
 */
import { expect, it } from 'vitest';
import { adminHeaders, api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { expectKnownError, signUp, withToken } from '../api/support.js';
import { addMember, permissionsOf, serverTeam } from './support.js';

const SEEDED = [
  { id: '$delete_team', description: 'Delete the team', contained_permission_ids: [] },
  { id: '$invite_members', description: 'Invite other users to the team', contained_permission_ids: [] },
  { id: '$manage_api_keys', description: 'Create and manage API keys for the team', contained_permission_ids: [] },
  { id: '$read_members', description: 'Read and list the other members of the team', contained_permission_ids: [] },
  { id: '$remove_members', description: 'Remove other members from the team', contained_permission_ids: [] },
  { id: '$update_team', description: 'Update the team information', contained_permission_ids: [] },
  {
    id: 'team_admin',
    description: 'Default permission for team admins',
    contained_permission_ids: ['$delete_team', '$invite_members', '$manage_api_keys', '$read_members', '$remove_members', '$update_team'],
  },
  { id: 'team_member', description: 'Default permission for team members', contained_permission_ids: ['$invite_members', '$read_members'] },
];

describeOnEachStore('team permission definitions on %s', (t) => {
  const admin = (method: string, route: string, body?: unknown) =>
    api(t, method, route, { headers: adminHeaders(t), ...(body !== undefined ? { body } : {}) });
  const definitions = async (path = '/team-permission-definitions') => {
    const res = await admin('GET', path);
    expect(res.status, res.text).toBe(200);
    expect(res.json.is_paginated).toBe(false);
    return res.json.items as Array<{ id: string; description?: string; contained_permission_ids: string[] }>;
  };
  const customIds = async () => (await definitions()).map((d) => d.id).filter((id) => !SEEDED.some((s) => s.id === id));
  const defaultSets = async () => {
    const res = await admin('GET', '/internal/projects/current');
    expect(res.status, res.text).toBe(200);
    const config = res.json.config as Record<string, unknown>;
    return { creator: config.team_creator_default_permissions, member: config.team_member_default_permissions };
  };
  const setDefaults = async (config: Record<string, Array<{ id: string }>>) => {
    const res = await admin('PATCH', '/internal/projects/current', { config });
    expect(res.status, res.text).toBe(200);
    return res.json.config as Record<string, unknown>;
  };
  const grant = (teamId: string, userId: string, id: string) =>
    api(t, 'POST', `/team-permissions/${teamId}/${userId}/${id}`, { headers: serverHeaders(t), body: {} });

  it('every project starts with the six system permissions, team_admin and team_member, ordered by id', async () => {
    expect(await definitions()).toEqual(SEEDED);
    expect(await definitions('/project-permission-definitions')).toEqual([]);
  });

  it('create, contain, rename and delete: containment follows a rename and a deletion; the list stays ordered', async () => {
    const p1 = await admin('POST', '/team-permission-definitions', { id: 'docs:read' });
    expect(p1.status, p1.text).toBe(201);
    expect(p1.json).toEqual({ id: 'docs:read', contained_permission_ids: [] });

    const p2 = await admin('POST', '/team-permission-definitions', {
      id: 'docs:write',
      description: 'Write the docs',
      contained_permission_ids: ['docs:read', '$read_members', 'docs:read'],
    });
    expect(p2.status, p2.text).toBe(201);
    expect(p2.json).toEqual({ id: 'docs:write', description: 'Write the docs', contained_permission_ids: ['$read_members', 'docs:read'] });

    // Renaming the contained one renames it where it is contained.
    const renamed = await admin('PATCH', '/team-permission-definitions/docs:read', { id: 'docs:view' });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json).toEqual({ id: 'docs:view', contained_permission_ids: [] });
    expect((await definitions()).find((d) => d.id === 'docs:write')?.contained_permission_ids).toEqual(['$read_members', 'docs:view']);

    // Omitted fields keep their values; new containment replaces the old.
    const patched = await admin('PATCH', '/team-permission-definitions/docs:write', {
      contained_permission_ids: ['docs:view', '$update_team'],
    });
    expect(patched.json).toEqual({
      id: 'docs:write',
      description: 'Write the docs',
      contained_permission_ids: ['$update_team', 'docs:view'],
    });
    expect(await customIds()).toEqual(['docs:view', 'docs:write']);

    const deleted = await admin('DELETE', '/team-permission-definitions/docs:view');
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.json).toEqual({ success: true });
    expect((await definitions()).find((d) => d.id === 'docs:write')?.contained_permission_ids).toEqual(['$update_team']);
    expect((await admin('DELETE', '/team-permission-definitions/docs:write')).status).toBe(200);
    expect(await customIds()).toEqual([]);

    // A definition cannot contain itself before it exists; once it does, it may, and a rename carries both ends.
    expectKnownError(
      await admin('POST', '/team-permission-definitions', { id: 'ego', contained_permission_ids: ['ego'] }),
      'CONTAINED_PERMISSION_NOT_FOUND',
      400,
    );
    expect((await admin('POST', '/team-permission-definitions', { id: 'ego' })).status).toBe(201);
    expect((await admin('PATCH', '/team-permission-definitions/ego', { contained_permission_ids: ['ego'] })).json).toEqual({
      id: 'ego',
      contained_permission_ids: ['ego'],
    });
    const selfRenamed = await admin('PATCH', '/team-permission-definitions/ego', { id: 'self' });
    expect(selfRenamed.json).toEqual({ id: 'self', contained_permission_ids: ['self'] });
    // Renamed and told to contain its old id in one request: the old id no longer exists.
    expectKnownError(
      await admin('PATCH', '/team-permission-definitions/self', { id: 'other_self', contained_permission_ids: ['self'] }),
      'CONTAINED_PERMISSION_NOT_FOUND',
      400,
      { permission_id: 'self' },
    );
    expect((await admin('DELETE', '/team-permission-definitions/self')).status).toBe(200);
    expect(await customIds()).toEqual([]);
  });

  it("Stack's refusals: a taken id (either scope), an unknown or other-scope contained permission, system permissions", async () => {
    expect((await admin('POST', '/team-permission-definitions', { id: 'taken' })).status).toBe(201);
    expectKnownError(await admin('POST', '/team-permission-definitions', { id: 'taken' }), 'PERMISSION_ID_ALREADY_EXISTS', 400, {
      permission_id: 'taken',
    });
    expectKnownError(await admin('POST', '/project-permission-definitions', { id: 'taken' }), 'PERMISSION_ID_ALREADY_EXISTS', 400, {
      permission_id: 'taken',
    });
    expectKnownError(await admin('POST', '/team-permission-definitions', { id: 'team_admin' }), 'PERMISSION_ID_ALREADY_EXISTS', 400);
    expect((await admin('POST', '/team-permission-definitions', { id: 'other' })).status).toBe(201);
    expectKnownError(await admin('PATCH', '/team-permission-definitions/other', { id: 'taken' }), 'PERMISSION_ID_ALREADY_EXISTS', 400, {
      permission_id: 'taken',
    });

    const missing = await admin('POST', '/team-permission-definitions', { id: 'wants', contained_permission_ids: ['nope'] });
    expectKnownError(missing, 'CONTAINED_PERMISSION_NOT_FOUND', 400, { permission_id: 'nope' });
    expect(missing.json.error).toBe('Contained permission with ID "nope" not found. Make sure you created it on the dashboard.');
    expect((await admin('POST', '/project-permission-definitions', { id: 'billing' })).status).toBe(201);
    expectKnownError(
      await admin('POST', '/team-permission-definitions', { id: 'wants', contained_permission_ids: ['billing'] }),
      'CONTAINED_PERMISSION_NOT_FOUND',
      400,
      { permission_id: 'billing' },
    );
    expectKnownError(
      await admin('POST', '/project-permission-definitions', { id: 'wants', contained_permission_ids: ['$read_members'] }),
      'CONTAINED_PERMISSION_NOT_FOUND',
      400,
    );
    expectKnownError(
      await admin('PATCH', '/team-permission-definitions/other', { contained_permission_ids: ['nope'] }),
      'CONTAINED_PERMISSION_NOT_FOUND',
      400,
    );
    // Nothing of a refused request stays.
    expect(await customIds()).toEqual(['other', 'taken']);

    // System permissions cannot be made, changed or deleted; another scope's definition is not found in this one.
    expectKnownError(await admin('POST', '/team-permission-definitions', { id: '$own' }), 'SCHEMA_ERROR', 400);
    expectKnownError(await admin('POST', '/team-permission-definitions', { id: 'Upper' }), 'SCHEMA_ERROR', 400);
    expectKnownError(await admin('PATCH', '/team-permission-definitions/$update_team', { description: 'x' }), 'PERMISSION_NOT_FOUND', 404);
    expectKnownError(await admin('DELETE', '/team-permission-definitions/$read_members'), 'PERMISSION_NOT_FOUND', 404);
    expectKnownError(await admin('DELETE', '/team-permission-definitions/$not_a_system_one'), 'SCHEMA_ERROR', 400);
    expectKnownError(await admin('DELETE', '/team-permission-definitions/billing'), 'PERMISSION_NOT_FOUND', 404);
    expectKnownError(await admin('PATCH', '/project-permission-definitions/taken', { description: 'x' }), 'PERMISSION_NOT_FOUND', 404);
    expectKnownError(await admin('DELETE', '/team-permission-definitions/never_made'), 'PERMISSION_NOT_FOUND', 404);
    expectKnownError(await admin('POST', '/team-permission-definitions', { id: 'x', extra: 1 }), 'SCHEMA_ERROR', 400);
    expect(await definitions()).toEqual(expect.arrayContaining(SEEDED));

    for (const id of ['other', 'taken']) await admin('DELETE', `/team-permission-definitions/${id}`);
    await admin('DELETE', '/project-permission-definitions/billing');
    expect(await definitions('/project-permission-definitions')).toEqual([]);
  });

  it('project permission definitions: create, contain, rename, delete (their own list, no system permissions)', async () => {
    expect((await admin('POST', '/project-permission-definitions', { id: 'read' })).status).toBe(201);
    const write = await admin('POST', '/project-permission-definitions', {
      id: 'write',
      description: 'W',
      contained_permission_ids: ['read'],
    });
    expect(write.json).toEqual({ id: 'write', description: 'W', contained_permission_ids: ['read'] });
    expect((await admin('PATCH', '/project-permission-definitions/read', { id: 'view' })).json).toEqual({
      id: 'view',
      contained_permission_ids: [],
    });
    expect(await definitions('/project-permission-definitions')).toEqual([
      { id: 'view', contained_permission_ids: [] },
      { id: 'write', description: 'W', contained_permission_ids: ['view'] },
    ]);
    expect(await customIds()).toEqual([]);
    await admin('DELETE', '/project-permission-definitions/view');
    await admin('DELETE', '/project-permission-definitions/write');
    expect(await definitions('/project-permission-definitions')).toEqual([]);
  });

  it('custom permissions are granted and held at any depth (cycles too); a project permission is WRONG_PERMISSION_SCOPE', async () => {
    const alice = await signUp(t);
    const team = await serverTeam(t, 'Nested', alice.userId);
    const teamId = team.id as string;
    await admin('POST', '/team-permission-definitions', { id: 'leaf' });
    await admin('POST', '/team-permission-definitions', { id: 'middle', contained_permission_ids: ['leaf', '$update_team'] });
    await admin('POST', '/team-permission-definitions', { id: 'top', contained_permission_ids: ['middle'] });
    // A cycle: leaf contains top again.
    expect((await admin('PATCH', '/team-permission-definitions/leaf', { contained_permission_ids: ['top'] })).status).toBe(200);

    const granted = await grant(teamId, alice.userId, 'top');
    expect(granted.status, granted.text).toBe(201);
    expect(granted.json).toEqual({ id: 'top', team_id: teamId, user_id: alice.userId });
    expect(await permissionsOf(t, teamId, alice.userId, false)).toEqual(['team_admin', 'top']);
    const direct = await api(t, 'GET', `/team-permissions?team_id=${teamId}&user_id=${alice.userId}`, { headers: serverHeaders(t) });
    expect((direct.json.items as Array<{ id: string }>).map((p) => p.id)).toEqual(['team_admin', 'top']);
    expect(await permissionsOf(t, teamId, alice.userId)).toEqual([
      '$delete_team',
      '$invite_members',
      '$manage_api_keys',
      '$read_members',
      '$remove_members',
      '$update_team',
      'leaf',
      'middle',
      'team_admin',
      'top',
    ]);

    // A member holding only `top` may update the team: $update_team comes through middle.
    const bob = await signUp(t);
    await addMember(t, teamId, bob.userId);
    expect((await grant(teamId, bob.userId, 'top')).status).toBe(201);
    await api(t, 'DELETE', `/team-permissions/${teamId}/${bob.userId}/team_member`, { headers: serverHeaders(t) });
    const update = await api(t, 'PATCH', `/teams/${teamId}`, {
      headers: withToken(t, bob.accessToken),
      body: { display_name: 'Renamed by Bob' },
    });
    expect(update.status, update.text).toBe(200);

    await admin('POST', '/project-permission-definitions', { id: 'project_only' });
    const wrong = await grant(teamId, alice.userId, 'project_only');
    expectKnownError(wrong, 'WRONG_PERMISSION_SCOPE', 404, {
      permission_id: 'project_only',
      expected_scope: 'team',
      actual_scope: 'project',
    });
    expect(wrong.json.error).toBe(
      'Permission "project_only" not found. (It was found for a different scope "project", but scope "team" was expected.)',
    );
    expectKnownError(await grant(teamId, alice.userId, 'never_made'), 'PERMISSION_NOT_FOUND', 404);

    // Renaming a granted definition renames the grant; deleting it revokes it.
    await admin('PATCH', '/team-permission-definitions/top', { id: 'summit' });
    expect(await permissionsOf(t, teamId, alice.userId, false)).toEqual(['summit', 'team_admin']);
    await admin('DELETE', '/team-permission-definitions/summit');
    expect(await permissionsOf(t, teamId, alice.userId, false)).toEqual(['team_admin']);
    expect(await permissionsOf(t, teamId, bob.userId)).toEqual([]);
    for (const id of ['middle', 'leaf']) await admin('DELETE', `/team-permission-definitions/${id}`);
    await admin('DELETE', '/project-permission-definitions/project_only');
  });

  it('default sets: set as [{ id }], granted to creators and members, shown by id; follow a rename and a deletion', async () => {
    expect(await defaultSets()).toEqual({ creator: [{ id: 'team_admin' }], member: [{ id: 'team_member' }] });
    await admin('POST', '/team-permission-definitions', { id: 'custom', description: 'Custom' });
    const config = await setDefaults({
      team_creator_default_permissions: [{ id: 'team_admin' }, { id: 'custom' }],
      team_member_default_permissions: [{ id: 'team_member' }, { id: 'custom' }, { id: 'custom' }],
    });
    expect(config.team_creator_default_permissions).toEqual([{ id: 'custom' }, { id: 'team_admin' }]);
    expect(config.team_member_default_permissions).toEqual([{ id: 'custom' }, { id: 'team_member' }]);

    const alice = await signUp(t);
    const bob = await signUp(t);
    const teamId = (await serverTeam(t, 'Defaults', alice.userId)).id as string;
    await addMember(t, teamId, bob.userId);
    expect(await permissionsOf(t, teamId, alice.userId, false)).toEqual(['custom', 'team_admin']);
    expect(await permissionsOf(t, teamId, bob.userId, false)).toEqual(['custom', 'team_member']);

    await admin('PATCH', '/team-permission-definitions/custom', { id: 'renamed' });
    expect(await defaultSets()).toEqual({
      creator: [{ id: 'renamed' }, { id: 'team_admin' }],
      member: [{ id: 'renamed' }, { id: 'team_member' }],
    });
    await admin('DELETE', '/team-permission-definitions/renamed');
    expect(await defaultSets()).toEqual({ creator: [{ id: 'team_admin' }], member: [{ id: 'team_member' }] });
    expect(await permissionsOf(t, teamId, bob.userId, false)).toEqual(['team_member']);

    // A default naming no definition is neither shown nor granted; it applies once the definition exists.
    await setDefaults({ team_member_default_permissions: [{ id: 'later' }] });
    expect(await defaultSets()).toEqual({ creator: [{ id: 'team_admin' }], member: [] });
    const carol = await signUp(t);
    await addMember(t, teamId, carol.userId);
    expect(await permissionsOf(t, teamId, carol.userId, false)).toEqual([]);
    await admin('POST', '/team-permission-definitions', { id: 'later' });
    expect((await defaultSets()).member).toEqual([{ id: 'later' }]);

    // team_member itself may be deleted (as in Stack): the default set loses it, new members get what is left.
    await setDefaults({ team_member_default_permissions: [{ id: 'team_member' }, { id: 'later' }] });
    expect((await admin('DELETE', '/team-permission-definitions/team_member')).status).toBe(200);
    expect((await defaultSets()).member).toEqual([{ id: 'later' }]);
    const dave = await signUp(t);
    await addMember(t, teamId, dave.userId);
    expect(await permissionsOf(t, teamId, dave.userId, false)).toEqual(['later']);
    expectKnownError(
      await admin('PATCH', '/internal/projects/current', { config: { team_member_default_permissions: ['later'] } }),
      'SCHEMA_ERROR',
      400,
    );
  });
});
