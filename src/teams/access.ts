/**
 * What a signed-in user may do to a team with client access (server access may do everything): the team must exist
 * in the project (TEAM_NOT_FOUND), the user must be a member (TEAM_MEMBERSHIP_NOT_FOUND), and hold the permission the
 * action needs (TEAM_PERMISSION_REQUIRED, 401), checked in that order as Stack does.
 */
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import { isMember } from './memberships.js';
import { hasTeamPermission } from './permissions.js';
import { requireTeam } from './teams.js';

export async function requireMembership(db: Queryable, projectId: string, teamId: string, userId: string): Promise<void> {
  await requireTeam(db, projectId, teamId);
  if (!(await isMember(db, projectId, teamId, userId))) throw errors.teamMembershipNotFound(teamId, userId);
}

export async function requireTeamPermission(db: Queryable, projectId: string, teamId: string, userId: string, permissionId: string) {
  await requireMembership(db, projectId, teamId, userId);
  if (!(await hasTeamPermission(db, projectId, teamId, userId, permissionId))) {
    throw errors.teamPermissionRequired(teamId, userId, permissionId);
  }
}
