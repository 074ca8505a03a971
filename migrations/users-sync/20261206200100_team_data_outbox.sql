-- Team data for RLS applied from the outbox (databases other than the server's own; src/sync/team-outbox.ts):
-- - team_versions: per team, the version of the copy applied last; a copy is applied only when newer (or equal, when
--   resync repairs), so a late or repeated delivery changes nothing. Kept for a deleted team.
-- - team_data: the projects whose team data this database keeps. Written by the backfill (`authsync sync teams`,
--   resync, the worker), removed when a project turns it off: copies of a project not listed are ignored, so an entry
--   written before the option went off cannot bring rows back.
-- - apply_team_copies(project, copies, repair): applies whole-team copies ({id, version, team, members}): the team row
--   (removed when `team` is null), then exactly its members, but never a member whose user this database knows as
--   deleted (authsync_sync.user_versions rank >= 1). Returns the rows of the two tables written or removed, or -1 when
--   the project is not listed.
-- - apply_outbox_batch(project, users, teams, snapshot, last_seq): the 4-argument batch for the users, then the memberships
--   of users deleted in it removed, then the team copies; one round trip, one transaction, under the project's
--   checkpoint lock. `teams_refused` tells the worker the project's team data is not set up here yet (it backfills).
CREATE TABLE IF NOT EXISTS authsync_sync.team_versions (
  id          text PRIMARY KEY,
  project_id  uuid NOT NULL,
  version     bigint NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS team_versions_project_idx ON authsync_sync.team_versions (project_id);
CREATE TABLE IF NOT EXISTS authsync_sync.team_data (project_id uuid PRIMARY KEY);

CREATE OR REPLACE FUNCTION authsync_sync.apply_team_copies(p_project uuid, p_teams jsonb, p_repair boolean)
RETURNS int LANGUAGE plpgsql AS $apply$
DECLARE
  n int := 0;
  k int;
  c record;
BEGIN
  IF NOT EXISTS (SELECT FROM authsync_sync.team_data d WHERE d.project_id = p_project) THEN RETURN -1; END IF;
  -- One team at a time, in ID order (concurrent writers lock the version rows in the same order).
  FOR c IN
    SELECT DISTINCT ON (x.id) x.id, x.version, x.team, x.members
    FROM jsonb_to_recordset(p_teams) AS x(id text, version bigint, team jsonb, members jsonb)
    ORDER BY x.id, x.version DESC
  LOOP
    INSERT INTO authsync_sync.team_versions AS v (id, project_id, version) VALUES (c.id, p_project, c.version)
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, applied_at = now()
      WHERE excluded.version > v.version OR (p_repair AND excluded.version = v.version);
    CONTINUE WHEN NOT FOUND;
    IF c.team IS NULL THEN
      DELETE FROM neon_auth.teams_sync s WHERE s.id = c.id;
    ELSE
      INSERT INTO neon_auth.teams_sync AS s (id, name, raw_json, created_at, updated_at)
      VALUES (c.id, c.team ->> 'name', c.team -> 'raw_json', (c.team ->> 'created_at')::timestamptz, now())
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, raw_json = excluded.raw_json, updated_at = excluded.updated_at
        WHERE s.raw_json IS DISTINCT FROM excluded.raw_json OR s.name IS DISTINCT FROM excluded.name;
    END IF;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
    DELETE FROM neon_auth.team_members_sync s WHERE s.team_id = c.id
      AND NOT EXISTS (SELECT FROM jsonb_to_recordset(c.members) AS m(user_id text) WHERE m.user_id = s.user_id);
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
    INSERT INTO neon_auth.team_members_sync (team_id, user_id, created_at)
    SELECT c.id, m.user_id, m.created_at FROM jsonb_to_recordset(c.members) AS m(user_id text, created_at timestamptz)
    WHERE NOT EXISTS (SELECT FROM authsync_sync.user_versions u WHERE u.id = m.user_id AND u.rank >= 1)
    ORDER BY m.user_id
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
  END LOOP;
  RETURN n;
END
$apply$;
REVOKE ALL ON FUNCTION authsync_sync.apply_team_copies(uuid, jsonb, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION authsync_sync.apply_outbox_batch(p_project uuid, p_changes jsonb, p_teams jsonb, p_snapshot text, p_last_seq bigint)
RETURNS TABLE (applied int, teams_refused boolean, cp_horizon_xid bigint, cp_snapshot text, cp_last_seq bigint, cp_last_applied_at timestamptz)
LANGUAGE plpgsql AS $apply$
DECLARE
  r record;
  t int := 0;
BEGIN
  SELECT * INTO r FROM authsync_sync.apply_outbox_batch(p_project, p_changes, p_snapshot, p_last_seq);
  -- No checkpoint: nothing applied, no row (the worker backfills first).
  IF NOT FOUND THEN RETURN; END IF;
  -- A deleted or erased user leaves every team (authsync's memberships went with the user).
  DELETE FROM neon_auth.team_members_sync s
  USING jsonb_to_recordset(p_changes) AS x(id text, rank smallint)
  WHERE x.rank >= 1 AND s.user_id = x.id;
  IF jsonb_array_length(p_teams) > 0 THEN
    t := authsync_sync.apply_team_copies(p_project, p_teams, false);
  END IF;
  RETURN QUERY SELECT r.applied + GREATEST(t, 0), t < 0, r.cp_horizon_xid, r.cp_snapshot, r.cp_last_seq, r.cp_last_applied_at;
END
$apply$;
REVOKE ALL ON FUNCTION authsync_sync.apply_outbox_batch(uuid, jsonb, jsonb, text, bigint) FROM PUBLIC;
