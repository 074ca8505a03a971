/**
 * Everything authsync keeps in a users_sync target (the app database or an extra target): the legacy
 * `neon_auth.users_sync` table, untouched in shape, and beside it the schema `authsync_sync` with
 * - `user_versions`: the (rank, version) last applied per user, which guards against an older state
 *   overwriting a newer one (rank: 0 live, 1 soft-deleted, 2 erased);
 * - `checkpoints`: per project, how far the outbox has been applied (committed with each batch): a
 *   snapshot of the server's database (`snapshot`, pg_snapshot text) and its xmin (`horizon_xid`);
 * - `apply_outbox_batch(...)`: one outbox batch in one round trip: locks the project's checkpoint row
 *   (processes sharing the target take turns), applies the changes and moves the checkpoint forward;
 * The schema is authsync's alone (no privilege for PUBLIC): end users running SQL in the app database cannot read it,
 * call its function or lock its rows, so they cannot take the worker's turn (an advisory lock, which any session may
 * take, once let them stall a project's sync for good).
 * - `grants` and `options`: roles granted access and opt-ins, re-applied whenever the table is re-created.
 * Idempotent: run at project creation, at every start and before every resync.
 */
import type { Queryable } from '../db/database.js';
import { quoteIdent, quoteLiteral } from '../db/database.js';
import { applySql } from './apply.js';
import { APPLY_PUBLIC_PROFILES_SQL } from './public-profiles.js';
import { USERS_SYNC_DDL } from './users-sync-table.js';
import { TYPED_VIEW_DDL } from './typed-view.js';

export const SYNC_SCHEMA_DDL = `
CREATE SCHEMA IF NOT EXISTS authsync_sync;
REVOKE ALL ON SCHEMA authsync_sync FROM PUBLIC;
CREATE TABLE IF NOT EXISTS authsync_sync.user_versions (
  id          text PRIMARY KEY,
  project_id  uuid NOT NULL,
  rank        smallint NOT NULL,
  version     bigint NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS user_versions_project_idx ON authsync_sync.user_versions (project_id);
CREATE TABLE IF NOT EXISTS authsync_sync.checkpoints (
  project_id       uuid PRIMARY KEY,
  horizon_xid      bigint NOT NULL,
  last_seq         bigint NOT NULL DEFAULT 0,
  last_applied_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE authsync_sync.checkpoints ADD COLUMN IF NOT EXISTS snapshot text;
CREATE TABLE IF NOT EXISTS authsync_sync.grants (role text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS authsync_sync.options (name text PRIMARY KEY);
CREATE OR REPLACE FUNCTION authsync_sync.apply_outbox_batch(p_project uuid, p_changes jsonb, p_snapshot text, p_last_seq bigint)
RETURNS TABLE (applied int, cp_horizon_xid bigint, cp_snapshot text, cp_last_seq bigint, cp_last_applied_at timestamptz)
LANGUAGE plpgsql AS $apply$
DECLARE
  n int := 0;
  s_xmin bigint := split_part(p_snapshot, ':', 1)::bigint;
  s_xmax bigint := split_part(p_snapshot, ':', 2)::bigint;
BEGIN
  -- The project's turn: its checkpoint row, locked until commit (a row end users cannot lock, unlike an advisory key).
  -- No checkpoint: the target was never backfilled (or was re-created): apply nothing, return no row.
  PERFORM 1 FROM authsync_sync.checkpoints c WHERE c.project_id = p_project FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  IF jsonb_array_length(p_changes) > 0 THEN
    EXECUTE ${quoteLiteral(applySql('>'))} INTO n USING p_changes, p_project;
  END IF;
  -- Forward only: several processes may write it, and every stored snapshot is complete.
  RETURN QUERY
  UPDATE authsync_sync.checkpoints c SET
    horizon_xid = CASE WHEN d.ahead THEN s_xmin ELSE c.horizon_xid END,
    snapshot = CASE WHEN d.ahead THEN p_snapshot ELSE c.snapshot END,
    last_seq = GREATEST(c.last_seq, p_last_seq),
    last_applied_at = CASE WHEN jsonb_array_length(p_changes) > 0 THEN now() ELSE c.last_applied_at END
  FROM (SELECT s_xmin >= c0.horizon_xid AND s_xmax >= COALESCE(split_part(c0.snapshot, ':', 2)::bigint, c0.horizon_xid) AS ahead
        FROM authsync_sync.checkpoints c0 WHERE c0.project_id = p_project) d
  WHERE c.project_id = p_project
  RETURNING n, c.horizon_xid, c.snapshot, c.last_seq, c.last_applied_at;
END
$apply$;
REVOKE ALL ON FUNCTION authsync_sync.apply_outbox_batch(uuid, jsonb, text, bigint) FROM PUBLIC;
`;

