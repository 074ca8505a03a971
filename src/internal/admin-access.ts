/**
 * Admin access through a user of the internal project (`x-stack-admin-access-token`): the user's access token stands
 * in for the super secret admin key of a project owned by a team the user belongs to. The four checks of Stack, with
 * its errors, in its order: the token decodes (an anonymous or restricted user's does not); it is a token of the
 * internal project; its user still exists; the user is a member of the target project's owner team.
 */
import type { AppContext } from '../context/app-context.js';
import { verifyAccessToken } from '../auth/access-tokens.js';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { errors, TextError } from '../errors/known-errors.js';
import type { UserRow } from '../users/user-object.js';
import { INTERNAL_PROJECT_ID } from '../projects/internal-id.js';

export async function checkAdminAccessToken(ctx: AppContext, token: string, targetProjectId: string): Promise<UserRow> {
  let verified;
  try {
    verified = await verifyAccessToken(ctx, token, { projectId: INTERNAL_PROJECT_ID, allowAnonymous: true });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'ACCESS_TOKEN_EXPIRED') {
      const at = error.details?.expired_at_millis;
      throw errors.adminAccessTokenExpired(typeof at === 'number' ? at : null);
    }
    if (error.code === 'INVALID_PROJECT_FOR_ACCESS_TOKEN') throw errors.adminAccessTokenIsNotAdmin();
    throw errors.unparsableAdminAccessToken();
  }
  if (verified.audience === 'anonymous' || verified.payload.is_anonymous || verified.payload.is_restricted)
    throw errors.unparsableAdminAccessToken();
  const user = await ctx.users.get(INTERNAL_PROJECT_ID, verified.payload.sub);
  if (!user) {
    throw new TextError(
      'ADMIN_ACCESS_TOKEN_USER_GONE',
      401,
      'The user associated with the admin access token is no longer valid. Please refresh the admin access token and try again.',
    );
  }
  if (!(await managesProject(ctx.db, user.id, targetProjectId))) throw errors.adminAccessTokenIsNotAdmin();
  return user;
}

/** A user of the internal project administers a project when they are a member of its owner team. */
export async function managesProject(db: Queryable, userId: string, projectId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM authsync.projects p JOIN authsync.team_members m ON m.team_id = p.owner_team_id
     WHERE p.id = $1 AND m.user_id = $2 AND m.project_id = $3`,
    [projectId, userId, INTERNAL_PROJECT_ID],
  );
  return rowCount > 0;
}
