/**
 * Team data for RLS in databases other than the server's own: the outbox's team entries and the backfill.
 *
 * A team change writes one outbox row (op 'team') in its own transaction: the whole team as it is once the change is
 * made, versioned by authsync.team_sync_versions (bumping the counter makes the changes of one team take turns, so
 * a higher version is always the later, fuller copy). The target worker applies the rows with the users' rows, in the
 * same batches (authsync_sync.apply_outbox_batch); a target keeps the highest version per team
 * (authsync_sync.team_versions), so copies arriving late or twice change nothing. The backfill copies every team of
 * the project with the version read beside it, and registers the project in the target (authsync_sync.team_data):
 * copies of an unregistered project are ignored, so nothing comes back after the option is turned off.
 */
import type { Database, Queryable } from '../db/database.js';
import { TEAM_DATA_GRANT_SQL } from './target-schema.js';

/** The Stack server team object, built where the row is. */
export const RAW_JSON = `jsonb_build_object(
  'id', t.id, 'display_name', t.display_name, 'profile_image_url', t.profile_image_url,
  'created_at_millis', (extract(epoch FROM t.created_at) * 1000)::bigint,
  'client_metadata', t.client_metadata, 'client_read_only_metadata', t.client_read_only_metadata,
  'server_metadata', t.server_metadata)`;

export interface TeamMemberCopy {
  user_id: string;
  created_at: string;
}

/** One team as a target stores it (an outbox row's raw_json): `team` null once deleted. */
export interface TeamCopy {
  team: { name: string; raw_json: Record<string, unknown>; created_at: string } | null;
  members: TeamMemberCopy[];
}

/** An outbox row of op 'team', as the worker reads it. */
export interface TeamChange {
  kind: 'team';
  id: string;
  version: number;
  raw_json: TeamCopy;
}

/** The input of authsync_sync.apply_team_copies (a JSON array). */
export function teamCopiesJson(changes: readonly TeamChange[]): string {
  return JSON.stringify(changes.map((c) => ({ id: c.id, version: c.version, ...c.raw_json })));
}

/** SQL: the copy of team `$id` (a uuid expression) as the outbox stores it in raw_json. */
function copySql(id: string): string {
  return `jsonb_build_object(
    'team', (SELECT jsonb_build_object('name', t.display_name, 'raw_json', ${RAW_JSON}, 'created_at', t.created_at)
             FROM authsync.teams t WHERE t.id = ${id}),
    'members', COALESCE((SELECT jsonb_agg(jsonb_build_object('user_id', m.user_id::text, 'created_at', m.created_at) ORDER BY m.user_id)
                         FROM authsync.team_members m WHERE m.team_id = ${id}), '[]'::jsonb))`;
}

/** In the team change's transaction: the next version of the team, then its copy into the outbox. */
export async function queueTeamChange(tx: Queryable, projectId: string, teamId: string): Promise<void> {
  // Locks the counter until commit: a concurrent change of this team waits here, and then (a new statement, a new
  // snapshot under READ COMMITTED) reads a copy that includes this one.
  const { rows } = await tx.query<{ version: string }>(
    `INSERT INTO authsync.team_sync_versions AS v (team_id, project_id, version) VALUES ($1, $2, 1)
     ON CONFLICT (team_id) DO UPDATE SET version = v.version + 1 RETURNING v.version`,
    [teamId, projectId],
  );
  await tx.query(
    `WITH c AS (SELECT ${copySql('$1::uuid')} AS copy)
     INSERT INTO authsync.sync_outbox (project_id, team_id, version, op, raw_json, bytes)
     SELECT $2, $1, $3, 'team', c.copy, octet_length(c.copy::text) FROM c`,
    [teamId, projectId, rows[0]!.version],
  );
  await tx.notify('users_sync', projectId);
}

/**
 * A page of the project's teams for the backfill, in ID order after `after`: those that exist and those deleted since
 * team data was first sent elsewhere (their removal), each with the version read in the same statement.
 */
