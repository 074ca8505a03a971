/**
 * Teams of a project: create (the creator becomes a member with the project's default permissions for creators),
 * list (oldest first, no pagination: the SDK's getTeam lists and filters), read, update, delete. Deleting a team
 * clears it as the selected team of its members through the user store (users_sync sees the change), then removes it
 * with its memberships and grants.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import { captureTeamChange } from '../sync/team-data.js';
import type { TeamRow } from '../users/team-shape.js';
import { addMembership } from './memberships.js';
import { checkTeamMetadata, type TeamFields } from './team-input.js';

const TEAM_COLUMNS =
  'id, project_id, display_name, profile_image_url, client_metadata, client_read_only_metadata, server_metadata, created_at';
const JSON_FIELDS = new Set(['client_metadata', 'client_read_only_metadata', 'server_metadata']);

function encode(column: string, value: unknown): unknown {
  return JSON_FIELDS.has(column) && value !== null ? JSON.stringify(value) : value;
}

/** Inserts a team and, with a creator, its first member with the creator's permissions. */
export async function insertTeam(
  tx: Queryable,
  projectId: string,
  fields: TeamFields & { display_name: string },
  creatorUserId: string | null,
): Promise<TeamRow> {
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  const columns = ['id', 'project_id', ...entries.map(([key]) => key)];
  const values = [randomUUID(), projectId, ...entries.map(([key, value]) => encode(key, value))];
  const { rows } = await tx.query<TeamRow>(
    `INSERT INTO authsync.teams (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING ${TEAM_COLUMNS}`,
    values,
  );
  const team = rows[0]!;
  if (creatorUserId) await addMembership(tx, projectId, team.id, creatorUserId, 'creator');
  else await captureTeamChange(tx, projectId, team.id);
  return team;
}

export async function createTeam(
  ctx: AppContext,
  projectId: string,
  fields: TeamFields & { display_name: string },
  creatorUserId: string | null,
): Promise<TeamRow> {
  checkTeamMetadata(fields, ctx.config.maxMetadataBytes);
  return ctx.db.transaction(async (tx) => {
    if (creatorUserId && !(await ctx.users.get(projectId, creatorUserId, tx))) throw errors.userNotFound();
    return insertTeam(tx, projectId, fields, creatorUserId);
  });
}

/** A project's teams, or one user's, oldest first. */
export async function listTeams(db: Queryable, projectId: string, userId?: string): Promise<TeamRow[]> {
  const { rows } = userId
    ? await db.query<TeamRow>(
        `SELECT ${TEAM_COLUMNS.split(', ')
          .map((c) => `t.${c}`)
          .join(', ')} FROM authsync.teams t JOIN authsync.team_members m ON m.team_id = t.id
         WHERE t.project_id = $1 AND m.user_id = $2 ORDER BY t.created_at, t.id`,
        [projectId, userId],
      )
    : await db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM authsync.teams WHERE project_id = $1 ORDER BY created_at, id`, [projectId]);
  return rows;
}

export async function getTeam(db: Queryable, projectId: string, teamId: string): Promise<TeamRow | undefined> {
  const { rows } = await db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM authsync.teams WHERE id = $1 AND project_id = $2`, [
    teamId,
    projectId,
  ]);
  return rows[0];
}

/** The team, or TEAM_NOT_FOUND (also for another project's team). */
export async function requireTeam(db: Queryable, projectId: string, teamId: string): Promise<TeamRow> {
  const team = await getTeam(db, projectId, teamId);
  if (!team) throw errors.teamNotFound(teamId);
  return team;
}

/**
 * Updates a team. Users who selected it carry it in their user object (and users_sync), so each of them is touched
 * through the user store in the same transaction.
 */
export async function updateTeam(ctx: AppContext, projectId: string, teamId: string, fields: TeamFields): Promise<TeamRow> {
  checkTeamMetadata(fields, ctx.config.maxMetadataBytes);
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return requireTeam(ctx.db, projectId, teamId);
  return ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<TeamRow>(
      `UPDATE authsync.teams SET ${entries.map(([key], i) => `${key} = $${i + 3}`).join(', ')}
       WHERE id = $1 AND project_id = $2 RETURNING ${TEAM_COLUMNS}`,
      [teamId, projectId, ...entries.map(([key, value]) => encode(key, value))],
    );
    if (!rows[0]) throw errors.teamNotFound(teamId);
    for (const userId of await selectingUsers(tx, projectId, teamId)) await ctx.users.update(projectId, userId, {}, { tx });
    await captureTeamChange(tx, projectId, teamId);
    return rows[0];
  });
}

async function selectingUsers(tx: Queryable, projectId: string, teamId: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    'SELECT id FROM authsync.users WHERE selected_team_id = $1 AND project_id = $2 ORDER BY id',
    [teamId, projectId],
  );
  return rows.map((row) => row.id);
}

export async function deleteTeam(ctx: AppContext, projectId: string, teamId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM authsync.teams WHERE id = $1 AND project_id = $2 FOR UPDATE', [
      teamId,
      projectId,
    ]);
    if (rows.length === 0) throw errors.teamNotFound(teamId);
    // Lock the memberships too: a concurrent selection holds a key-share lock on its membership until it commits, so the
    // next statement sees it; a later one waits, then finds no membership (TEAM_MEMBERSHIP_NOT_FOUND).
    await tx.query('SELECT 1 FROM authsync.team_members WHERE team_id = $1 FOR UPDATE', [teamId]);
    for (const userId of await selectingUsers(tx, projectId, teamId))
      await ctx.users.update(projectId, userId, { selected_team_id: null }, { tx });
    await tx.query('DELETE FROM authsync.teams WHERE id = $1', [teamId]);
    await captureTeamChange(tx, projectId, teamId);
  });
}
