/**
 * `authsync sync teams --project ID [--off]`: the project setting `team_data_sync`. Turning it on copies every team
 * of the project into neon_auth.teams_sync and team_members_sync and lets the role `authenticated` read them (all but
 * teams_sync.raw_json, which holds server metadata); turning it off removes the project's rows. The grant stays (other
 * projects may share the database; the tables hold only opted-in projects' rows). Only where the app database is the
 * server's own, for now: another app database is refused (SYNC_SETUP).
 */
import type { AppContext } from '../context/app-context.js';
import { getProject, updateProject } from '../projects/projects.js';
import { parseProjectConfig } from '../projects/project-config.js';
import { syncSetupError } from './grants.js';
import { syncRoute } from './capture.js';
import { backfillTeamData, clearTeamData } from './team-data.js';
import { listMigrations } from '../db/migrate.js';
import { ensureTarget, USERS_SYNC_TRACK } from './target-schema.js';

/** What `authenticated` may read: everything of the memberships, the team's name but not its raw_json. */
export const TEAM_DATA_GRANT_SQL = `
DO $team_data$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    GRANT USAGE ON SCHEMA neon_auth TO authenticated;
    GRANT SELECT (id, name, created_at, updated_at) ON neon_auth.teams_sync TO authenticated;
    GRANT SELECT ON neon_auth.team_members_sync TO authenticated;
  END IF;
END
$team_data$;`;

export interface TeamDataResult {
  enabled: boolean;
  teams: number;
  members: number;
}

export async function setTeamData(ctx: AppContext, projectId: string, enabled: boolean): Promise<TeamDataResult> {
  if (!(await getProject(ctx.db, projectId))) throw syncSetupError(`No project with the ID ${projectId}.`);
  await ensureTarget(ctx.db);
  if (enabled && !(await syncRoute(ctx.db, projectId)).own)
    throw syncSetupError(
      "Team data is kept only in an app database that is the server's own, for now; this project's is another database.",
    );
  await updateProject(ctx.db, projectId, { config: { team_data_sync: enabled } });
  return ctx.db.transaction(async (tx) => {
    if (!enabled) await clearTeamData(tx, projectId);
    else {
      await backfillTeamData(tx, projectId);
      await tx.exec(TEAM_DATA_GRANT_SQL);
    }
    const { rows } = await tx.query<{ teams: number; members: number }>(
      `SELECT (SELECT count(*) FROM neon_auth.teams_sync s JOIN authsync.teams t ON t.id::text = s.id WHERE t.project_id = $1)::int AS teams,
              (SELECT count(*) FROM neon_auth.team_members_sync s JOIN authsync.teams t ON t.id::text = s.team_id WHERE t.project_id = $1)::int AS members`,
      [projectId],
    );
    return { enabled, ...rows[0]! };
  });
}

/** The track's file that creates the two tables (idempotent, so it is also how a dropped table comes back). */
function teamDataTablesSql(): string {
  const file = listMigrations(USERS_SYNC_TRACK.dir).find((m) => m.version.endsWith('_team_data'));
  if (!file) throw new Error('migrations/users-sync has no file ending in _team_data.sql');
  return file.sql;
}

/**
 * `sync resync`'s part for team data: when the project has it on (in the server's own database), re-creates a dropped
 * table, grants again and copies every team, removing rows of teams that no longer exist. Returns the rows written
 * or removed, or null when the project has team data off.
 */
export async function repairTeamData(ctx: AppContext, projectId: string): Promise<number | null> {
  const project = await getProject(ctx.db, projectId);
  if (!project || !parseProjectConfig(project.config).team_data_sync) return null;
  const repaired = await ctx.db.transaction(async (tx) => {
    if (!(await syncRoute(tx, projectId)).own) return null;
    const { rows } = await tx.query<{ missing: boolean }>(
      "SELECT to_regclass('neon_auth.teams_sync') IS NULL OR to_regclass('neon_auth.team_members_sync') IS NULL AS missing",
    );
    if (rows[0]?.missing) await tx.exec(teamDataTablesSql());
    await tx.exec(TEAM_DATA_GRANT_SQL);
    return backfillTeamData(tx, projectId);
  });
  // The app roles' grants (sync grant), on a re-created table too.
  if (repaired !== null) await ensureTarget(ctx.db);
  return repaired;
}
