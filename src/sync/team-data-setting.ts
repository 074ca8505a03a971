/**
 * `authsync sync teams --project ID [--off]`: the project setting `team_data_sync`. Turning it on copies every team
 * of the project into neon_auth.teams_sync and team_members_sync, in the server's own database when it is the app
 * database and in each other database of the project (the app database elsewhere, extra targets: from then on fed by
 * the outbox), and lets the role `authenticated` read them (all but teams_sync.raw_json, which holds server metadata);
 * turning it off removes the project's rows everywhere. The grant stays (other projects may share the database; the
 * tables hold only opted-in projects' rows). A database that cannot be reached is set up later: by the sync worker
 * when the first team copy is refused there, or by `sync resync`. Turning off with one unreachable is an error
 * (SYNC_SETUP, once the setting is off): its rows stay until `sync resync` reaches it.
 */
import type { AppContext } from '../context/app-context.js';
import type { Database } from '../db/database.js';
import { listProjectDatabases, withProjectDatabase } from '../projects/databases.js';
import { getProject, updateProject } from '../projects/projects.js';
import { parseProjectConfig } from '../projects/project-config.js';
import { syncSetupError } from './grants.js';
import { syncRoute } from './capture.js';
import { backfillTeamData, clearTeamData } from './team-data.js';
import { backfillTeamDataIn, clearTeamDataIn } from './team-outbox.js';
import { ensureTarget, TEAM_DATA_GRANT_SQL, trackFileSql } from './target-schema.js';

export interface TeamDataResult {
  enabled: boolean;
  teams: number;
  members: number;
  /** Databases that could not be reached (host:port/database and why): the sync worker sets them up later. */
  unreachable?: { target: string; error: string }[];
}

export async function setTeamData(ctx: AppContext, projectId: string, enabled: boolean): Promise<TeamDataResult> {
  if (!(await getProject(ctx.db, projectId))) throw syncSetupError(`No project with the ID ${projectId}.`);
  await ensureTarget(ctx.db);
  // First the setting, so that every team change from now on is copied (here, or into the outbox); then the backfill.
  await updateProject(ctx.db, projectId, { config: { team_data_sync: enabled } });
  const own = (await syncRoute(ctx.db, projectId)).own;
  const counts = own ? await setTeamDataHere(ctx.db, projectId, enabled) : await sourceCounts(ctx.db, projectId, enabled);
  const unreachable: { target: string; error: string }[] = [];
  for (const target of (await listProjectDatabases(ctx.db, ctx.box, projectId)).filter((t) => t.url !== null)) {
    await withProjectDatabase(ctx, target, async (db) => {
      await ensureTarget(db);
      if (!enabled) return clearTeamDataIn(db, projectId);
      await backfillTeamDataIn(ctx.db, db, projectId);
    }).catch((error: Error) => unreachable.push({ target: target.key, error: error.message }));
  }
  // Rows left in a database turned off while unreachable would keep granting access: that is an error to act on.
  if (!enabled && unreachable.length > 0)
    throw syncSetupError(
      `Team data is off, but ${unreachable.map((u) => `${u.target} (${u.error})`).join(', ')} could not be reached: its rows stay until \`authsync sync resync --project ${projectId}\` reaches it.`,
    );
  return { enabled, ...counts, ...(unreachable.length > 0 ? { unreachable } : {}) };
}

/** The server's own database as the app database: copied (or cleared) in one transaction, counted from the copies. */
async function setTeamDataHere(db: Database, projectId: string, enabled: boolean): Promise<{ teams: number; members: number }> {
  return db.transaction(async (tx) => {
    if (!enabled) {
      await clearTeamData(tx, projectId);
      await tx.query('DELETE FROM authsync_sync.team_data WHERE project_id = $1', [projectId]);
    } else {
      await backfillTeamData(tx, projectId);
      // Recorded, so the grant comes back with a re-created table (ensureTarget).
      await tx.query('INSERT INTO authsync_sync.team_data (project_id) VALUES ($1) ON CONFLICT DO NOTHING', [projectId]);
      await tx.exec(TEAM_DATA_GRANT_SQL);
    }
    const { rows } = await tx.query<{ teams: number; members: number }>(
      `SELECT (SELECT count(*) FROM neon_auth.teams_sync s JOIN authsync.teams t ON t.id::text = s.id WHERE t.project_id = $1)::int AS teams,
              (SELECT count(*) FROM neon_auth.team_members_sync s JOIN authsync.teams t ON t.id::text = s.team_id WHERE t.project_id = $1)::int AS members`,
      [projectId],
    );
    return rows[0]!;
  });
}

/** The app database is elsewhere: the teams and memberships sent there (none when off). */
async function sourceCounts(db: Database, projectId: string, enabled: boolean): Promise<{ teams: number; members: number }> {
  if (!enabled) return { teams: 0, members: 0 };
  const { rows } = await db.query<{ teams: number; members: number }>(
    `SELECT (SELECT count(*) FROM authsync.teams WHERE project_id = $1)::int AS teams,
            (SELECT count(*) FROM authsync.team_members WHERE project_id = $1)::int AS members`,
    [projectId],
  );
  return rows[0]!;
}

/**
 * `sync resync`'s part for team data in the server's own database: when the project has it on there, re-creates a
 * dropped table, grants again and copies every team, removing rows of teams that no longer exist. Returns the rows
 * written or removed, or null when the project has team data off. (Other databases: resyncTarget.)
 */
export async function repairTeamData(ctx: AppContext, projectId: string): Promise<number | null> {
  const project = await getProject(ctx.db, projectId);
  if (!project || !parseProjectConfig(project.config).team_data_sync) return null;
  const repaired = await ctx.db.transaction(async (tx) => {
    if (!(await syncRoute(tx, projectId)).own) return null;
    const { rows } = await tx.query<{ missing: boolean }>(
      "SELECT to_regclass('neon_auth.teams_sync') IS NULL OR to_regclass('neon_auth.team_members_sync') IS NULL AS missing",
    );
    if (rows[0]?.missing) await tx.exec(trackFileSql('_team_data'));
    await tx.exec(TEAM_DATA_GRANT_SQL);
    return backfillTeamData(tx, projectId);
  });
  // The app roles' grants (sync grant), on a re-created table too.
  if (repaired !== null) await ensureTarget(ctx.db);
  return repaired;
}
