/**
 * One pass of the outbox over one target: backfill when the target has no checkpoint yet, then every
 * outbox row of the project at or above the target's horizon, in batches, each batch applied and
 * checkpointed in one target transaction. Processes sharing a target take turns on an advisory lock
 * held in the target, so a batch is applied by one process at a time.
 */
import type { Database } from '../db/database.js';
import { applyChanges } from './apply.js';
import { advanceCheckpoint, readCheckpoint, type Checkpoint } from './checkpoint.js';
import { readOutbox, snapshotHorizon } from './outbox.js';
import { resyncTarget } from './resync.js';

/** Arbitrary, fixed: first key of the per-(target, project) advisory lock. */
const APPLY_LOCK_CLASS = 73_456_003;

export interface PassResult {
  applied: number;
  checkpoint: Checkpoint;
  backfilled: boolean;
}

export interface PassOptions {
  /** Outbox rows per target transaction. @default 2000 */
  batchSize?: number;
}

export async function syncTargetOnce(source: Database, target: Database, projectId: string, options: PassOptions = {}): Promise<PassResult> {
  const batchSize = options.batchSize ?? 2000;
  let backfilled = false;
  let checkpoint = await readCheckpoint(target, projectId);
  if (!checkpoint) {
    await resyncTarget(source, target, projectId, { outbox: true });
    backfilled = true;
    checkpoint = (await readCheckpoint(target, projectId))!;
  }
  const horizon = await snapshotHorizon(source);
  let cursor = { xid: 0, seq: 0 };
  let applied = 0;
  for (;;) {
    const page = await target.transaction(async (tx) => {
      // The lock and the checkpoint in one round trip.
      const { rows: locked } = await tx.query<{ horizon_xid: number | null; last_seq: number | null; last_applied_at: Date | null }>(
        `SELECT c.horizon_xid, c.last_seq, c.last_applied_at FROM (SELECT pg_advisory_xact_lock($1, hashtext($2))) l
         LEFT JOIN authsync_sync.checkpoints c ON c.project_id = $2::uuid`,
        [APPLY_LOCK_CLASS, projectId],
      );
      const row = locked[0];
      const current: Checkpoint =
        row?.horizon_xid != null ? { horizonXid: Number(row.horizon_xid), lastSeq: Number(row.last_seq), lastAppliedAt: row.last_applied_at! } : checkpoint;
      const rows = await readOutbox(source, projectId, current.horizonXid, cursor, batchSize);
      const full = rows.length === batchSize;
      // A full page may stop inside one transaction's rows: the horizon may only pass transactions read entirely.
      const next = full ? Math.min(horizon, rows.at(-1)!.xid) : horizon;
      const count = await applyChanges(tx, projectId, rows.map((r) => r.change));
      const maxSeq = rows.reduce((max, r) => Math.max(max, r.seq), current.lastSeq);
      if (next > current.horizonXid || rows.length > 0) await advanceCheckpoint(tx, projectId, next, maxSeq, rows.length > 0);
      return { rows, full, count };
    });
    applied += page.count;
    if (page.rows.length > 0) cursor = { xid: page.rows.at(-1)!.xid, seq: page.rows.at(-1)!.seq };
    if (!page.full) break;
  }
  return { applied, checkpoint: (await readCheckpoint(target, projectId))!, backfilled };
}
