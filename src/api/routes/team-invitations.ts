/**
 * /team-invitations: send a code by e-mail (client: a member with `$invite_members`), check it, read its team, accept
 * it (a signed-in user joins), list a team's pending invitations (client: `$read_members` and `$invite_members`) and
 * revoke one (client: `$remove_members`), as Stack checks them.
 */
import { z } from 'zod';
import { verificationCodeField } from '../../auth/verification-codes.js';
import { errors, TextError, type AccessType } from '../../errors/known-errors.js';
import { requireTeamPermission } from '../../teams/access.js';
import {
  acceptReceivedInvitation,
  acceptTeamInvitation,
  checkTeamInvitation,
  listReceivedInvitations,
  listTeamInvitations,
  refuseRestrictedInvitee,
  revokeTeamInvitation,
  sendTeamInvitation,
  teamInvitationDetails,
} from '../../teams/invitations.js';
import { emailField } from '../../users/user-fields.js';
import { endpoint } from '../endpoint.js';
import type { RequestAuth } from '../request-auth.js';
import { ok } from '../respond.js';
import { uuidField } from './fields.js';
import { isClient, signedInUser, teamIdParam, userIdParam } from './team-params.js';

const ANY: AccessType[] = ['client', 'server', 'admin'];
const codeBody = z.object({ code: verificationCodeField });

/** A client's user needs `permission` in the team; server and admin access need none. */
async function mayInTeam(
  db: Parameters<typeof requireTeamPermission>[0],
  auth: RequestAuth,
  teamId: string,
  permission: string,
): Promise<void> {
  if (isClient(auth)) await requireTeamPermission(db, auth.project.project.id, teamId, signedInUser(auth).id, permission);
}

export const sendTeamInvitationEndpoint = endpoint({
  method: 'POST',
  path: '/team-invitations/send-code',
  access: ANY,
  body: z.object({ team_id: uuidField, email: emailField, callback_url: z.string().max(2048) }),
  handler: async ({ ctx, auth, body, clientAddress }) => {
    const teamId = body.team_id.toLowerCase();
    await mayInTeam(ctx.db, auth, teamId, '$invite_members');
    const { id } = await sendTeamInvitation(ctx, {
      projectId: auth.project.project.id,
      config: auth.project.project.config,
      teamId,
      email: body.email.trim().toLowerCase(),
      callbackUrl: body.callback_url,
      clientAddress,
    });
    return ok({ success: true, id });
  },
});

export const checkTeamInvitationEndpoint = endpoint({
  method: 'POST',
  path: '/team-invitations/accept/check-code',
  access: ANY,
  body: codeBody,
  handler: async ({ ctx, auth, body }) => {
    await checkTeamInvitation(ctx, auth.project.project.id, body.code);
    return ok({ is_code_valid: true });
  },
});

export const teamInvitationDetailsEndpoint = endpoint({
  method: 'POST',
  path: '/team-invitations/accept/details',
  access: ANY,
  body: codeBody,
  handler: async ({ ctx, auth, body }) => ok(await teamInvitationDetails(ctx, auth.project.project.id, body.code, auth.user)),
});

export const acceptTeamInvitationEndpoint = endpoint({
  method: 'POST',
  path: '/team-invitations/accept',
  access: ANY,
  body: codeBody,
  handler: async ({ ctx, auth, body }) => {
    await acceptTeamInvitation(ctx, auth.project.project.id, body.code, signedInUser(auth));
    return ok({});
  },
});

export const listTeamInvitationsEndpoint = endpoint({
  method: 'GET',
  path: '/team-invitations',
  access: ANY,
  query: z.object({ team_id: z.string().max(64).optional(), user_id: z.string().max(64).optional() }),
  handler: async ({ ctx, auth, query }) => {
    const projectId = auth.project.project.id;
    if (query.team_id !== undefined && query.user_id !== undefined) {
      throw new TextError('TEAM_INVITATIONS_QUERY', 400, 'Cannot specify both team_id and user_id');
    }
    if (query.team_id === undefined && query.user_id === undefined) {
      throw new TextError('TEAM_INVITATIONS_QUERY', 400, 'Must specify either team_id or user_id');
    }
    if (query.team_id === undefined) {
      // Invitations the user received (2.8.108 user.listTeamInvitations): its own only with client access, refused as
      // Stack refuses it (CANNOT_GET_OWN_USER_WITHOUT_USER) for any other user.
      const userId = userIdParam(auth, query.user_id);
      if (isClient(auth) && userId !== signedInUser(auth).id) throw errors.cannotGetOwnUserWithoutUser();
      return ok({ items: await listReceivedInvitations(ctx, projectId, userId), is_paginated: false });
    }
    const teamId = teamIdParam(query.team_id);
    // A client lists a team's invitations with both `$read_members` and `$invite_members`, checked in that order.
    for (const permission of ['$read_members', '$invite_members']) await mayInTeam(ctx.db, auth, teamId, permission);
    return ok({ items: await listTeamInvitations(ctx, projectId, teamId), is_paginated: false });
  },
});

export const acceptReceivedInvitationEndpoint = endpoint({
  method: 'POST',
  path: '/team-invitations/:id/accept',
  access: ANY,
  query: z.object({ user_id: z.string().max(64).optional() }),
  handler: async ({ ctx, auth, params, query }) => {
    const userId = userIdParam(auth, query.user_id ?? 'me');
    if (isClient(auth) && userId !== signedInUser(auth).id) {
      throw new TextError('TEAM_INVITATIONS_OF_OTHER_USER', 403, 'Client can only accept team invitations for its own user.');
    }
    if (isClient(auth)) refuseRestrictedInvitee(auth.user);
    await acceptReceivedInvitation(ctx, auth.project.project.id, teamIdParam(params.id, 'id'), userId);
    return ok({});
  },
});

export const revokeTeamInvitationEndpoint = endpoint({
  method: 'DELETE',
  path: '/team-invitations/:id',
  access: ANY,
  query: z.object({ team_id: z.string().max(64).optional() }),
  handler: async ({ ctx, auth, params, query }) => {
    if (query.team_id === undefined) {
      throw new TextError('TEAM_INVITATIONS_QUERY', 400, 'team_id is required for deleting a team invitation');
    }
    const teamId = teamIdParam(query.team_id);
    await mayInTeam(ctx.db, auth, teamId, '$remove_members');
    await revokeTeamInvitation(ctx, auth.project.project.id, teamId, teamIdParam(params.id, 'id'));
    return ok({ success: true });
  },
});
