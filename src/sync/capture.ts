/**
 * The user-change hook: runs inside every user-changing transaction (UserStore.onChange).
 * - Records a tombstone when a user is deleted, so resync can tell soft-deleted from erased users.
 * - When the project's app database is the server's own, writes neon_auth.users_sync in that same
 *   transaction: zero lag, and a row referencing a new user can be inserted as soon as sign-up answers.
 * - When the project has other databases (an external app database, extra targets), writes the change to
 *   the outbox in the same transaction and notifies the workers; they apply it after commit.
 */
import type { Queryable } from '../db/database.js';
import type { UserChangeHook } from '../users/user-store.js';
import { applyChanges } from './apply.js';
import { fromUserChange, type OutboxOp, type SyncChange } from './changes.js';
import { ensureTarget } from './target-schema.js';

export interface SyncRoute {
  /** users_sync lives in the server's own database. */
  own: boolean;
  /** At least one other database receives the project's users. */
  external: boolean;
  /** The own database's users_sync and bookkeeping tables exist. */
  ready: boolean;
}

export async function syncRoute(tx: Queryable, projectId: string): Promise<SyncRoute> {
  const { rows } = await tx.query<{ apps: number; own_app: boolean | null; external: boolean | null; ready: boolean }>(
    `SELECT count(*) FILTER (WHERE purpose = 'app')::int AS apps,
            bool_or(purpose = 'app' AND url_enc IS NULL) AS own_app,
            bool_or(url_enc IS NOT NULL) AS external,
            (to_regclass('neon_auth.users_sync') IS NOT NULL AND to_regclass('authsync_sync.user_versions') IS NOT NULL) AS ready
     FROM authsync.project_databases WHERE project_id = $1`,
    [projectId],
  );
  const row = rows[0]!;
  return { own: row.apps === 0 || row.own_app === true, external: row.external === true, ready: row.ready };
}

export const captureUserChange: UserChangeHook = async (tx, change) => {
  const sync = fromUserChange(change, change.previous, new Date());
  if (change.op === 'deleted') await recordTombstone(tx, change.projectId, sync, 'deleted');
  await deliver(tx, change.projectId, sync, change.op === 'deleted' ? 'delete' : 'upsert');
};

/** Sends one change on its way: applied here for the server's own database, queued for the others. */
export async function deliver(tx: Queryable, projectId: string, sync: SyncChange, op: OutboxOp): Promise<void> {
  const route = await syncRoute(tx, projectId);
  if (route.own) {
    // Someone dropped the table (or the schema) by hand: re-create it rather than fail sign-ups; resync refills it.
    if (!route.ready) await ensureTarget(tx);
    await applyChanges(tx, projectId, [sync]);
  }
  if (route.external) {
    const rawJson = sync.raw_json === null ? null : JSON.stringify(sync.raw_json);
    await tx.query(
      `INSERT INTO authsync.sync_outbox (project_id, user_id, version, op, raw_json, updated_at, deleted_at, bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [projectId, sync.id, sync.version, op, rawJson, sync.updated_at, sync.deleted_at, rawJson === null ? 0 : Buffer.byteLength(rawJson)],
    );
    await tx.notify('users_sync', projectId);
  }
}

export async function recordTombstone(tx: Queryable, projectId: string, sync: SyncChange, kind: 'deleted' | 'erased'): Promise<void> {
  await tx.query(
    `INSERT INTO authsync.sync_tombstones (project_id, user_id, kind, version, raw_json, updated_at, deleted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind`,
    [projectId, sync.id, kind, sync.version, JSON.stringify(sync.raw_json), sync.updated_at, sync.deleted_at],
  );
}
