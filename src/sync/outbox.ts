/**
 * Reading and pruning the outbox (authsync.sync_outbox, in the server's database).
 *
 * The classic pitfall: sequence numbers are handed out in one order and transactions commit in another, so
 * a reader that remembers "everything up to seq N is done" skips a transaction holding seq N-1 that commits
 * later. Here a target's checkpoint is a transaction horizon instead: "every change written by a
 * transaction with xid < H has been applied". A pass takes H' = xmin of a fresh snapshot first (every
 * transaction below it has finished, so its rows are visible), then applies every row with xid >= H, and
 * stores H'. Rows of transactions at or above H' are read again by the next pass; applying them twice is
 * harmless (see apply.ts).
 */
import type { Queryable } from '../db/database.js';
import { OP_RANK, type OutboxOp, type SyncChange } from './changes.js';

/** NOTIFY channel: payload = project ID whose outbox received rows. */
export const OUTBOX_CHANNEL = 'authsync_users_sync';

export interface OutboxRow {
  seq: number;
  xid: number;
  change: SyncChange;
}

/** The oldest transaction still running: every transaction below it has committed or aborted. */
export async function snapshotHorizon(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
  return Number(rows[0]!.xmin);
}

/** Rows of `projectId` with xid >= horizon, after the (xid, seq) cursor, in (xid, seq) order. */
export async function readOutbox(db: Queryable, projectId: string, horizon: number, after: { xid: number; seq: number }, limit: number): Promise<OutboxRow[]> {
  const { rows } = await db.query<{
    seq: number;
    xid: number;
    user_id: string;
    version: number;
    op: OutboxOp;
    raw_json: Record<string, unknown> | null;
    updated_at: Date | null;
    deleted_at: Date | null;
  }>(
    `SELECT seq, xid, user_id, version, op, raw_json, updated_at, deleted_at FROM authsync.sync_outbox
     WHERE project_id = $1 AND xid >= $2 AND (xid, seq) > ($3::bigint, $4::bigint)
     ORDER BY xid, seq LIMIT $5`,
    [projectId, horizon, after.xid, after.seq, limit],
  );
  return rows.map((row) => ({
    seq: Number(row.seq),
    xid: Number(row.xid),
    change: {
      id: row.user_id,
      rank: OP_RANK[row.op],
      version: Number(row.version),
      raw_json: row.raw_json,
      updated_at: row.updated_at?.toISOString() ?? null,
      deleted_at: row.deleted_at?.toISOString() ?? null,
    },
  }));
}

/** The largest outbox seq of a project (0 when empty). */
export async function lastSeq(db: Queryable, projectId: string): Promise<number> {
  const { rows } = await db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM authsync.sync_outbox WHERE project_id = $1', [projectId]);
  return Number(rows[0]?.seq ?? 0);
}

/**
 * Deletes rows every external target of the project has passed. Does nothing while some target has no
 * recorded horizon yet (a new target is being backfilled and still needs the rows written meanwhile).
 */
export async function pruneOutbox(db: Queryable, projectId: string): Promise<number> {
  const { rowCount } = await db.query(
    `WITH targets AS (
       SELECT d.id, s.horizon_xid FROM authsync.project_databases d
       LEFT JOIN authsync.sync_target_state s ON s.database_id = d.id
       WHERE d.project_id = $1 AND d.url_enc IS NOT NULL
     )
     DELETE FROM authsync.sync_outbox
     WHERE project_id = $1
       AND NOT EXISTS (SELECT 1 FROM targets WHERE horizon_xid IS NULL)
       AND xid < (SELECT min(horizon_xid) FROM targets)`,
    [projectId],
  );
  return rowCount;
}
