/** The per-project checkpoint kept in a target (authsync_sync.checkpoints), and its copy in the server's database. */
import type { Queryable } from '../db/database.js';

export interface Checkpoint {
  horizonXid: number;
  lastSeq: number;
  lastAppliedAt: Date;
}

export async function readCheckpoint(target: Queryable, projectId: string): Promise<Checkpoint | undefined> {
  const { rows } = await target.query<{ horizon_xid: number; last_seq: number; last_applied_at: Date }>(
    'SELECT horizon_xid, last_seq, last_applied_at FROM authsync_sync.checkpoints WHERE project_id = $1',
    [projectId],
  );
  const row = rows[0];
  return row ? { horizonXid: Number(row.horizon_xid), lastSeq: Number(row.last_seq), lastAppliedAt: row.last_applied_at } : undefined;
}

/** Moves the checkpoint forward (never back: several processes may write it). */
export async function advanceCheckpoint(target: Queryable, projectId: string, horizonXid: number, lastSeq: number, applied: boolean): Promise<void> {
  await target.query(
    `INSERT INTO authsync_sync.checkpoints AS c (project_id, horizon_xid, last_seq) VALUES ($1, $2, $3)
     ON CONFLICT (project_id) DO UPDATE SET horizon_xid = GREATEST(c.horizon_xid, excluded.horizon_xid),
       last_seq = GREATEST(c.last_seq, excluded.last_seq),
       last_applied_at = CASE WHEN $4 THEN now() ELSE c.last_applied_at END`,
    [projectId, horizonXid, lastSeq, applied],
  );
}

/** Mirrors a target's progress into the server's database (status, metrics, pruning). */
export async function recordProgress(source: Queryable, databaseId: string, projectId: string, cp: Checkpoint): Promise<void> {
  await source.query(
    `INSERT INTO authsync.sync_target_state AS s (database_id, project_id, horizon_xid, last_seq, last_applied_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (database_id) DO UPDATE SET horizon_xid = GREATEST(s.horizon_xid, excluded.horizon_xid),
       last_seq = GREATEST(s.last_seq, excluded.last_seq),
       last_applied_at = GREATEST(s.last_applied_at, excluded.last_applied_at), last_error = NULL, last_error_at = NULL`,
    [databaseId, projectId, cp.horizonXid, cp.lastSeq, cp.lastAppliedAt],
  );
}

export async function recordError(source: Queryable, databaseId: string, projectId: string, message: string): Promise<void> {
  await source.query(
    `INSERT INTO authsync.sync_target_state AS s (database_id, project_id, last_error, last_error_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (database_id) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
    [databaseId, projectId, message],
  );
}
