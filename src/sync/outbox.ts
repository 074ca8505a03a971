/**
 * Reading and pruning the outbox (authsync.sync_outbox, in the server's database).
 *
 * The classic pitfall: sequence numbers are handed out in one order and transactions commit in another, so
 * a reader that remembers "everything up to seq N is done" skips a transaction holding seq N-1 that commits
 * later. Here a target's checkpoint is a transaction snapshot instead: "every change written by a
 * transaction visible in snapshot S has been applied". A pass reads, in one statement, the current snapshot
 * S' and the rows not visible in S (transactions in S's running list or at/above its xmax), applies them
 * and stores S'. Rows of transactions that were still running are read again by a later pass, once they
 * have committed; a row that is applied twice changes nothing (see apply.ts).
 */
import type { Queryable } from '../db/database.js';
import { OP_RANK, type OutboxOp, type SyncChange } from './changes.js';
import type { TeamChange, TeamCopy } from './team-outbox.js';

export interface OutboxRow {
  seq: number;
  xid: number;
  /** A user's change, or a copy of a whole team (team data, op 'team'). */
  change: SyncChange | TeamChange;
}

export function isTeamChange(change: SyncChange | TeamChange): change is TeamChange {
  return 'kind' in change;
}

/**
 * A PostgreSQL snapshot (pg_snapshot, xid8 values as numbers): every transaction below `xmin` has finished,
 * none at or above `xmax` had, and `xip` lists those in between still running. A transaction is visible in
 * it when it is below xmax and not in xip.
 */
export interface Snapshot {
  xmin: number;
  xmax: number;
  xip: number[];
}

/** Parses pg_snapshot's text form `xmin:xmax:xip,xip,…`. */
export function parseSnapshot(text: string): Snapshot {
  const [xmin, xmax, xip] = text.split(':');
  return { xmin: Number(xmin), xmax: Number(xmax), xip: xip ? xip.split(',').map(Number) : [] };
}

export function formatSnapshot(s: Snapshot): string {
  return `${s.xmin}:${s.xmax}:${s.xip.join(',')}`;
}

/** The snapshot a checkpoint without one stands for (written by earlier versions): complete below `horizon`. */
export function horizonSnapshot(horizon: number): Snapshot {
  return { xmin: horizon, xmax: horizon, xip: [] };
}

/**
 * The part of `s` below transaction `x`: transactions at or above x count as not visible. Used for the
 * checkpoint of a batch that stopped at x (a full page): every row visible in the result was in the pages read.
 */
export function clipSnapshot(s: Snapshot, x: number): Snapshot {
  const xmax = Math.min(s.xmax, x);
  const xmin = Math.min(s.xmin, xmax);
  return { xmin, xmax, xip: s.xip.filter((xid) => xid >= xmin && xid < xmax) };
}

/** The current snapshot; reading after it sees every transaction visible in it. */
export async function currentSnapshot(db: Queryable): Promise<Snapshot> {
  const { rows } = await db.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
  return parseSnapshot(rows[0]!.snapshot);
}

export interface OutboxPage {
  rows: OutboxRow[];
  /** The snapshot of the statement that read the page: every row visible in it and after `since` is in this or a later page. */
  snapshot: Snapshot;
  /** The page was cut (by rows or by bytes): more rows may follow its last one. */
  full: boolean;
}

/** Largest batch the worker reads and applies at once, in bytes of raw_json (always at least one row). */
export const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * One round trip: the current snapshot and up to `limit` rows of `projectId` that were not visible in
 * `since` (written by transactions in its xip list or at/above its xmax), after the (xid, seq) cursor, in
 * (xid, seq) order, and no more than `maxBytes` of raw_json (the first row always, however large): the cut is made
 * in the database, so the server never receives rows beyond it. Rows applied by an earlier pass are not read again,
 * however old the oldest running transaction is. Every xip entry is below xmax, so the two index range scans
 * concatenate in order.
 */
