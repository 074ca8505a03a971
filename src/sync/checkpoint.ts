/** The per-project checkpoint kept in a target (authsync_sync.checkpoints), and its copy in the server's database. */
import type { Queryable } from '../db/database.js';
import { formatSnapshot, horizonSnapshot, parseSnapshot, type Snapshot } from './outbox.js';

export interface Checkpoint {
  /** The snapshot's xmin: every outbox row of a transaction below it has been applied (pruning, status). */
  horizonXid: number;
  /** Every outbox row of a transaction visible in this snapshot has been applied. */
  snapshot: Snapshot;
  lastSeq: number;
  lastAppliedAt: Date;
}

export interface CheckpointRow {
  horizon_xid: number | string;
  snapshot: string | null;
  last_seq: number | string;
  last_applied_at: Date;
}

export function toCheckpoint(row: CheckpointRow): Checkpoint {
  const horizonXid = Number(row.horizon_xid);
  return {
    horizonXid,
    // A checkpoint written before snapshots were stored: complete below its horizon.
    snapshot: row.snapshot ? parseSnapshot(row.snapshot) : horizonSnapshot(horizonXid),
    lastSeq: Number(row.last_seq),
    lastAppliedAt: row.last_applied_at,
  };
}

export async function readCheckpoint(target: Queryable, projectId: string): Promise<Checkpoint | undefined> {
  const { rows } = await target.query<CheckpointRow>(
    'SELECT horizon_xid, snapshot, last_seq, last_applied_at FROM authsync_sync.checkpoints WHERE project_id = $1',
    [projectId],
  );
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

/**
 * Moves the checkpoint forward (several processes may write it): replaced only by a snapshot that is not
 * behind it in xmin nor in xmax. Every stored snapshot is complete, so keeping the older one is never wrong.
 */
export async function advanceCheckpoint(
  target: Queryable,
  projectId: string,
  snapshot: Snapshot,
  lastSeq: number,
  applied: boolean,
): Promise<void> {
  await target.query(
    `INSERT INTO authsync_sync.checkpoints AS c (project_id, horizon_xid, snapshot, last_seq) VALUES ($1, $2, $3, $4)
     ON CONFLICT (project_id) DO UPDATE SET
       horizon_xid = CASE WHEN ${DOMINATES} THEN excluded.horizon_xid ELSE c.horizon_xid END,
       snapshot = CASE WHEN ${DOMINATES} THEN excluded.snapshot ELSE c.snapshot END,
       last_seq = GREATEST(c.last_seq, excluded.last_seq),
       last_applied_at = CASE WHEN $5 THEN now() ELSE c.last_applied_at END`,
    [projectId, snapshot.xmin, formatSnapshot(snapshot), lastSeq, applied],
  );
}

/** SQL: the new checkpoint (`excluded`) is not behind the stored one (`c`); a stored NULL snapshot is (h:h:). */
export const DOMINATES = `(excluded.horizon_xid >= c.horizon_xid
  AND split_part(excluded.snapshot, ':', 2)::bigint >= COALESCE(split_part(c.snapshot, ':', 2)::bigint, c.horizon_xid))`;
/** Mirrors a target's progress into the server's database (status, metrics, pruning). */
export async function recordProgress(source: Queryable, databaseId: string, projectId: string, cp: Checkpoint): Promise<void> {
  await source.query(
    `INSERT INTO authsync.sync_target_state AS s (database_id, project_id, horizon_xid, last_seq, last_applied_at)
     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM authsync.project_databases WHERE id = $1)
     ON CONFLICT (database_id) DO UPDATE SET horizon_xid = GREATEST(s.horizon_xid, excluded.horizon_xid),
       last_seq = GREATEST(s.last_seq, excluded.last_seq),
       last_applied_at = GREATEST(s.last_applied_at, excluded.last_applied_at), last_error = NULL, last_error_at = NULL`,
    [databaseId, projectId, cp.horizonXid, cp.lastSeq, cp.lastAppliedAt],
  );
}

export async function recordError(source: Queryable, databaseId: string, projectId: string, message: string): Promise<void> {
  await source.query(
    `INSERT INTO authsync.sync_target_state AS s (database_id, project_id, last_error, last_error_at)
     SELECT $1, $2, $3, now() WHERE EXISTS (SELECT 1 FROM authsync.project_databases WHERE id = $1)
     ON CONFLICT (database_id) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
    [databaseId, projectId, message],
  );
}
