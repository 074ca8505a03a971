-- authsync's bookkeeping beside neon_auth.users_sync, in the schema authsync_sync (no privilege for PUBLIC: end
-- users running SQL in the app database can neither read it, call its function nor lock its rows, so they cannot
-- take the sync worker's turn):
-- - user_versions: the (rank, version) last applied per user, which guards against an older state overwriting a
--   newer one (rank: 0 live, 1 soft-deleted, 2 erased);
-- - checkpoints: per project, how far the outbox has been applied (committed with each batch): a snapshot of the
--   server's database (snapshot, pg_snapshot text) and its xmin (horizon_xid);
-- - grants and options: the app roles granted access and the opt-ins (typed_view, public_profiles), re-applied by
--   authsync whenever the table is re-created;
-- - apply_outbox_batch(...): one outbox batch in one round trip: locks the project's checkpoint row (processes
--   sharing the target take turns), applies the changes with the statement of src/sync/apply.ts (applySql('>'),
--   written out here) and moves the checkpoint forward.
--
-- The baseline of databases set up before the schema lived in migrations (which already have all of it, perhaps
-- without checkpoints.snapshot): every statement is idempotent.
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
    EXECUTE 'WITH input AS (
       SELECT DISTINCT ON (x.id) x.*
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, rank smallint, version bigint, raw_json jsonb, updated_at timestamptz, deleted_at timestamptz)
       ORDER BY x.id, x.rank DESC, x.version DESC
     ),
     winners AS (
       INSERT INTO authsync_sync.user_versions AS v (id, project_id, rank, version)
       SELECT id, $2::uuid, rank, version FROM input ORDER BY id
       ON CONFLICT (id) DO UPDATE SET rank = excluded.rank, version = excluded.version, applied_at = now()
         WHERE (excluded.rank, excluded.version) > (v.rank, v.version)
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
     SELECT (SELECT count(*) FROM winners)::int AS applied, (SELECT count(*) FROM upserted) + (SELECT count(*) FROM erased) AS written' INTO n USING p_changes, p_project;
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
