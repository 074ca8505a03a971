-- authsync core schema: projects, their keys, signing keys, users and sessions.
-- Compatible with PostgreSQL 14+ (and PGlite): no PG15+-only syntax.

-- Projects. `config` holds the settings GET /projects/current exposes (sign-up on/off, domains, ...).
CREATE TABLE authsync.projects (
  id           uuid PRIMARY KEY,
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
  description  text NOT NULL DEFAULT '',
  config       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- API keys of a project. Only a SHA-256 hash of each key is kept. The publishable client key is public by
-- design (it ships in browser bundles), so it is also kept encrypted under the server secret, for display.
CREATE TABLE authsync.project_keys (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('publishable_client', 'secret_server', 'super_secret_admin')),
  key_hash    text NOT NULL,
  key_enc     text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX project_keys_project_idx ON authsync.project_keys (project_id) WHERE revoked_at IS NULL;

-- ES256 signing keys, one active key per (project, audience). `audience` is 'default' for normal users and
-- 'anonymous' for anonymous ones (their tokens have their own aud and iss). The private key is encrypted under
-- the server secret. A rotated key stops signing (`retired_at`) but stays published until `publish_until`,
-- when every token it signed has expired.
CREATE TABLE authsync.signing_keys (
  kid             text PRIMARY KEY,
  project_id      uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  audience        text NOT NULL CHECK (audience IN ('default', 'anonymous')),
  public_jwk      jsonb NOT NULL,
  private_key_enc text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  retired_at      timestamptz,
  publish_until   timestamptz
);
CREATE INDEX signing_keys_project_idx ON authsync.signing_keys (project_id, audience);

-- Users. Field names follow the Stack Auth user object. `version` grows by one with every change and orders
-- the states of a user for users_sync. Room is left for OAuth accounts, contact channels and teams as tables
-- of their own that reference (project_id, id).
CREATE TABLE authsync.users (
  id                                  uuid PRIMARY KEY,
  project_id                          uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  primary_email                       text CHECK (length(primary_email) <= 256),
  primary_email_verified              boolean NOT NULL DEFAULT false,
  primary_email_auth_enabled          boolean NOT NULL DEFAULT false,
  display_name                        text CHECK (length(display_name) <= 256),
  profile_image_url                   text,
  password_hash                       text,
  otp_auth_enabled                    boolean NOT NULL DEFAULT false,
  passkey_auth_enabled                boolean NOT NULL DEFAULT false,
  totp_secret_base64                  text,
  client_metadata                     jsonb,
  client_read_only_metadata           jsonb,
  server_metadata                     jsonb,
  selected_team_id                    uuid,
  is_anonymous                        boolean NOT NULL DEFAULT false,
  restricted_by_admin                 boolean NOT NULL DEFAULT false,
  restricted_by_admin_reason          text,
  restricted_by_admin_private_details text,
  country_code                        text,
  risk_scores                         jsonb NOT NULL DEFAULT '{"sign_up": {"bot": 0, "free_trial_abuse": 0}}'::jsonb,
  signed_up_at                        timestamptz NOT NULL DEFAULT now(),
  last_active_at                      timestamptz NOT NULL DEFAULT now(),
  updated_at                          timestamptz NOT NULL DEFAULT now(),
  version                             bigint NOT NULL DEFAULT 1,
  CHECK (primary_email IS NOT NULL OR NOT primary_email_auth_enabled)
);
-- An e-mail may sign in to one user of a project only; e-mails not used for auth may repeat.
CREATE UNIQUE INDEX users_auth_email_idx ON authsync.users (project_id, primary_email) WHERE primary_email_auth_enabled;
-- GET /users: ordered by sign-up time, then id.
CREATE INDEX users_project_signed_up_idx ON authsync.users (project_id, signed_up_at, id);

-- Sessions. The refresh token itself is never stored, only its SHA-256 hash. `id` is the access token's
-- refresh_token_id claim.
CREATE TABLE authsync.refresh_tokens (
  id               uuid PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  user_id          uuid NOT NULL REFERENCES authsync.users (id) ON DELETE CASCADE,
  token_hash       text NOT NULL UNIQUE,
  is_impersonation boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_used_at     timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL
);
CREATE INDEX refresh_tokens_user_idx ON authsync.refresh_tokens (user_id);

-- Instance-wide settings: the check value of the server secret, the dashboard admin secret's hash, ...
CREATE TABLE authsync.instance_settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
