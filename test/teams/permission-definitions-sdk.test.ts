/**
 * Custom team permissions through the real SDK (@stackframe/js 2.8.39 and 2.8.108), on PostgreSQL: the admin app
 * creates, lists, updates and deletes definitions and sets the member default set; the server app grants a custom
 * permission and `hasPermission` / `listPermissions` see what it contains, at any depth; Stack's errors decode.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';
import { STACK_JS_VERSIONS, stackJsApps } from '../helpers/stack-js.js';

const t = useTestServer();

describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (version, sdk) => {
  const adminApp = () => stackJsApps(t, sdk).adminApp();
  // Ids of this version's run, so the two runs on one project do not meet.
  const v = version.replace(/\./g, '_');
  const id = (name: string) => `${name}_${v}`;

  it('admin app: create, list, update, delete definitions; the server grants one and holds what it contains', async () => {
    const admin = adminApp();
    await admin.createTeamPermissionDefinition({ id: id('read'), description: 'Read things', containedPermissionIds: [] });
    await admin.createTeamPermissionDefinition({ id: id('write'), containedPermissionIds: [id('read'), '$update_team'] });
    await admin.createTeamPermissionDefinition({ id: id('owner'), containedPermissionIds: [id('write')] });
    const listed = await admin.listTeamPermissionDefinitions();
    expect(listed.find((d) => d.id === id('write'))).toMatchObject({ containedPermissionIds: ['$update_team', id('read')] });
    expect(listed.find((d) => d.id === id('read'))).toMatchObject({ description: 'Read things' });
    expect(listed.map((d) => d.id)).toEqual(expect.arrayContaining(['$update_team', 'team_admin', 'team_member']));

    await expect(admin.createTeamPermissionDefinition({ id: id('read'), containedPermissionIds: [] })).rejects.toMatchObject({
      errorCode: 'PERMISSION_ID_ALREADY_EXISTS',
    });
    await expect(admin.createTeamPermissionDefinition({ id: id('bad'), containedPermissionIds: ['missing'] })).rejects.toMatchObject({
      errorCode: 'CONTAINED_PERMISSION_NOT_FOUND',
    });

    const server = stackJsApps(t, sdk).serverApp();
    const user = await server.createUser({
      primaryEmail: `perm-${randomUUID().slice(0, 8)}@example.com`,
      password: 'correct horse battery',
    });
    const team = await server.createTeam({ displayName: 'Custom permissions' });
    await team.addUser(user.id);
    expect(await user.hasPermission(team, id('read'))).toBe(false);
    await user.grantPermission(team, id('owner'));
    expect(await user.hasPermission(team, id('read'))).toBe(true);
    expect(await user.hasPermission(team, '$update_team')).toBe(true);
    expect(await user.hasPermission(team, '$delete_team')).toBe(false);
    expect((await user.listPermissions(team, { recursive: false })).map((p) => p.id).sort()).toEqual([id('owner'), 'team_member'].sort());

    // The update replaces what it contains; the deletion removes it from the others.
    await admin.updateTeamPermissionDefinition(id('write'), { containedPermissionIds: [id('read')] });
    expect(await (await server.getUser(user.id))!.hasPermission(team, '$update_team')).toBe(false);
    await admin.deleteTeamPermissionDefinition(id('read'));
    expect(await (await server.getUser(user.id))!.hasPermission(team, id('read'))).toBe(false);
    expect((await admin.listTeamPermissionDefinitions()).find((d) => d.id === id('write'))?.containedPermissionIds).toEqual([]);
    await expect(user.grantPermission(team, id('read'))).rejects.toMatchObject({ errorCode: 'PERMISSION_NOT_FOUND' });
  });

  it('admin app: the member default set, set on the project, is granted to a new member', async () => {
    const admin = adminApp();
    await admin.createTeamPermissionDefinition({ id: id('default'), containedPermissionIds: ['$read_members'] });
    const project = await admin.getProject();
    await project.update({ config: { teamMemberDefaultPermissions: [{ id: 'team_member' }, { id: id('default') }] } });
    expect((await admin.getProject()).config.teamMemberDefaultPermissions.map((p) => p.id)).toEqual([id('default'), 'team_member'].sort());

    const server = stackJsApps(t, sdk).serverApp();
    const user = await server.createUser({ primaryEmail: `member-${randomUUID().slice(0, 8)}@example.com` });
    const team = await server.createTeam({ displayName: 'Defaults' });
    await team.addUser(user.id);
    expect((await user.listPermissions(team, { recursive: false })).map((p) => p.id).sort()).toEqual([id('default'), 'team_member'].sort());

    await admin.deleteTeamPermissionDefinition(id('default'));
    expect((await admin.getProject()).config.teamMemberDefaultPermissions).toEqual([{ id: 'team_member' }]);
  });
});
