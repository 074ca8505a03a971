-- The internal project and the admin API (src/internal, docs/internal-project.md).
--
-- The internal project itself is not created here: its keys are hashed and its publishable key and signing keys are
-- sealed under the server secret, which SQL does not have. Each server start creates it when missing (idempotent,
-- several servers on one database agree on its fixed ID 00000000-0000-4000-8000-696e7465726e).
--
-- owner_team_id: the team of the internal project whose members administer this project (Stack's owner team). Null for
-- projects made before, or by the CLI: only the operator's keys administer those. Deleting the team leaves the project
-- without owner rather than deleting it.
ALTER TABLE authsync.projects ADD COLUMN owner_team_id uuid REFERENCES authsync.teams (id) ON DELETE SET NULL;
CREATE INDEX projects_owner_team_idx ON authsync.projects (owner_team_id) WHERE owner_team_id IS NOT NULL;

-- project_key_sets: a set of up to three keys made together through POST /internal/api-keys, with its description, an
-- end date and a revocation. Its keys stay rows of project_keys (hashes only, as every key), which carry the set's
-- end date so that the key check stays one query; last_four is what GET /internal/api-keys shows of a key.
CREATE TABLE authsync.project_key_sets (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  description text NOT NULL,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  revoked_at  timestamptz
);
CREATE INDEX project_key_sets_project_idx ON authsync.project_key_sets (project_id, created_at);

ALTER TABLE authsync.project_keys
  ADD COLUMN key_set_id uuid REFERENCES authsync.project_key_sets (id) ON DELETE CASCADE,
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN last_four  text;
