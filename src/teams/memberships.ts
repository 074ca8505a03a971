/**
 * Memberships: a user in a team. Adding one grants the project's default permissions for members (its defaults for
 * creators to a team's creator); removing one (leaving, or being removed) first clears the team as the user's selected
 * team through the user store, so the user object, the access token's claim and users_sync follow.
 */
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import { captureTeamChange } from '../sync/team-data.js';
import { defaultPermissions, grantPermissions, type PermissionId } from './permissions.js';

export interface Membership {
  team_id: string;
  user_id: string;
}

/**
 * Inserts a membership with its grants: the project's default set for members or for creators, or the given ids (the
 * import's). TEAM_MEMBERSHIP_ALREADY_EXISTS when there is one.
 */
export async function addMembership(
  tx: Queryable,
  projectId: string,
  teamId: string,
  userId: string,
  grants: 'member' | 'creator' | readonly PermissionId[] = 'member',
): Promise<Membership> {
  const { rowCount } = await tx.query(
    `INSERT INTO authsync.team_members (team_id, user_id, project_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [teamId, userId, projectId],
  );
  if (rowCount === 0) throw errors.teamMembershipAlreadyExists();
  const permissions = typeof grants === 'string' ? await defaultPermissions(tx, projectId, grants) : grants;
  await grantPermissions(tx, teamId, userId, permissions);
  await captureTeamChange(tx, projectId, teamId);
  return { team_id: teamId, user_id: userId };
}

/** POST /team-memberships/{team}/{user}: TEAM_NOT_FOUND, USER_NOT_FOUND, TEAM_MEMBERSHIP_ALREADY_EXISTS. */
export async function addMember(ctx: AppContext, projectId: string, teamId: string, userId: string): Promise<Membership> {
  return ctx.db.transaction(async (tx) => {
    const team = await tx.query('SELECT 1 FROM authsync.teams WHERE id = $1 AND project_id = $2', [teamId, projectId]);
    if (team.rowCount === 0) throw errors.teamNotFound(teamId);
    if (!(await ctx.users.get(projectId, userId, tx))) throw errors.userNotFound();
    return addMembership(tx, projectId, teamId, userId);
  });
}

export async function isMember(db: Queryable, projectId: string, teamId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM authsync.team_members WHERE team_id = $1 AND user_id = $2 AND project_id = $3', [
    teamId,
    userId,
    projectId,
  ]);
  return rowCount > 0;
}

/** DELETE /team-memberships/{team}/{user}: TEAM_MEMBERSHIP_NOT_FOUND when the user is not in the team. */
export async function removeMember(ctx: AppContext, projectId: string, teamId: string, userId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    // Lock the membership first: a concurrent selection of this team holds a key-share lock on it until it commits, so
    // once we have the lock, the next statement sees that selection; a later one waits and then finds no membership.
    const { rowCount } = await tx.query(
      'SELECT 1 FROM authsync.team_members WHERE team_id = $1 AND user_id = $2 AND project_id = $3 FOR UPDATE',
      [teamId, userId, projectId],
    );
    if (rowCount === 0) throw errors.teamMembershipNotFound(teamId, userId);
    const { rows } = await tx.query<{ selected_team_id: string | null }>('SELECT selected_team_id FROM authsync.users WHERE id = $1', [
      userId,
    ]);
    if (rows[0]?.selected_team_id === teamId) await ctx.users.update(projectId, userId, { selected_team_id: null }, { tx });
    await tx.query('DELETE FROM authsync.team_members WHERE team_id = $1 AND user_id = $2', [teamId, userId]);
    await captureTeamChange(tx, projectId, teamId);
  });
}