async function readTeamPage(source: Queryable, projectId: string, after: string, limit: number): Promise<TeamChange[]> {
  const { rows } = await source.query<{ id: string; version: string; copy: TeamCopy }>(
    `SELECT ids.id::text AS id, COALESCE(v.version, 0) AS version, ${copySql('ids.id')} AS copy
     FROM (SELECT id FROM authsync.teams WHERE project_id = $1 AND id > $2
           UNION SELECT team_id FROM authsync.team_sync_versions WHERE project_id = $1 AND team_id > $2
           ORDER BY 1 LIMIT $3) ids
     LEFT JOIN authsync.team_sync_versions v ON v.team_id = ids.id
     ORDER BY ids.id`,
    [projectId, after, limit],
  );
  return rows.map((r) => ({ kind: 'team', id: r.id, version: Number(r.version), raw_json: r.copy }));
}

/** Applies copies in a target (repair: equal versions are rewritten too); -1 when the project is not registered there. */
export async function applyTeamCopies(target: Queryable, projectId: string, copies: TeamChange[], repair: boolean): Promise<number> {
  const { rows } = await target.query<{ n: number }>('SELECT authsync_sync.apply_team_copies($1, $2::jsonb, $3) AS n', [
    projectId,
    teamCopiesJson(copies),
    repair,
  ]);
  return rows[0]!.n;
}

/** Whether the project has team data on (the project setting). */
export async function teamDataOn(db: Queryable, projectId: string): Promise<boolean> {
  const { rows } = await db.query<{ on: boolean | null }>(
    "SELECT (config ->> 'team_data_sync')::boolean AS on FROM authsync.projects WHERE id = $1",
    [projectId],
  );
  return rows[0]?.on === true;
}

/**
 * The backfill and repair of one target (its tables exist: ensureTarget ran): registers the project, grants
 * `authenticated` its read, copies every team (rewriting what differs: equal versions are applied again), and removes
 * rows of teams the target has no version of (no copy ever brought them: edited by hand). Returns the rows written or
 * removed.
 */
export async function backfillTeamDataIn(source: Queryable, target: Database, projectId: string, pageSize = 500): Promise<number> {
  await target.query('INSERT INTO authsync_sync.team_data (project_id) VALUES ($1) ON CONFLICT DO NOTHING', [projectId]);
  // End users (role authenticated, where it exists) read them, as in the server's own database.
  await target.exec(TEAM_DATA_GRANT_SQL);
  let written = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await readTeamPage(source, projectId, after, pageSize);
    if (page.length === 0) break;
    written += Math.max(0, await applyTeamCopies(target, projectId, page, true));
    after = page.at(-1)!.id;
  }
  const unknown = 'NOT EXISTS (SELECT FROM authsync_sync.team_versions v WHERE v.id = s.';
  written += (await target.query(`DELETE FROM neon_auth.team_members_sync s WHERE ${unknown}team_id)`)).rowCount;
  written += (await target.query(`DELETE FROM neon_auth.teams_sync s WHERE ${unknown}id)`)).rowCount;
  return written;
}

/**
 * Turning team data off in a target: the project is no longer registered (copies still on their way are ignored) and
 * its rows go. Under the project's checkpoint lock, so a batch being applied finishes first.
 */
export async function clearTeamDataIn(target: Database, projectId: string): Promise<void> {
  await target.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM authsync_sync.checkpoints WHERE project_id = $1 FOR UPDATE', [projectId]);
    await tx.query('DELETE FROM authsync_sync.team_data WHERE project_id = $1', [projectId]);
    const teams = 'SELECT id FROM authsync_sync.team_versions WHERE project_id = $1';
    await tx.query(`DELETE FROM neon_auth.team_members_sync WHERE team_id IN (${teams})`, [projectId]);
    await tx.query(`DELETE FROM neon_auth.teams_sync WHERE id IN (${teams})`, [projectId]);
    await tx.query('DELETE FROM authsync_sync.team_versions WHERE project_id = $1', [projectId]);
  });
}
