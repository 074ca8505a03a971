/**
 * Applies users_sync changes to a target in one statement: the version guard (authsync_sync.user_versions)
 * picks the changes newer than what the target holds, then live and soft-deleted states are upserted into
 * neon_auth.users_sync (never writing its generated columns) and erased users are deleted, so foreign keys
 * with ON DELETE CASCADE / SET NULL fire. Idempotent: a change applied twice, or after a newer one, is a no-op.
 */
import type { Queryable } from '../db/database.js';
import type { SyncChange } from './changes.js';

export interface ApplyOptions {
  /** Also apply changes equal to the stored (rank, version): resync uses it to repair hand-made edits. */
  repair?: boolean;
}

export async function applyChanges(
  tx: Queryable,
  projectId: string,
  changes: readonly SyncChange[],
  options: ApplyOptions = {},
): Promise<number> {
  if (changes.length === 0) return 0;
  const { rows } = await tx.query<{ applied: number }>(applySql(options.repair ? '>=' : '>'), [JSON.stringify(changes), projectId]);
  return rows[0]?.applied ?? 0;
}

/**
 * The statement: $1 the changes (a JSON array), $2 the project. Also run inside the target-side function
 * authsync_sync.apply_outbox_batch (written out in migrations/users-sync/), so the worker's batch is one round trip: a
 * change here needs a migration that replaces the function.
 */
export function applySql(newer: '>' | '>='): string {
  return `WITH input AS (
       SELECT DISTINCT ON (x.id) x.*
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, rank smallint, version bigint, raw_json jsonb, updated_at timestamptz, deleted_at timestamptz)
       ORDER BY x.id, x.rank DESC, x.version DESC
     ),
     winners AS (
       INSERT INTO authsync_sync.user_versions AS v (id, project_id, rank, version)
       SELECT id, $2::uuid, rank, version FROM input ORDER BY id
       ON CONFLICT (id) DO UPDATE SET rank = excluded.rank, version = excluded.version, applied_at = now()
         WHERE (excluded.rank, excluded.version) ${newer} (v.rank, v.version)
       RETURNING v.id
     ),
     upserted AS (
       INSERT INTO neon_auth.users_sync AS s (raw_json, updated_at, deleted_at)
       SELECT i.raw_json, i.updated_at, i.deleted_at FROM input i JOIN winners w ON w.id = i.id
       WHERE i.rank < 2 ORDER BY i.id
       ON CONFLICT (id) DO UPDATE SET raw_json = excluded.raw_json, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
       RETURNING 1
     ),
     erased AS (
       DELETE FROM neon_auth.users_sync s USING input i, winners w
       WHERE w.id = i.id AND i.rank = 2 AND s.id = i.id
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM winners)::int AS applied, (SELECT count(*) FROM upserted) + (SELECT count(*) FROM erased) AS written`;
}
