/**
 * Team permissions granted to members. What a permission contains is the project's definitions
 * (permission-definitions.ts): six system permissions (`$…`), `team_admin` and `team_member` in every project, and the
 * project's own. A team's creator is granted the project's creator default set, every other member its member default
 * set (`team_creator_default_permissions` / `team_member_default_permissions` of the project config, by default
 * `team_admin` and `team_member`). Grants are stored as given (the direct grants); a recursive read adds what they
 * contain, at any depth.
 */
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import { parseProjectConfig } from '../projects/project-config.js';
import { listPermissionDefinitions, requirePermission } from './permission-definitions.js';

export const SYSTEM_PERMISSIONS = [
  '$update_team',
  '$delete_team',
  '$read_members',
  '$remove_members',
  '$invite_members',
  '$manage_api_keys',
] as const;

export type PermissionId = string;

/** The permissions every project starts with (system ones, team_admin, team_member); the import grants only these. */
export function isKnownPermission(id: string): boolean {
  return id === 'team_admin' || id === 'team_member' || (SYSTEM_PERMISSIONS as readonly string[]).includes(id);
}

/** The granted ids and everything they contain, at any depth, each once (the grants first). */
export function expandPermissions(granted: readonly PermissionId[], contains: ReadonlyMap<string, readonly string[]>): PermissionId[] {
  const all = new Set<PermissionId>();
  const pending = [...granted];
  while (pending.length > 0) {
    const id = pending.shift()!;
    if (all.has(id)) continue;
    all.add(id);
    pending.push(...(contains.get(id) ?? []));
  }
  return [...all];
}

export interface TeamPermission {
  id: PermissionId;
  user_id: string;
  team_id: string;
}

/**
 * Grants `permissionIds` to a member (already a member: the reference to team_members checks it). Ids that name no team
 * definition of the member's project are left out: a default set may name a definition deleted or not made yet.
 */
export async function grantPermissions(
  tx: Queryable,
  teamId: string,
  userId: string,
  permissionIds: readonly PermissionId[],
): Promise<void> {
  await tx.query(
    `INSERT INTO authsync.team_member_permissions (team_id, user_id, project_id, permission_id)
     SELECT m.team_id, m.user_id, m.project_id, d.id FROM authsync.team_members m
     JOIN authsync.permission_definitions d ON d.project_id = m.project_id AND d.scope = 'team' AND d.id = ANY($3::text[])
     WHERE m.team_id = $1 AND m.user_id = $2
     ON CONFLICT DO NOTHING`,
    [teamId, userId, [...permissionIds]],
  );
}

/** The project's default set for a team's creator or another member, as its config stands in this transaction. */
export async function defaultPermissions(tx: Queryable, projectId: string, member: 'creator' | 'member'): Promise<PermissionId[]> {
  const { rows } = await tx.query<{ config: unknown }>('SELECT config FROM authsync.projects WHERE id = $1', [projectId]);
  const config = parseProjectConfig(rows[0]?.config);
  return member === 'creator' ? config.team_creator_default_permissions : config.team_member_default_permissions;
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
 * they contain (per member and team), ordered by team, user and permission id as Stack orders them; narrowed to one
 * permission id when given.
 */
export async function listTeamPermissions(
  db: Queryable,
  projectId: string,
  filter: { teamId?: string; userId?: string; recursive: boolean; permissionId?: string },
): Promise<TeamPermission[]> {
  const grants = await listGrants(db, projectId, filter);
  let items = grants;
  if (filter.recursive) {
    const contains = await containmentMap(db, projectId);
    const byMember = new Map<string, TeamPermission[]>();
    for (const grant of grants) {
      const key = `${grant.team_id}/${grant.user_id}`;
      byMember.set(key, [...(byMember.get(key) ?? []), grant]);
    }
    items = [...byMember.values()].flatMap((member) =>
      expandPermissions(
        member.map((g) => g.id),
        contains,
      ).map((id) => ({ id, user_id: member[0]!.user_id, team_id: member[0]!.team_id })),
    );
  }
  const order = (a: TeamPermission, b: TeamPermission) =>
    compare(a.team_id, b.team_id) || compare(a.user_id, b.user_id) || compare(a.id, b.id);
  return (filter.permissionId === undefined ? items : items.filter((item) => item.id === filter.permissionId)).sort(order);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function containmentMap(db: Queryable, projectId: string): Promise<Map<string, string[]>> {
  const definitions = await listPermissionDefinitions(db, projectId, 'team');
  return new Map(definitions.map((d) => [d.id, d.contained_permission_ids]));
}

/** Whether a member holds `permissionId`, directly or through definitions that contain it, at any depth. */
export async function hasTeamPermission(db: Queryable, projectId: string, teamId: string, userId: string, permissionId: string) {
  const { rows } = await db.query<{ held: boolean }>(
    `WITH RECURSIVE held (id) AS (
       SELECT permission_id FROM authsync.team_member_permissions WHERE team_id = $1 AND user_id = $2 AND project_id = $3
       UNION
       SELECT c.contained_id FROM authsync.permission_containments c JOIN held h ON c.permission_id = h.id
       WHERE c.project_id = $3
     )
     SELECT EXISTS (SELECT 1 FROM held WHERE id = $4) AS held`,
    [teamId, userId, projectId, permissionId],
  );
  return rows[0]?.held === true;
}

/** POST /team-permissions/…: a team definition (PERMISSION_NOT_FOUND, WRONG_PERMISSION_SCOPE), then the member. */
export async function grantTeamPermission(
  tx: Queryable,
  projectId: string,
  teamId: string,
  userId: string,
  permissionId: string,
): Promise<TeamPermission> {
  await requirePermission(tx, projectId, permissionId, 'team');
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
    'DELETE FROM authsync.team_member_permissions WHERE team_id = $1 AND user_id = $2 AND permission_id = $3 AND project_id = $4',
    [teamId, userId, permissionId, projectId],
  );
  if (rowCount === 0) throw errors.teamPermissionNotFound(teamId, userId, permissionId);
}
