/**
 * /team-member-profiles: a team's members as profiles (client: a member with `$read_members`, or one's own profiles),
 * one member's profile, and one's own profile updated (client: own only). Server reads carry the full user.
 */
import { z } from 'zod';
import { TextError, type AccessType } from '../../errors/known-errors.js';
import { requireMembership, requireTeamPermission } from '../../teams/access.js';
import { getMemberProfile, listMemberProfiles, profileBody, updateMemberProfile } from '../../teams/member-profiles.js';
import { imageTarget } from '../../storage/image-store.js';
import { clientMemberProfileUpdateSchema, serverMemberProfileUpdateSchema, withStoredImage } from '../../teams/team-input.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { isClient, signedInUser, teamIdParam, userIdParam } from './team-params.js';

const ANY: AccessType[] = ['client', 'server', 'admin'];

export const listTeamMemberProfilesEndpoint = endpoint({
  method: 'GET',
  path: '/team-member-profiles',
  access: ANY,
  query: z.object({ team_id: z.string().max(64).optional(), user_id: z.string().max(64).optional() }),
  handler: async ({ ctx, auth, query }) => {
    const projectId = auth.project.project.id;
    const teamId = query.team_id === undefined ? undefined : teamIdParam(query.team_id, 'team_id');
    const userId = query.user_id === undefined ? undefined : userIdParam(auth, query.user_id);
    if (isClient(auth)) {
      const self = signedInUser(auth).id;
      if (teamId === undefined) {
        throw new TextError('TEAM_PROFILES_WITHOUT_TEAM', 400, 'team_id is required for access type client');
      } else if (userId === self) {
        await requireMembership(ctx.db, projectId, teamId, self);
      } else {
        await requireTeamPermission(ctx.db, projectId, teamId, self, '$read_members');
      }
    }
    const profiles = await listMemberProfiles(ctx.db, projectId, {
      ...(teamId ? { teamId } : {}),
      ...(userId ? { userId } : {}),
    });
    return ok({ items: profiles.map((profile) => profileBody(profile, !isClient(auth))), is_paginated: false });
  },
});

export const getTeamMemberProfileEndpoint = endpoint({
  method: 'GET',
  path: '/team-member-profiles/:team_id/:user_id',
  access: ANY,
  handler: async ({ ctx, auth, params }) => {
    const projectId = auth.project.project.id;
    const teamId = teamIdParam(params.team_id);
    const userId = userIdParam(auth, params.user_id);
    if (isClient(auth)) {
      const self = signedInUser(auth).id;
      if (userId === self) await requireMembership(ctx.db, projectId, teamId, self);
      else await requireTeamPermission(ctx.db, projectId, teamId, self, '$read_members');
    }
    return ok(profileBody(await getMemberProfile(ctx.db, projectId, teamId, userId), !isClient(auth)));
  },
});

export const updateTeamMemberProfileEndpoint = endpoint({
  method: 'PATCH',
  path: '/team-member-profiles/:team_id/:user_id',
  access: ANY,
  bodyFor: (accessType) => (accessType === 'client' ? clientMemberProfileUpdateSchema : serverMemberProfileUpdateSchema),
  body: serverMemberProfileUpdateSchema,
  handler: async ({ ctx, auth, params, body }) => {
    const projectId = auth.project.project.id;
    const teamId = teamIdParam(params.team_id);
    const userId = userIdParam(auth, params.user_id);
    if (isClient(auth) && userId !== signedInUser(auth).id) {
      throw new TextError('TEAM_PROFILE_OF_OTHER_USER', 403, "Cannot update another user's profile");
    }
    const fields = await withStoredImage(body, imageTarget(ctx, projectId), 'team-member-profile-images');
    return ok(profileBody(await updateMemberProfile(ctx.db, projectId, teamId, userId, fields), !isClient(auth)));
  },
});
