-- Lazy password migration (src/import/lazy-passwords.ts, docs/migration.md): users imported from a Stack
-- Auth-compatible server keep their old password, checked once at that server and then hashed here.
--
-- lazy_password_sources: a project's old server, asked at password sign-in for users still marked below. The key (the
-- old project's publishable client key or secret server key, as key_kind says) is sealed under the server secret
-- (crypto/secret-box.ts), as OAuth client secrets are: authsync must send it, so it cannot be a hash. enabled_until:
-- the operator's end date (null: no end); disabled_at: turned off by the operator (the marks stay, for the status).
CREATE TABLE authsync.lazy_password_sources (
  project_id     uuid PRIMARY KEY REFERENCES authsync.projects (id) ON DELETE CASCADE,
  base_url       text NOT NULL,
  old_project_id text NOT NULL,
  key_kind       text NOT NULL CHECK (key_kind IN ('publishable_client', 'secret_server')),
  key_enc        text NOT NULL,
  enabled_until  timestamptz,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- lazy_password_users: a user whose password lives at the old server. The row goes when the password moves here (in
-- the sign-in's transaction) or the user goes; a user with a local hash is never asked about, marked or not.
CREATE TABLE authsync.lazy_password_users (
  user_id    uuid PRIMARY KEY REFERENCES authsync.users (id) ON DELETE CASCADE,
  project_id uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  marked_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The status counts a project's remaining users.
CREATE INDEX lazy_password_users_project_idx ON authsync.lazy_password_users (project_id);
