-- E-mail flows: users' contact channels and the verification codes sent to them.
--
-- contact_channels: every e-mail address of a user, the primary one included. The primary channel always equals the
-- user's primary_email, primary_email_verified and primary_email_auth_enabled (kept so by a change hook of the user
-- store, src/users/contact-channels.ts), which the user object and users_sync read. An address used for sign-in belongs
-- to one user per project across all channels (contact_channels_auth_value_idx, beside users_auth_email_idx).
CREATE TABLE authsync.contact_channels (
  id            uuid PRIMARY KEY,
  project_id    uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES authsync.users (id) ON DELETE CASCADE,
  type          text NOT NULL DEFAULT 'email' CHECK (type = 'email'),
  value         text NOT NULL CHECK (length(value) <= 256),
  is_verified   boolean NOT NULL DEFAULT false,
  used_for_auth boolean NOT NULL DEFAULT false,
  is_primary    boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX contact_channels_user_value_idx ON authsync.contact_channels (user_id, type, value);
CREATE UNIQUE INDEX contact_channels_user_primary_idx ON authsync.contact_channels (user_id) WHERE is_primary;
CREATE UNIQUE INDEX contact_channels_auth_value_idx ON authsync.contact_channels (project_id, type, value) WHERE used_for_auth;
CREATE INDEX contact_channels_user_created_idx ON authsync.contact_channels (user_id, created_at, id);

-- Every existing user with an e-mail gets its primary channel.
INSERT INTO authsync.contact_channels (id, project_id, user_id, value, is_verified, used_for_auth, is_primary, created_at)
SELECT gen_random_uuid(), project_id, id, primary_email, primary_email_verified, primary_email_auth_enabled, true, signed_up_at
FROM authsync.users
WHERE primary_email IS NOT NULL;

-- verification_codes: the codes of the e-mail flows (src/auth/verification-codes.ts). Only the SHA-256 of a code is
-- kept, with its last 39 characters (the nonce, which send-sign-in-code hands the client anyway) so that every attempt
-- counts on all codes sharing the nonce. Valid 7 days, single use (used_at); rows are removed a week after they expire
-- by the next insert, so an expired code answers "expired" rather than "not found" for that week.
CREATE TABLE authsync.verification_codes (
  id            uuid PRIMARY KEY,
  project_id    uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  type          text NOT NULL CHECK (type IN ('CONTACT_CHANNEL_VERIFICATION', 'PASSWORD_RESET', 'ONE_TIME_PASSWORD', 'TEAM_INVITATION')),
  code_hash     text NOT NULL UNIQUE,
  nonce         text NOT NULL,
  email         text NOT NULL,
  data          jsonb NOT NULL DEFAULT '{}',
  callback_url  text NOT NULL,
  attempt_count integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX verification_codes_nonce_idx ON authsync.verification_codes (project_id, nonce);
CREATE INDEX verification_codes_expires_idx ON authsync.verification_codes (expires_at);
