/**
 * Per-target sync status, read from the server's database alone (no connection to the targets), so the
 * CLI and /metrics answer even while a target is down. For outbox targets: `pending` counts outbox rows
 * beyond the last applied sequence number, `lagSeconds` is the age of the oldest of them (0 when none).
 * A transaction that commits after a later-numbered one is counted from the moment a worker sees it.
 * Team data (projects with `sync teams` on) rides in the same outbox: `teamPending` and `teamLagSeconds` are its part.
 */
import type { Queryable } from '../db/database.js';

export interface TargetStatus {
  projectId: string;
  target: string;
  purpose: 'app' | 'sync_target';
  /** same-transaction: the server's own database, written with the user; outbox: applied by the worker. */
  mode: 'same-transaction' | 'outbox';
  pending: number;
  lagSeconds: number;
  /** The project keeps team data (neon_auth.teams_sync, team_members_sync) in its databases. */
  teamData: boolean;
  /** Of `pending`, the team copies (0 in the same-transaction mode). */
  teamPending: number;
  /** Age of the oldest team copy not yet applied (0 when none). */
  teamLagSeconds: number;
  lastAppliedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export async function syncStatus(db: Queryable, projectId?: string): Promise<TargetStatus[]> {
  const { rows } = await db.query<{
    project_id: string;
    url_key: string;
    purpose: 'app' | 'sync_target';
    own: boolean;
    pending: number;
    lag: number | null;
    team_data: boolean | null;
    team_pending: number;
    team_lag: number | null;
    last_applied_at: Date | null;
    last_error: string | null;
    last_error_at: Date | null;
  }>(
    `SELECT d.project_id, d.url_key, d.purpose, d.url_enc IS NULL AS own,
            COALESCE(p.pending, 0) AS pending,
            EXTRACT(EPOCH FROM clock_timestamp() - p.oldest)::float8 AS lag,
            (pr.config ->> 'team_data_sync')::boolean AS team_data,
            COALESCE(p.team_pending, 0) AS team_pending,
            EXTRACT(EPOCH FROM clock_timestamp() - p.team_oldest)::float8 AS team_lag,
            s.last_applied_at, s.last_error, s.last_error_at
     FROM authsync.project_databases d
     JOIN authsync.projects pr ON pr.id = d.project_id
     LEFT JOIN authsync.sync_target_state s ON s.database_id = d.id
     LEFT JOIN LATERAL (
       SELECT count(*) AS pending, min(o.created_at) AS oldest,
              count(*) FILTER (WHERE o.op = 'team') AS team_pending, min(o.created_at) FILTER (WHERE o.op = 'team') AS team_oldest
       FROM authsync.sync_outbox o
       WHERE d.url_enc IS NOT NULL AND o.project_id = d.project_id AND o.seq > COALESCE(s.last_seq, 0)
     ) p ON true
     WHERE $1::uuid IS NULL OR d.project_id = $1::uuid
     ORDER BY d.project_id, d.purpose, d.created_at`,
    [projectId ?? null],
  );
  return rows.map((row) => ({
    projectId: row.project_id,
    target: row.url_key,
    purpose: row.purpose,
    mode: row.own ? 'same-transaction' : 'outbox',
    pending: Number(row.pending),
    lagSeconds: row.lag === null ? 0 : Math.max(0, Number(row.lag)),
    teamData: row.team_data === true,
    teamPending: Number(row.team_pending),
    teamLagSeconds: row.team_lag === null ? 0 : Math.max(0, Number(row.team_lag)),
    lastAppliedAt: row.last_applied_at?.toISOString() ?? null,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at?.toISOString() ?? null,
  }));
}
