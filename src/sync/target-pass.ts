/**
 * One pass of the outbox over one target: backfill when the target has no checkpoint yet, then every
 * outbox row of the project not covered by the target's checkpoint, in batches. A batch is two round
 * trips: one statement on the server's database reads the rows and the current snapshot together, one
 * call in the target (authsync_sync.apply_outbox_batch) locks the project's checkpoint row, applies the
 * batch and moves the checkpoint, in one transaction. Processes sharing a target take turns on that row. A batch is
 * bounded in rows and in bytes (see readOutbox), so a run of large users is applied in several batches. Team data
 * (whole-team copies, team-outbox.ts) rides in the same batches, applied after the users' changes.
 */
import type { Database } from '../db/database.js';
import { readCheckpoint, toCheckpoint, type Checkpoint, type CheckpointRow } from './checkpoint.js';
import { clipSnapshot, DEFAULT_BATCH_BYTES, formatSnapshot, isTeamChange, readOutbox, type OutboxRow, type Snapshot } from './outbox.js';
import { resyncTarget } from './resync.js';
import { backfillTeamDataIn, teamCopiesJson, teamDataOn } from './team-outbox.js';

export interface PassResult {
  applied: number;
  /** Target transactions the pass took (one per page read). */
  batches: number;
  /** The checkpoint stored in the target after the pass (possibly written by another process). */
  checkpoint: Checkpoint;
  backfilled: boolean;
}

export interface PassOptions {
  /** Outbox rows per target transaction. @default 2000 */
  batchSize?: number;
  /** Bytes of raw_json per target transaction (at least one row is always taken). @default 4 MiB */
  batchBytes?: number;
  /**
   * The target's checkpoint as last seen (the runner keeps it between passes): saves reading it. An
   * outdated one is safe: the pass then reads rows already applied again, and applying them changes nothing.
   */
  from?: Checkpoint;
}

export async function syncTargetOnce(
  source: Database,
  target: Database,
  projectId: string,
  options: PassOptions = {},
): Promise<PassResult> {
  const batchSize = options.batchSize ?? 2000;
  let backfilled = false;
  let checkpoint = options.from ?? (await readCheckpoint(target, projectId));
  for (;;) {
    if (!checkpoint) {
      await resyncTarget(source, target, projectId, { outbox: true });
      backfilled = true;
      checkpoint = (await readCheckpoint(target, projectId))!;
    }
    const since = checkpoint.snapshot;
    let first: Snapshot | undefined;
    let cursor = { xid: 0, seq: 0 };
    let applied = 0;
    let batches = 0;
    let missing = false;
    for (;;) {
      const page = await readOutbox(source, projectId, since, cursor, batchSize, options.batchBytes ?? DEFAULT_BATCH_BYTES);
      // Every row visible in the first page's snapshot is in this page or a later one (later statements see
      // at least as much, and pages follow the (xid, seq) order): that snapshot is what the pass completes.
      first ??= page.snapshot;
      // Full: cut at `batchSize` rows or at `batchBytes`; either way more rows may follow the last one.
      const full = page.full;
      // A full page may stop inside one transaction's rows: its checkpoint only covers transactions below it.
      const covered = full ? clipSnapshot(first, page.rows.at(-1)!.xid) : first;
      const result = await applyBatch(target, projectId, page.rows, covered);
      if (!result) {
        missing = true;
        break;
      }
      checkpoint = result.checkpoint;
      applied += result.applied;
      batches += 1;
      // Team copies of a project the target does not keep team data for (yet): when the option is on, the target
      // missed the set-up (unreachable at the time, or re-created since); the backfill registers and fills it.
      if (result.teamsRefused && (await teamDataOn(source, projectId))) await backfillTeamDataIn(source, target, projectId);
      if (!full) break;
      cursor = { xid: page.rows.at(-1)!.xid, seq: page.rows.at(-1)!.seq };
    }
    // The checkpoint vanished (the table or schema re-created by hand, the row deleted): backfill, then go on.
    if (missing) {
      if (backfilled) throw new Error('users_sync: the target lost its checkpoint again right after a backfill');
      checkpoint = undefined;
      continue;
    }
    return { applied, batches, checkpoint, backfilled };
  }
}

/** One batch and its checkpoint, one round trip; undefined when the target has no checkpoint for the project. */
async function applyBatch(
  target: Database,
  projectId: string,
  rows: OutboxRow[],
  covered: Snapshot,
): Promise<{ applied: number; teamsRefused: boolean; checkpoint: Checkpoint } | undefined> {
  const maxSeq = rows.reduce((max, r) => Math.max(max, r.seq), 0);
  const changes = rows.map((r) => r.change);
  const { rows: result } = await target.query<
    { applied: number; teams_refused: boolean } & { [K in keyof CheckpointRow as `cp_${K}`]: CheckpointRow[K] }
  >('SELECT * FROM authsync_sync.apply_outbox_batch($1, $2::jsonb, $3::jsonb, $4, $5)', [
    projectId,
    JSON.stringify(changes.filter((c) => !isTeamChange(c))),
    teamCopiesJson(changes.filter(isTeamChange)),
    formatSnapshot(covered),
    maxSeq,
  ]);
  const row = result[0];
  if (!row) return undefined;
  return {
    applied: row.applied,
    teamsRefused: row.teams_refused,
    checkpoint: toCheckpoint({
      horizon_xid: row.cp_horizon_xid,
      snapshot: row.cp_snapshot,
      last_seq: row.cp_last_seq,
      last_applied_at: row.cp_last_applied_at,
    }),
  };
}
