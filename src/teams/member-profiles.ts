/**
 * Team member profiles: a member's name and image within a team (Stack's `/team-member-profiles`), falling back to the
 * user's own; server reads also carry the full server user.
 */
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import { toServerUser, userColumns, type UserRow } from '../users/user-object.js';
import type { MemberProfileFields } from './team-input.js';

interface ProfileRow {
  team_id: string;
  member_display_name: string | null;
  member_profile_image_url: string | null;
  user: UserRow;
}

export interface MemberProfile {
  team_id: string;
  user_id: string;
  display_name: string | null;
  profile_image_url: string | null;
  /** The user behind the profile; shown to server access only. */
  user: UserRow;
}

export async function listMemberProfiles(
  db: Queryable,
  projectId: string,
  filter: { teamId?: string; userId?: string },
): Promise<MemberProfile[]> {
  const params: unknown[] = [projectId];
  const where = ['m.project_id = $1'];
  if (filter.teamId) where.push(`m.team_id = $${params.push(filter.teamId)}`);
  if (filter.userId) where.push(`m.user_id = $${params.push(filter.userId)}`);
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT m.team_id, m.display_name AS member_display_name, m.profile_image_url AS member_profile_image_url, ${userColumns('users')}
     FROM authsync.team_members m JOIN authsync.users users ON users.id = m.user_id
     WHERE ${where.join(' AND ')} ORDER BY m.created_at, m.user_id`,
    params,
  );
  return rows.map((row) => toProfile(splitRow(row)));
}

export async function getMemberProfile(db: Queryable, projectId: string, teamId: string, userId: string): Promise<MemberProfile> {
  const [profile] = await listMemberProfiles(db, projectId, { teamId, userId });
  if (!profile) throw errors.teamMembershipNotFound(teamId, userId);
  return profile;
}

export async function updateMemberProfile(
  db: Queryable,
  projectId: string,
  teamId: string,
  userId: string,
  fields: MemberProfileFields,
): Promise<MemberProfile> {
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  if (entries.length > 0) {
    const { rowCount } = await db.query(
      `UPDATE authsync.team_members SET ${entries.map(([key], i) => `${key} = $${i + 4}`).join(', ')}
       WHERE team_id = $1 AND user_id = $2 AND project_id = $3`,
      [teamId, userId, projectId, ...entries.map(([, value]) => value)],
    );
    if (rowCount === 0) throw errors.teamMembershipNotFound(teamId, userId);
  }
  return getMemberProfile(db, projectId, teamId, userId);
}

function splitRow(row: Record<string, unknown>): ProfileRow {
  const { team_id, member_display_name, member_profile_image_url, ...user } = row;
  return {
    team_id: team_id as string,
    member_display_name: member_display_name as string | null,
    member_profile_image_url: member_profile_image_url as string | null,
    user: user as unknown as UserRow,
  };
}

function toProfile(row: ProfileRow): MemberProfile {
  return {
    team_id: row.team_id,
    user_id: row.user.id,
    display_name: row.member_display_name ?? row.user.display_name,
    profile_image_url: row.member_profile_image_url ?? row.user.profile_image_url,
    user: row.user,
  };
}

/** The profile as the API answers: with the server user for server access. */
export function profileBody(profile: MemberProfile, withUser: boolean) {
  const { user, ...rest } = profile;
  return withUser ? { ...rest, user: toServerUser(user) } : rest;
}
