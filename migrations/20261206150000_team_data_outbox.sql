-- Team data for RLS in databases other than the server's own (src/sync/team-data.ts): a team change of a project with
-- team data on and an external users_sync database writes one outbox row in its own transaction, beside the users'.
-- - sync_outbox: op 'team' rows name the team (team_id, user_id NULL) and carry the whole team as it was when the change
--   committed (raw_json: {"team": {name, raw_json, created_at} or null once deleted, "members": [{user_id, created_at}]});
--   `version` is the team's version below.
-- - team_sync_versions: per team, a counter bumped by every change that writes such a row. Bumping it locks the row
--   until commit, so the changes of one team take turns and each one's copy is read after the previous one committed:
--   a higher version is always the later, fuller state, and targets keep the highest (authsync_sync.team_versions).
--   Kept after the team is deleted (the version of its removal; resync sends it again).
ALTER TABLE authsync.sync_outbox ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE authsync.sync_outbox ADD COLUMN team_id uuid;
ALTER TABLE authsync.sync_outbox DROP CONSTRAINT sync_outbox_op_check;
ALTER TABLE authsync.sync_outbox ADD CONSTRAINT sync_outbox_op_check CHECK (op IN ('upsert', 'delete', 'erase', 'team'));
ALTER TABLE authsync.sync_outbox ADD CONSTRAINT sync_outbox_subject_check
  CHECK (CASE WHEN op = 'team' THEN team_id IS NOT NULL AND user_id IS NULL ELSE user_id IS NOT NULL AND team_id IS NULL END);

CREATE TABLE authsync.team_sync_versions (
  team_id     uuid PRIMARY KEY,
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  version     bigint NOT NULL
);
CREATE INDEX team_sync_versions_project_idx ON authsync.team_sync_versions (project_id, team_id);
