/**
 * /team-memberships/{team_id}/{user_id}: adding a member is server-only; leaving is open to every member, removing
 * someone else needs `$remove_members` with client access.
 */
import type { AccessType } from '../../errors/known-errors.js';
import { requireTeamPermission } from '../../teams/access.js';
import { addMember, removeMember } from '../../teams/memberships.js';
import { endpoint } from '../endpoint.js';
import { created, ok } from '../respond.js';
import { isClient, signedInUser, teamIdParam, userIdParam } from './team-params.js';

const SERVER: AccessType[] = ['server', 'admin'];
const ANY: AccessType[] = ['client', 'server', 'admin'];

export const addTeamMembershipEndpoint = endpoint({
  method: 'POST',
  path: '/team-memberships/:team_id/:user_id',
  access: SERVER,
  handler: async ({ ctx, auth, params }) => {
    const teamId = teamIdParam(params.team_id);
    return created(await addMember(ctx, auth.project.project.id, teamId, userIdParam(auth, params.user_id)));
  },
});

export const removeTeamMembershipEndpoint = endpoint({
  method: 'DELETE',
  path: '/team-memberships/:team_id/:user_id',
  access: ANY,
  handler: async ({ ctx, auth, params }) => {
    const projectId = auth.project.project.id;
    const teamId = teamIdParam(params.team_id);
    const userId = userIdParam(auth, params.user_id);
    if (isClient(auth)) {
      const self = signedInUser(auth).id;
      if (userId !== self) await requireTeamPermission(ctx.db, projectId, teamId, self, '$remove_members');
    }
    await removeMember(ctx, projectId, teamId, userId);
    return ok({ success: true });
  },
});
