-- users_sync delivery to databases other than the server's own (see src/sync and docs/users-sync.md).
--
-- sync_outbox: one row per user change of a project that has external users_sync targets, written in the
-- user's own transaction. `version` is the user's version after the change (for a delete or an erase: the
-- last version the user had); `op` ranks the row: upsert < delete < erase. `xid` is the writing transaction
-- (pg_current_xact_id as a bigint): a worker only moves a target's checkpoint past transactions older than
-- its snapshot's xmin, so a transaction that commits after a later-numbered one is never skipped.
CREATE TABLE authsync.sync_outbox (
  seq         bigserial PRIMARY KEY,
  project_id  uuid NOT NULL,
  user_id     uuid NOT NULL,
  version     bigint NOT NULL,
  op          text NOT NULL CHECK (op IN ('upsert', 'delete', 'erase')),
  raw_json    jsonb,
  updated_at  timestamptz,
  deleted_at  timestamptz,
  xid         bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX sync_outbox_project_xid_idx ON authsync.sync_outbox (project_id, xid, seq);

-- Deleted users, kept for good: resync must know a soft-deleted user (row kept, deleted_at set, raw_json =
-- the last state) from an erased one (row removed). The user row itself is gone from authsync.users.
CREATE TABLE authsync.sync_tombstones (
  project_id  uuid NOT NULL,
  user_id     uuid PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('deleted', 'erased')),
  version     bigint NOT NULL,
  raw_json    jsonb NOT NULL,
  updated_at  timestamptz,
  deleted_at  timestamptz NOT NULL
);
CREATE INDEX sync_tombstones_project_idx ON authsync.sync_tombstones (project_id, user_id);

-- What the workers know of each external target, for `authsync sync status`, /metrics and outbox pruning.
-- The authoritative checkpoint lives in the target (authsync_sync.checkpoints); this is a copy.
CREATE TABLE authsync.sync_target_state (
  database_id      uuid PRIMARY KEY REFERENCES authsync.project_databases (id) ON DELETE CASCADE,
  project_id       uuid NOT NULL,
  horizon_xid      bigint,
  last_seq         bigint NOT NULL DEFAULT 0,
  last_applied_at  timestamptz,
  last_error       text,
  last_error_at    timestamptz
);
