-- The dashboard's sign-in sessions. The session ID is a bearer secret carried in an HttpOnly cookie; only its
-- SHA-256 hash is stored, so a copy of this table signs nobody in. A session belongs either to the whole
-- instance (project_id NULL: signed in with the instance admin secret) or to one project (signed in with that
-- project's super secret admin key); deleting the project ends its sessions. Expired rows are removed lazily
-- at sign-in.
CREATE TABLE authsync.dashboard_sessions (
  id_hash     text PRIMARY KEY,
  project_id  uuid REFERENCES authsync.projects (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expires_idx ON authsync.dashboard_sessions (expires_at);

-- The instance admin secret itself is never stored: its SHA-256 hash lives in authsync.instance_settings under
-- the key 'dashboard_admin_secret_hash', written by the first start that generates the secret.
