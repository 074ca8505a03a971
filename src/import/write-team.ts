/**
 * Writes a team of another Stack Auth-compatible server (its server team object) and its memberships into a project,
 * keeping the team's ID: created when new, updated when it differs, left alone when it matches. A membership is added
 * with the member's permissions at the source (the fixed set authsync knows); grants are added, never taken away.
 */
import { z } from 'zod';
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { captureTeamChange } from '../sync/team-data.js';
import { addMembership } from '../teams/memberships.js';
import { grantPermissions, isKnownPermission, listGrants } from '../teams/permissions.js';
import { canonicalJson } from './canonical-json.js';
import { checkTeamMetadata } from '../teams/team-input.js';
import { getTeam, updateTeam } from '../teams/teams.js';

const sourceTeamSchema = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
    .transform((id) => id.toLowerCase()),
  display_name: z.string().trim().min(1).max(256),
  profile_image_url: z.string().nullable().optional(),
  created_at_millis: z.number().finite().optional(),
  client_metadata: z.unknown().optional(),
  client_read_only_metadata: z.unknown().optional(),
  server_metadata: z.unknown().optional(),
});

export type TeamOutcome = 'imported' | 'updated' | 'unchanged' | { skipped: string };

export async function writeTeam(
  ctx: AppContext,
  projectId: string,
  source: unknown,
  options: { dryRun?: boolean } = {},
): Promise<TeamOutcome> {
  const parsed = sourceTeamSchema.safeParse(source);
  if (!parsed.success)
    return { skipped: `not a team object: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}` };
  const team = parsed.data;
  const fields = {
    display_name: team.display_name,
    profile_image_url: team.profile_image_url ?? null,
    client_metadata: team.client_metadata ?? null,
    client_read_only_metadata: team.client_read_only_metadata ?? null,
    server_metadata: team.server_metadata ?? null,
  };
  try {
    checkTeamMetadata(fields, ctx.config.maxMetadataBytes);
    const { rows } = await ctx.db.query<{ project_id: string }>('SELECT project_id FROM authsync.teams WHERE id = $1', [team.id]);
    if (rows[0] && rows[0].project_id !== projectId) return { skipped: 'the team ID is taken by a team of another project' };
    const current = rows[0] ? await getTeam(ctx.db, projectId, team.id) : undefined;
    if (!current) {
      if (options.dryRun) return 'imported';
      await ctx.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO authsync.teams (id, project_id, display_name, profile_image_url, client_metadata, client_read_only_metadata,
             server_metadata, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, now()))`,
          [
            team.id,
            projectId,
            fields.display_name,
            fields.profile_image_url,
            json(fields.client_metadata),
            json(fields.client_read_only_metadata),
            json(fields.server_metadata),
            team.created_at_millis === undefined ? null : new Date(team.created_at_millis),
          ],
        );
        await captureTeamChange(tx, projectId, team.id);
      });
      return 'imported';
    }
    const changes = Object.fromEntries(
      Object.entries(fields).filter(([key, value]) => canonicalJson(current[key as keyof typeof current]) !== canonicalJson(value)),
    );
    if (Object.keys(changes).length === 0) return 'unchanged';
    if (options.dryRun) return 'updated';
    await updateTeam(ctx, projectId, team.id, changes);
    return 'updated';
  } catch (error) {
    if (error instanceof AppError) return { skipped: error.message };
    throw error;
  }
}

/**
 * Makes `userId` a member of `teamId` with (at least) `permissions`: 'added' when the membership or a grant was new,
 * 'unchanged' when all were there, skipped when the user or team is not in the project (a user the import skipped).
 */
export async function writeMembership(
  ctx: AppContext,
  projectId: string,
  teamId: string,
  userId: string,
  permissions: readonly string[],
  options: { dryRun?: boolean } = {},
): Promise<'added' | 'unchanged' | { skipped: string }> {
  const known = permissions.filter(isKnownPermission);
  return ctx.db.transaction(async (tx: Queryable) => {
    const present = await tx.query<{ team: boolean; user: boolean; member: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM authsync.teams WHERE id = $1 AND project_id = $3) AS team,
              EXISTS (SELECT 1 FROM authsync.users WHERE id = $2 AND project_id = $3) AS user,
              EXISTS (SELECT 1 FROM authsync.team_members WHERE team_id = $1 AND user_id = $2) AS member`,
      [teamId, userId, projectId],
    );
    const { team, user, member } = present.rows[0]!;
    if (!team || !user) return options.dryRun ? 'added' : { skipped: `the ${team ? 'user' : 'team'} is not in the project` };
    if (!member) {
      if (!options.dryRun) await addMembership(tx, projectId, teamId, userId, known);
      return 'added';
    }
    const granted = new Set((await listGrants(tx, projectId, { teamId, userId })).map((g) => g.id));
    const missing = known.filter((id) => !granted.has(id));
    if (missing.length === 0) return 'unchanged';
    if (!options.dryRun) {
      await grantPermissions(tx, teamId, userId, missing);
      await captureTeamChange(tx, projectId, teamId);
    }
    return 'added';
  });
}

function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}