/**
 * Arbitrary, fixed: serialises the first provisioning of a target (DDL races on CREATE ... IF NOT EXISTS). Any session
 * can take an advisory lock, so once the schema exists provisioning locks one of its tables instead (see below).
 */
const PROVISION_LOCK_KEY = 7_345_600_301;

/** Another process provisioned the target while this one waited: start over in a new transaction (fresh catalogs). */
class ProvisionedMeanwhile extends Error {}

/**
 * Serialises provisioning: on a table of authsync_sync when there is one (end users cannot lock it), else by key.
 * A transaction that had to wait for the key restarts when it can (`retry`): its catalog caches may predate the
 * schema created meanwhile, so it would neither see the table to lock nor skip the DDL another process now runs.
 */
async function lockProvisioning(tx: Queryable, retry: boolean): Promise<void> {
  const { rows } = await tx.query<{ r: string | null }>("SELECT to_regclass('authsync_sync.grants')::text AS r");
  if (rows[0]?.r == null) {
    const { rows: got } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [PROVISION_LOCK_KEY]);
    if (got[0]?.ok) return;
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PROVISION_LOCK_KEY]);
    if (retry) throw new ProvisionedMeanwhile();
    return;
  }
  await tx.exec('LOCK TABLE authsync_sync.grants IN SHARE ROW EXCLUSIVE MODE');
}

/** Creates the users_sync table and the bookkeeping schema; re-applies recorded grants and opt-ins. */
export async function ensureTarget(db: Queryable & { transaction?: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> }): Promise<void> {
  const run = async (tx: Queryable, retry: boolean) => {
    await lockProvisioning(tx, retry);
    await tx.exec(USERS_SYNC_DDL);
    await tx.exec(SYNC_SCHEMA_DDL);
    const { rows: options } = await tx.query<{ name: string }>('SELECT name FROM authsync_sync.options');
    if (options.some((o) => o.name === 'typed_view')) await tx.exec(TYPED_VIEW_DDL);
    const { rows: grants } = await tx.query<{ role: string }>(
      'SELECT g.role FROM authsync_sync.grants g JOIN pg_roles r ON r.rolname = g.role ORDER BY g.role',
    );
    for (const { role } of grants)
      await tx.exec(
        grantSql(
          role,
          options.some((o) => o.name === 'typed_view'),
        ),
      );
    // The public-profiles opt-in (a column grant to authenticated), when recorded.
    await tx.exec(APPLY_PUBLIC_PROFILES_SQL);
  };
  if (!db.transaction) return run(db, false);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => run(tx, attempt < 3));
    } catch (error) {
      if (!(error instanceof ProvisionedMeanwhile)) throw error;
    }
  }
}

/** The statements that give `role` read and foreign-key access to users_sync (and the typed view when present). */
export function grantSql(role: string, typedView: boolean): string {
  const r = quoteIdent(role);
  return [
    `GRANT USAGE ON SCHEMA neon_auth TO ${r};`,
    `GRANT SELECT, REFERENCES ON neon_auth.users_sync TO ${r};`,
    ...(typedView ? [`GRANT SELECT ON neon_auth.users_sync_typed TO ${r};`] : []),
  ].join('\n');
}
