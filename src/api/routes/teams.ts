/**
 * /teams: list (client: the signed-in user's own teams only), create (client: when the project allows it, as
 * oneself), read, update and delete (client: a member, with `$update_team` / `$delete_team`). Team shapes follow the
 * access type: the client never sees `server_metadata`.
 */
import { z } from 'zod';
import { TextError, type AccessType } from '../../errors/known-errors.js';
import { requireMembership, requireTeamPermission } from '../../teams/access.js';
import { imageTarget } from '../../storage/image-store.js';
import {
  clientTeamCreateSchema,
  clientTeamUpdateSchema,
  serverTeamCreateSchema,
  serverTeamUpdateSchema,
  withStoredImage,
} from '../../teams/team-input.js';
import { createTeam, deleteTeam, listTeams, requireTeam, updateTeam } from '../../teams/teams.js';
import { toClientTeam, toServerTeam, type TeamRow } from '../../users/team-shape.js';
import { endpoint } from '../endpoint.js';
import type { RequestAuth } from '../request-auth.js';
import { created, ok } from '../respond.js';
import { isClient, signedInUser, teamIdParam, teamPathSchema, userIdParam } from './team-params.js';

const ANY: AccessType[] = ['client', 'server', 'admin'];

const shape = (auth: RequestAuth, team: TeamRow) => (isClient(auth) ? toClientTeam(team) : toServerTeam(team));

export const listTeamsEndpoint = endpoint({
  method: 'GET',
  path: '/teams',
  access: ANY,
  // 2.8.108 may add order_by, desc, cursor, limit, query: ignored, as Stack's backend does.
  query: z.object({ user_id: z.string().max(64).optional() }),
  handler: async ({ ctx, auth, query }) => {
    const userId = query.user_id === undefined ? undefined : userIdParam(auth, query.user_id);
    if (isClient(auth) && (userId === undefined || userId !== auth.user?.id)) {
      throw new TextError(
        'TEAMS_OF_OTHER_USER',
        403,
        'Client can only list teams for their own user. user_id must be either "me" or the ID of the current user',
      );
    }
    const teams = await listTeams(ctx.db, auth.project.project.id, userId);
    return ok({ items: teams.map((team) => shape(auth, team)), is_paginated: false });
  },
});

export const createTeamEndpoint = endpoint({
  method: 'POST',
  path: '/teams',
  access: ANY,
  bodyFor: (accessType) => (accessType === 'client' ? clientTeamCreateSchema : serverTeamCreateSchema),
  body: serverTeamCreateSchema,
  handler: async ({ ctx, auth, body }) => {
    const { creator_user_id, ...given } = body;
    const store = async () => withStoredImage(given, imageTarget(ctx, auth.project.project.id), 'team-profile-images');
    if (!isClient(auth)) {
      const creator = creator_user_id === undefined ? null : userIdParam(auth, creator_user_id);
      return created(shape(auth, await createTeam(ctx, auth.project.project.id, await store(), creator)));
    }
    const user = signedInUser(auth);
    if (!auth.project.project.config.client_team_creation_enabled) {
      throw new TextError('CLIENT_TEAM_CREATION_DISABLED', 403, 'Client team creation is disabled for this project');
    }
    if (creator_user_id !== undefined && userIdParam(auth, creator_user_id) !== user.id) {
      throw new TextError(
        'TEAM_CREATOR_NOT_SELF',
        403,
        "You cannot create a team as a user that is not yourself. Make sure you set the creator_user_id to 'me'.",
      );
    }
    return created(shape(auth, await createTeam(ctx, auth.project.project.id, await store(), user.id)));
  },
});

export const getTeamEndpoint = endpoint({
  method: 'GET',
  path: '/teams/:team_id',
  access: ANY,
  handler: async ({ ctx, auth, params }) => {
    const projectId = auth.project.project.id;
    const teamId = teamIdParam(params.team_id);
    if (isClient(auth)) await requireMembership(ctx.db, projectId, teamId, signedInUser(auth).id);
    return ok(shape(auth, await requireTeam(ctx.db, projectId, teamId)));
  },
});

export const updateTeamEndpoint = endpoint({
  method: 'PATCH',
  path: '/teams/:team_id',
  access: ANY,
  // As Stack: a bad team ID and unknown query parameters are named together in one SCHEMA_ERROR.
  params: teamPathSchema,
  query: z.strictObject({}),
  bodyFor: (accessType) => (accessType === 'client' ? clientTeamUpdateSchema : serverTeamUpdateSchema),
  body: serverTeamUpdateSchema,
  handler: async ({ ctx, auth, params, body }) => {
    const projectId = auth.project.project.id;
    const teamId = teamIdParam(params.team_id);
    if (isClient(auth)) await requireTeamPermission(ctx.db, projectId, teamId, signedInUser(auth).id, '$update_team');
    const fields = await withStoredImage(body, imageTarget(ctx, projectId), 'team-profile-images');
    return ok(shape(auth, await updateTeam(ctx, projectId, teamId, fields)));
  },
});

export const deleteTeamEndpoint = endpoint({
  method: 'DELETE',
  path: '/teams/:team_id',
  access: ANY,
  handler: async ({ ctx, auth, params }) => {
    const projectId = auth.project.project.id;
    const teamId = teamIdParam(params.team_id);
    if (isClient(auth)) await requireTeamPermission(ctx.db, projectId, teamId, signedInUser(auth).id, '$delete_team');
    await deleteTeam(ctx, projectId, teamId);
    return ok({ success: true });
  },
});
