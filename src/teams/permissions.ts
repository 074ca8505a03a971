/**
 * Team permissions: the minimal set Stack seeds in every project, fixed here. Six system permissions (`$…`) and two
 * definitions wrapping them: `team_admin` (all six) and `team_member` (`$read_members`, `$invite_members`). A team's
 * creator is granted `team_admin`, every other member `team_member`. Grants are stored as given (the direct grants);
 * a recursive read adds what they contain.
 */
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';

export const SYSTEM_PERMISSIONS = [
  '$update_team',
  '$delete_team',
  '$read_members',
  '$remove_members',
  '$invite_members',
  '$manage_api_keys',
] as const;

const CONTAINS: Readonly<Record<string, readonly string[]>> = {
  team_admin: SYSTEM_PERMISSIONS,
  team_member: ['$read_members', '$invite_members'],
};

export type PermissionId = string;

/** The permissions a team's creator gets. */
export const CREATOR_DEFAULT_PERMISSIONS: readonly PermissionId[] = ['team_admin'];
/** The permissions a member added to a team gets. */
export const MEMBER_DEFAULT_PERMISSIONS: readonly PermissionId[] = ['team_member'];

export function isKnownPermission(id: string): boolean {
  return id in CONTAINS || (SYSTEM_PERMISSIONS as readonly string[]).includes(id);
}

/** The granted ids and everything they contain, each once, in a stable order (the grants first). */
export function expandPermissions(granted: readonly PermissionId[]): PermissionId[] {
  const all = new Set<PermissionId>();
  for (const id of granted) {
    all.add(id);
    for (const contained of CONTAINS[id] ?? []) all.add(contained);
  }
  return [...all];
}

export interface TeamPermission {
  id: PermissionId;
  user_id: string;
  team_id: string;
}

/** Grants `permissionIds` to a member (already a member: the reference to team_members checks it). */
export async function grantPermissions(
  tx: Queryable,
  teamId: string,
  userId: string,
  permissionIds: readonly PermissionId[],
): Promise<void> {
  for (const id of permissionIds) {
    await tx.query(
      `INSERT INTO authsync.team_member_permissions (team_id, user_id, permission_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [teamId, userId, id],
    );
  }
}

/** The direct grants of the members of a project's teams, optionally of one team, one user, one permission. */
export async function listGrants(
  db: Queryable,
  projectId: string,
  filter: { teamId?: string; userId?: string },
): Promise<TeamPermission[]> {
  const params: unknown[] = [projectId];
  const where = ['m.project_id = $1'];
  if (filter.teamId) where.push(`p.team_id = $${params.push(filter.teamId)}`);
  if (filter.userId) where.push(`p.user_id = $${params.push(filter.userId)}`);
  const { rows } = await db.query<{ permission_id: string; user_id: string; team_id: string }>(
    `SELECT p.permission_id, p.user_id, p.team_id FROM authsync.team_member_permissions p
     JOIN authsync.team_members m ON m.team_id = p.team_id AND m.user_id = p.user_id
     WHERE ${where.join(' AND ')} ORDER BY m.created_at, p.team_id, p.user_id, p.created_at, p.permission_id`,
    params,
  );
  return rows.map((row) => ({ id: row.permission_id, user_id: row.user_id, team_id: row.team_id }));
}

/**
 * The permissions of members as GET /team-permissions lists them: the direct grants, or with `recursive` also what
 * they contain (per member and team); narrowed to one permission id when given.
 */
export async function listTeamPermissions(
  db: Queryable,
  projectId: string,
  filter: { teamId?: string; userId?: string; recursive: boolean; permissionId?: string },
): Promise<TeamPermission[]> {
  const grants = await listGrants(db, projectId, filter);
  let items = grants;
  if (filter.recursive) {
    const byMember = new Map<string, TeamPermission[]>();
    for (const grant of grants) {
      const key = `${grant.team_id}/${grant.user_id}`;
      byMember.set(key, [...(byMember.get(key) ?? []), grant]);
    }
    items = [...byMember.values()].flatMap((member) =>
      expandPermissions(member.map((g) => g.id)).map((id) => ({ id, user_id: member[0]!.user_id, team_id: member[0]!.team_id })),
    );
  }
  return filter.permissionId === undefined ? items : items.filter((item) => item.id === filter.permissionId);
}

/** Whether a member holds `permissionId`, directly or through a definition that contains it. */
export async function hasTeamPermission(db: Queryable, projectId: string, teamId: string, userId: string, permissionId: string) {
  const grants = await listGrants(db, projectId, { teamId, userId });
  return expandPermissions(grants.map((g) => g.id)).includes(permissionId);
}

/** POST /team-permissions/…: the member must exist; the id must be one of the fixed set. */
export async function grantTeamPermission(
  tx: Queryable,
  projectId: string,
  teamId: string,
  userId: string,
  permissionId: string,
): Promise<TeamPermission> {
  if (!isKnownPermission(permissionId)) throw errors.permissionNotFound(permissionId);
  const { rowCount } = await tx.query('SELECT 1 FROM authsync.team_members WHERE team_id = $1 AND user_id = $2 AND project_id = $3', [
    teamId,
    userId,
    projectId,
  ]);
  if (rowCount === 0) throw errors.teamMembershipNotFound(teamId, userId);
  await grantPermissions(tx, teamId, userId, [permissionId]);
  return { id: permissionId, user_id: userId, team_id: teamId };
}

/** DELETE /team-permissions/…: only a direct grant can be revoked (TEAM_PERMISSION_NOT_FOUND otherwise). */
export async function revokeTeamPermission(tx: Queryable, projectId: string, teamId: string, userId: string, permissionId: string) {
  const { rowCount } = await tx.query(
    `DELETE FROM authsync.team_member_permissions p USING authsync.team_members m
     WHERE p.team_id = $1 AND p.user_id = $2 AND p.permission_id = $3
       AND m.team_id = p.team_id AND m.user_id = p.user_id AND m.project_id = $4`,
    [teamId, userId, permissionId, projectId],
  );
  if (rowCount === 0) throw errors.teamPermissionNotFound(teamId, userId, permissionId);
}
