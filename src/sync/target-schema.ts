/**
 * Everything authsync keeps in a users_sync target (the app database or an extra target): the legacy
 * `neon_auth.users_sync` table, untouched in shape, and beside it the schema `authsync_sync` with
 * - `user_versions`: the (rank, version) last applied per user, which guards against an older state
 *   overwriting a newer one (rank: 0 live, 1 soft-deleted, 2 erased);
 * - `checkpoints`: per project, how far the outbox has been applied (committed with each batch);
 * - `grants` and `options`: roles granted access and opt-ins, re-applied whenever the table is re-created.
 * Idempotent: run at project creation, at every start and before every resync.
 */
import type { Queryable } from '../db/database.js';
import { quoteIdent } from '../db/database.js';
import { USERS_SYNC_DDL } from './users-sync-table.js';
import { TYPED_VIEW_DDL } from './typed-view.js';

export const SYNC_SCHEMA_DDL = `
CREATE SCHEMA IF NOT EXISTS authsync_sync;
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
CREATE TABLE IF NOT EXISTS authsync_sync.grants (role text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS authsync_sync.options (name text PRIMARY KEY);
`;

/** Arbitrary, fixed: serialises concurrent provisioning of one target (DDL races on CREATE ... IF NOT EXISTS). */
const PROVISION_LOCK_KEY = 7_345_600_301;

/** Creates the users_sync table and the bookkeeping schema; re-applies recorded grants and opt-ins. */
export async function ensureTarget(db: Queryable & { transaction?: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> }): Promise<void> {
  const run = async (tx: Queryable) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PROVISION_LOCK_KEY]);
    await tx.exec(USERS_SYNC_DDL);
    await tx.exec(SYNC_SCHEMA_DDL);
    const { rows: options } = await tx.query<{ name: string }>('SELECT name FROM authsync_sync.options');
    if (options.some((o) => o.name === 'typed_view')) await tx.exec(TYPED_VIEW_DDL);
    const { rows: grants } = await tx.query<{ role: string }>(
      'SELECT g.role FROM authsync_sync.grants g JOIN pg_roles r ON r.rolname = g.role ORDER BY g.role',
    );
    for (const { role } of grants) await tx.exec(grantSql(role, options.some((o) => o.name === 'typed_view')));
  };
  if (db.transaction) await db.transaction(run);
  else await run(db);
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