export async function readOutbox(
  db: Queryable,
  projectId: string,
  since: Snapshot,
  after: { xid: number; seq: number },
  limit: number,
  maxBytes = DEFAULT_BATCH_BYTES,
): Promise<OutboxPage> {
  // Rows written before sync_outbox.bytes existed are measured here.
  const columns =
    'seq, xid, user_id, team_id, version, op, raw_json, updated_at, deleted_at, COALESCE(bytes, octet_length(raw_json::text), 0) AS bytes';
  const { rows } = await db.query<{
    snapshot: string;
    seq: number | null;
    xid: number;
    user_id: string | null;
    team_id: string | null;
    version: number;
    op: OutboxOp | 'team';
    raw_json: Record<string, unknown> | null;
    updated_at: Date | null;
    deleted_at: Date | null;
    candidates: number;
  }>(
    `SELECT snap.snapshot, o.* FROM (SELECT pg_current_snapshot()::text AS snapshot) snap
     LEFT JOIN LATERAL (
       SELECT w.* FROM (
         SELECT c.*, sum(c.bytes) OVER (ORDER BY c.xid, c.seq ROWS UNBOUNDED PRECEDING) AS running,
                row_number() OVER (ORDER BY c.xid, c.seq) AS rn, count(*) OVER () AS candidates
         FROM (
           (SELECT ${columns} FROM authsync.sync_outbox
            WHERE project_id = $1 AND xid = ANY($3::bigint[]) AND (xid, seq) > ($4::bigint, $5::bigint)
            ORDER BY xid, seq LIMIT $6)
           UNION ALL
           (SELECT ${columns} FROM authsync.sync_outbox
            WHERE project_id = $1 AND xid >= $2 AND (xid, seq) > ($4::bigint, $5::bigint)
            ORDER BY xid, seq LIMIT $6)
           ORDER BY xid, seq LIMIT $6
         ) c
       ) w
       WHERE w.rn = 1 OR w.running <= $7
     ) o ON true
     ORDER BY o.xid, o.seq`,
    [projectId, since.xmax, since.xip, after.xid, after.seq, limit, maxBytes],
  );
  const snapshot = parseSnapshot(rows[0]!.snapshot);
  const found = rows.filter((row) => row.seq !== null);
  const candidates = Number(found[0]?.candidates ?? 0);
  return {
    snapshot,
    full: found.length === limit || found.length < candidates,
    rows: found.map((row) => ({
      seq: Number(row.seq),
      xid: Number(row.xid),
      change:
        row.op === 'team'
          ? { kind: 'team', id: row.team_id!, version: Number(row.version), raw_json: row.raw_json as unknown as TeamCopy }
          : {
              id: row.user_id!,
              rank: OP_RANK[row.op],
              version: Number(row.version),
              raw_json: row.raw_json,
              updated_at: row.updated_at?.toISOString() ?? null,
              deleted_at: row.deleted_at?.toISOString() ?? null,
            },
    })),
  };
}

/** The largest outbox seq of a project (0 when empty). */
export async function lastSeq(db: Queryable, projectId: string): Promise<number> {
  const { rows } = await db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM authsync.sync_outbox WHERE project_id = $1', [
    projectId,
  ]);
  return Number(rows[0]?.seq ?? 0);
}

/**
 * Deletes, for every project, the rows all its external targets have passed: all of them when it has none left (the
 * last one was removed). Leaves a project's rows alone while one of its targets has no recorded horizon yet (a new
 * target is being backfilled and still needs the rows written meanwhile).
 */
export async function pruneOutbox(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    `WITH bounds AS (
       SELECT d.project_id, bool_or(s.horizon_xid IS NULL) AS backfilling, min(s.horizon_xid) AS horizon
       FROM authsync.project_databases d
       LEFT JOIN authsync.sync_target_state s ON s.database_id = d.id
       WHERE d.url_enc IS NOT NULL
       GROUP BY d.project_id
     )
     DELETE FROM authsync.sync_outbox o
     WHERE NOT EXISTS (SELECT 1 FROM bounds b WHERE b.project_id = o.project_id AND (b.backfilling OR o.xid >= b.horizon))`,
  );
  return rowCount;
}
