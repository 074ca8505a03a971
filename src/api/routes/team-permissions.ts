/**
 * /team-permissions: list (client: its own only, `user_id` = `me` or its ID), grant and revoke (server only). The list
 * is the direct grants, with `recursive=true` also what they contain (`team_admin` → the six `$…`).
 */
import { z } from 'zod';
import { TextError, type AccessType } from '../../errors/known-errors.js';
import { grantTeamPermission, listTeamPermissions, revokeTeamPermission } from '../../teams/permissions.js';
import { endpoint } from '../endpoint.js';
import { created, ok } from '../respond.js';
import { booleanQuery } from './fields.js';
import { isClient, teamIdParam, userIdParam } from './team-params.js';

const SERVER: AccessType[] = ['server', 'admin'];
const ANY: AccessType[] = ['client', 'server', 'admin'];
const permissionIdParam = (value: string | undefined) => value ?? '';

export const listTeamPermissionsEndpoint = endpoint({
  method: 'GET',
  path: '/team-permissions',
  access: ANY,
  query: z.object({
    team_id: z.string().max(64).optional(),
    user_id: z.string().max(64).optional(),
    permission_id: z.string().max(256).optional(),
    recursive: booleanQuery.optional(),
  }),
  handler: async ({ ctx, auth, query }) => {
    const userId = query.user_id === undefined ? undefined : userIdParam(auth, query.user_id);
    if (isClient(auth) && (userId === undefined || userId !== auth.user?.id)) {
      throw new TextError(
        'TEAM_PERMISSIONS_OF_OTHER_USER',
        403,
        'Client can only list permissions for their own user. user_id must be either "me" or the ID of the current user',
      );
    }
    const items = await listTeamPermissions(ctx.db, auth.project.project.id, {
      ...(query.team_id !== undefined ? { teamId: teamIdParam(query.team_id) } : {}),
      ...(userId !== undefined ? { userId } : {}),
      ...(query.permission_id !== undefined ? { permissionId: query.permission_id } : {}),
      recursive: query.recursive ?? false,
    });
    return ok({ items, is_paginated: false });
  },
});

export const grantTeamPermissionEndpoint = endpoint({
  method: 'POST',
  path: '/team-permissions/:team_id/:user_id/:permission_id',
  access: SERVER,
  handler: async ({ ctx, auth, params }) => {
    const teamId = teamIdParam(params.team_id);
    const userId = userIdParam(auth, params.user_id);
    const permission = await ctx.db.transaction((tx) =>
      grantTeamPermission(tx, auth.project.project.id, teamId, userId, permissionIdParam(params.permission_id)),
    );
    return created(permission);
  },
});

export const revokeTeamPermissionEndpoint = endpoint({
  method: 'DELETE',
  path: '/team-permissions/:team_id/:user_id/:permission_id',
  access: SERVER,
  handler: async ({ ctx, auth, params }) => {
    const teamId = teamIdParam(params.team_id);
    const userId = userIdParam(auth, params.user_id);
    await revokeTeamPermission(ctx.db, auth.project.project.id, teamId, userId, permissionIdParam(params.permission_id));
    return ok({ success: true });
  },
});
