/**
 * Team data for RLS: neon_auth.teams_sync and neon_auth.team_members_sync (migrations/users-sync/…_team_data.sql),
 * opt-in per project (the setting `team_data_sync`). When the project's app database is the server's own, every
 * team change copies the team and its members into them in that same transaction (zero lag): a policy joining
 * team_members_sync sees a new member at once, and never a member who left. When the project has other databases
 * (an app database elsewhere, extra targets), the change also goes to the outbox, as users' changes do
 * (team-outbox.ts).
 *
 * Each change re-copies one whole team (row and members) from authsync's tables, rather than replaying the change: the
 * same statement serves create, update, delete, add and remove, and a copy cannot drift.
 */
import type { Queryable } from '../db/database.js';
import type { UserChangeHook } from '../users/user-store.js';
import { syncRoute } from './capture.js';
import { queueTeamChange, RAW_JSON } from './team-outbox.js';

/**
 * Where a project's team data goes: `here` when the project wants it and the tables are in the server's own database,
 * `outbox` when it wants it and has other databases.
 */
async function teamDataRoute(tx: Queryable, projectId: string): Promise<{ here: boolean; outbox: boolean }> {
  const { rows } = await tx.query<{ on: boolean | null; ready: boolean }>(
    `SELECT (p.config ->> 'team_data_sync')::boolean AS on,
            to_regclass('neon_auth.team_members_sync') IS NOT NULL AND to_regclass('neon_auth.teams_sync') IS NOT NULL AS ready
     FROM authsync.projects p WHERE p.id = $1`,
    [projectId],
  );
  if (rows[0]?.on !== true) return { here: false, outbox: false };
  const route = await syncRoute(tx, projectId);
  return { here: route.own && rows[0].ready, outbox: route.external };
}

/**
 * Copies the teams named by `teamIds` (a query yielding text IDs: teams that exist, or existed until this transaction)
 * and their members, and removes the copies of what authsync no longer has.
 */
async function copyTeams(tx: Queryable, teamIds: string, params: unknown[]): Promise<number> {
  let written = 0;
  written += (
    await tx.query(
      `DELETE FROM neon_auth.team_members_sync s WHERE s.team_id IN (${teamIds})
       AND NOT EXISTS (SELECT FROM authsync.team_members m WHERE m.team_id::text = s.team_id AND m.user_id::text = s.user_id)`,
      params,
    )
  ).rowCount;
  written += (
    await tx.query(
      `DELETE FROM neon_auth.teams_sync s WHERE s.id IN (${teamIds})
       AND NOT EXISTS (SELECT FROM authsync.teams t WHERE t.id::text = s.id)`,
      params,
    )
  ).rowCount;
  written += (
    await tx.query(
      `INSERT INTO neon_auth.teams_sync AS s (id, name, raw_json, created_at, updated_at)
     SELECT t.id::text, t.display_name, ${RAW_JSON}, t.created_at, now() FROM authsync.teams t WHERE t.id::text IN (${teamIds})
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, raw_json = excluded.raw_json, updated_at = excluded.updated_at
       WHERE s.raw_json IS DISTINCT FROM excluded.raw_json`,
      params,
    )
  ).rowCount;
  written += (
    await tx.query(
      `INSERT INTO neon_auth.team_members_sync (team_id, user_id, created_at)
     SELECT m.team_id::text, m.user_id::text, m.created_at FROM authsync.team_members m WHERE m.team_id::text IN (${teamIds})
     ON CONFLICT DO NOTHING`,
      params,
    )
  ).rowCount;
  return written;
}

/** After any change to one team or its members, in the change's transaction. */
export async function captureTeamChange(tx: Queryable, projectId: string, teamId: string): Promise<void> {
  const route = await teamDataRoute(tx, projectId);
  if (route.here) await copyTeams(tx, 'SELECT $1::text', [teamId]);
  if (route.outbox) await queueTeamChange(tx, projectId, teamId);
}

/**
 * A user change hook: a deleted user's memberships went with it (ON DELETE CASCADE), so their copies go too. (Other
 * databases remove them when they apply the user's deletion, which the outbox carries already.)
 */
export const captureUserRemoval: UserChangeHook = async (tx, change) => {
  if (change.op !== 'deleted' || !(await teamDataRoute(tx, change.projectId)).here) return;
  await tx.query('DELETE FROM neon_auth.team_members_sync WHERE user_id = $1', [change.userId]);
};

/**
 * Copies all of a project's teams (turning the option on, or a repair) and removes rows of teams that no longer exist
 * in any project (team IDs are UUIDs, so such a row can be no other project's); returns the rows written or removed.
 * Takes the tables' write lock first, so team changes in flight commit before it reads, and later ones wait for it:
 * none is overwritten by an older copy.
 */
export async function backfillTeamData(tx: Queryable, projectId: string): Promise<number> {
  await tx.exec('LOCK TABLE neon_auth.teams_sync, neon_auth.team_members_sync IN SHARE ROW EXCLUSIVE MODE');
  const orphans =
    (
      await tx.query(
        'DELETE FROM neon_auth.team_members_sync s WHERE NOT EXISTS (SELECT FROM authsync.teams t WHERE t.id::text = s.team_id)',
      )
    ).rowCount +
    (await tx.query('DELETE FROM neon_auth.teams_sync s WHERE NOT EXISTS (SELECT FROM authsync.teams t WHERE t.id::text = s.id)')).rowCount;
  return orphans + (await copyTeams(tx, 'SELECT id::text FROM authsync.teams WHERE project_id = $1', [projectId]));
}

/** Turning the option off: the project's rows go (stale memberships must not keep granting access). */
export async function clearTeamData(tx: Queryable, projectId: string): Promise<void> {
  const teams = 'SELECT id::text FROM authsync.teams WHERE project_id = $1';
  await tx.query(`DELETE FROM neon_auth.team_members_sync WHERE team_id IN (${teams})`, [projectId]);
  await tx.query(`DELETE FROM neon_auth.teams_sync WHERE id IN (${teams})`, [projectId]);
}
