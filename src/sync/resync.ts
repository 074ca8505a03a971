/**
 * Compares a project's users with a target's neon_auth.users_sync and repairs every difference: rows
 * missing, edited or deleted by hand, a dropped table (re-created first). Also the backfill of a new target.
 *
 * What counts as a difference: raw_json without `last_active_at_millis` (it moves on every token refresh,
 * which is not a user change and, as with Legacy, is not synced), updated_at and deleted_at. Repairs write
 * the current state through the version guard in repair mode: equal versions are rewritten, but a state a
 * worker applied meanwhile (a newer version) is never replaced by the older one read here.
 *
 * In a database fed by the outbox, team data too (team-outbox.ts): every team of a project with the option on is
 * copied again, through the same version guard in repair mode; with the option off, the project's team rows go.
 */
import type { Database, Queryable } from '../db/database.js';
import { USER_COLUMNS, type UserRow } from '../users/user-object.js';
import { applyChanges } from './apply.js';
import { liveChange, RANK, type SyncChange } from './changes.js';
import { advanceCheckpoint } from './checkpoint.js';
import { currentSnapshot, DEFAULT_BATCH_BYTES, lastSeq } from './outbox.js';
import { ensureTarget } from './target-schema.js';
import { backfillTeamDataIn, clearTeamDataIn, teamDataOn } from './team-outbox.js';

export interface ResyncOptions {
  /** The target is fed by the outbox: record the checkpoint the comparison stands for. */
  outbox: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Rows compared per round trip. @default 1000 */
  pageSize?: number;
  /** Bytes of user data compared per round trip (at least one row is always taken). @default 4 MiB */
  pageBytes?: number;
}

export interface ResyncReport {
  compared: number;
  repaired: number;
  /** Team data rows written or removed (a database fed by the outbox, the project having team data on). */
  teamDataRepaired?: number;
}

export async function resyncTarget(source: Database, target: Database, projectId: string, options: ResyncOptions): Promise<ResyncReport> {
  const pageSize = options.pageSize ?? 1000;
  const pageBytes = options.pageBytes ?? DEFAULT_BATCH_BYTES;
  await ensureTarget(target);
  // Taken before reading: every transaction visible in it is in what we read; later ones stay in the outbox.
  const snapshot = await currentSnapshot(source);
  const seq = await lastSeq(source, projectId);
  const total = await countSource(source, projectId);
  const report: ResyncReport = { compared: 0, repaired: 0 };
  const step = async (changes: SyncChange[]) => {
    report.compared += changes.length;
    report.repaired += await repair(target, projectId, changes);
    options.onProgress?.(report.compared, total);
  };
  const userPages = new BoundedPages(pageSize, pageBytes);
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await userPages.read<UserRow>(
      source,
      `SELECT ${USER_COLUMNS}, ${USER_BYTES} AS bytes FROM authsync.users WHERE project_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [projectId, after],
    );
    if (rows.length === 0) break;
    await step(rows.map(liveChange));
    after = rows.at(-1)!.id;
  }
  const tombstonePages = new BoundedPages(pageSize, pageBytes);
  after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await tombstonePages.read<{
      id: string;
      kind: 'deleted' | 'erased';
      version: number;
      raw_json: Record<string, unknown>;
      updated_at: Date | null;
      deleted_at: Date;
    }>(
      source,
      `SELECT user_id AS id, kind, version, raw_json, updated_at, deleted_at, COALESCE(octet_length(raw_json::text), 0) AS bytes
       FROM authsync.sync_tombstones WHERE project_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3`,
      [projectId, after],
    );
    if (rows.length === 0) break;
    await step(
      rows.map((t) => ({
        id: t.id,
        rank: t.kind === 'erased' ? RANK.erased : RANK.deleted,
        version: Number(t.version),
        raw_json: t.kind === 'erased' ? null : t.raw_json,
        updated_at: t.updated_at?.toISOString() ?? null,
        deleted_at: t.deleted_at.toISOString(),
      })),
    );
    after = rows.at(-1)!.id;
  }
  if (options.outbox) await target.transaction((tx) => advanceCheckpoint(tx, projectId, snapshot, seq, report.repaired > 0));
  if (options.outbox) {
    // Team copies carry their team's version: whichever of this and the worker's applies last, the newer copy stays.
    if (await teamDataOn(source, projectId)) report.teamDataRepaired = await backfillTeamDataIn(source, target, projectId);
    else await clearTeamDataIn(target, projectId);
  }
  return report;
}

/** What a user weighs in users_sync: its metadata and picture as text (the rest is small and bounded). */
const USER_BYTES = `COALESCE(octet_length(client_metadata::text), 0) + COALESCE(octet_length(client_read_only_metadata::text), 0)
  + COALESCE(octet_length(server_metadata::text), 0) + COALESCE(octet_length(profile_image_url), 0)`;

/**
 * Pages in `id` order bounded by rows and by bytes: the cut is made in the database (the first row always comes,
 * however large), and after a page cut by bytes the next one asks for about twice as many rows, not `pageSize`, so
 * the database does not measure far more rows than it returns.
 */
class BoundedPages {
  private limit: number;

  constructor(
    private readonly pageSize: number,
    private readonly pageBytes: number,
  ) {
    this.limit = pageSize;
  }

  /** `select` has $1, $2 for `params`, $3 for the row limit, and a `bytes` column; ordered by its `id`. */
  async read<T extends { id: string }>(source: Queryable, select: string, params: unknown[]): Promise<T[]> {
    const { rows } = await source.query<T>(
      `SELECT w.* FROM (
         SELECT p.*, sum(p.bytes) OVER (ORDER BY p.id ROWS UNBOUNDED PRECEDING) AS running, row_number() OVER (ORDER BY p.id) AS rn
         FROM (${select}) p
       ) w WHERE w.rn = 1 OR w.running <= $4 ORDER BY w.id`,
      [...params, this.limit, this.pageBytes],
    );
    this.limit = rows.length < this.limit ? Math.max(1, rows.length * 2) : Math.min(this.pageSize, this.limit * 2);
    return rows;
  }
}

async function countSource(source: Queryable, projectId: string): Promise<number> {
  const { rows } = await source.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM authsync.users WHERE project_id = $1) + (SELECT count(*) FROM authsync.sync_tombstones WHERE project_id = $1) AS n`,
    [projectId],
  );
  return Number(rows[0]!.n);
}

/** Applies the expected states that differ from the target's rows; returns how many were rewritten. */
async function repair(target: Database, projectId: string, expected: SyncChange[]): Promise<number> {
  const { rows } = await target.query<{ id: string }>(
    `SELECT x.id FROM jsonb_to_recordset($1::jsonb) AS x(id text, rank smallint, raw_json jsonb, updated_at timestamptz, deleted_at timestamptz)
     LEFT JOIN neon_auth.users_sync s ON s.id = x.id
     WHERE CASE WHEN x.rank = 2 THEN s.id IS NOT NULL
       ELSE s.id IS NULL
         OR (s.raw_json - 'last_active_at_millis') IS DISTINCT FROM (x.raw_json - 'last_active_at_millis')
         OR s.updated_at IS DISTINCT FROM x.updated_at
         OR s.deleted_at IS DISTINCT FROM x.deleted_at END`,
    [JSON.stringify(expected)],
  );
  if (rows.length === 0) return 0;
  const drifted = new Set(rows.map((r) => r.id));
  return target.transaction((tx) =>
    applyChanges(
      tx,
      projectId,
      expected.filter((c) => drifted.has(c.id)),
      { repair: true },
    ),
  );
}
