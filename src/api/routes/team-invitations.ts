/**
 * /team-invitations: send a code by e-mail (client: a member with `$invite_members`), check it, read its team, accept
 * it (a signed-in user joins), list and revoke a team's pending invitations (client: `$invite_members`).
 */
import { z } from 'zod';
import { verificationCodeField } from '../../auth/verification-codes.js';
import type { AccessType } from '../../errors/known-errors.js';
import { requireTeamPermission } from '../../teams/access.js';
import {
  acceptTeamInvitation,
  checkTeamInvitation,
  listTeamInvitations,
  revokeTeamInvitation,
  sendTeamInvitation,
  teamInvitationDetails,
} from '../../teams/invitations.js';
import { emailField } from '../../users/user-fields.js';
import { endpoint } from '../endpoint.js';
import type { RequestAuth } from '../request-auth.js';
import { ok } from '../respond.js';
import { uuidField } from './fields.js';
import { isClient, signedInUser, teamIdParam } from './team-params.js';

const ANY: AccessType[] = ['client', 'server', 'admin'];
const codeBody = z.object({ code: verificationCodeField });

async function mayInvite(ctx: Parameters<typeof requireTeamPermission>[0], auth: RequestAuth, teamId: string): Promise<void> {
  if (isClient(auth)) await requireTeamPermission(ctx, auth.project.project.id, teamId, signedInUser(auth).id, '$invite_members');
}

export const sendTeamInvitationEndpoint = endpoint({
  method: 'POST',
  path: '/team-invitations/send-code',
  access: ANY,
  body: z.object({ team_id: uuidField, email: emailField, callback_url: z.string().max(2048) }),
  handler: async ({ ctx, auth, body, clientAddress }) => {
    const teamId = body.team_id.toLowerCase();
    await mayInvite(ctx.db, auth, teamId);
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
  handler: async ({ ctx, auth, body }) => ok(await teamInvitationDetails(ctx, auth.project.project.id, body.code)),
});

export const acceptTeamInvitationEndpoint = endpoint({
  method: 'POST',
  path: '/team-invitations/accept',
  access: ANY,
  body: codeBody,
  handler: async ({ ctx, auth, body }) => {
    await acceptTeamInvitation(ctx, auth.project.project.id, body.code, signedInUser(auth).id);
    return ok({});
  },
});

export const listTeamInvitationsEndpoint = endpoint({
  method: 'GET',
  path: '/team-invitations',
  access: ANY,
  query: z.object({ team_id: z.string().max(64) }),
  handler: async ({ ctx, auth, query }) => {
    const teamId = teamIdParam(query.team_id);
    await mayInvite(ctx.db, auth, teamId);
    return ok({ items: await listTeamInvitations(ctx, auth.project.project.id, teamId), is_paginated: false });
  },
});

export const revokeTeamInvitationEndpoint = endpoint({
  method: 'DELETE',
  path: '/team-invitations/:id',
  access: ANY,
  query: z.object({ team_id: z.string().max(64) }),
  handler: async ({ ctx, auth, params, query }) => {
    const teamId = teamIdParam(query.team_id);
    await mayInvite(ctx.db, auth, teamId);
    await revokeTeamInvitation(ctx, auth.project.project.id, teamId, teamIdParam(params.id, 'id'));
    return ok({ success: true });
  },
});
