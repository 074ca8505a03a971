-- The databases a project writes to: its app database (where neon_auth.users_sync and the RLS kit live) and any
-- extra users_sync targets (e.g. a preview branch's database). A NULL url_enc means the server's own database.
-- URLs can hold passwords, so they are kept encrypted under the server secret; url_key identifies a database
-- (host, port, database name, no credentials) for uniqueness and display.
CREATE TABLE authsync.project_databases (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('app', 'sync_target')),
  url_enc     text,
  url_key     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, url_key)
);
-- One app database per project.
CREATE UNIQUE INDEX project_databases_app_idx ON authsync.project_databases (project_id) WHERE purpose = 'app';
