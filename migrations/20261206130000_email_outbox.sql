-- E-mail delivery (src/email/, docs/email.md). PostgreSQL 14+ and PGlite.
--
-- emails: the mail queue and its history. A row is written, rendered, in the transaction that needs the mail (a
-- verification code, a reset code...), so a mail exists exactly when its code does; the worker inside
-- `authsync start` sends it after commit. status: `queued` (waiting, or waiting for a retry at next_attempt_at),
-- `sent` (an SMTP server accepted it), `failed` (given up: last_error holds the SMTP answer), `dev_mailbox` (no SMTP
-- is configured: kept here as delivered to the development mailbox, readable on the dashboard and, when enabled,
-- through the Inbucket-compatible API). A worker claims a row by setting locked_until (a lease, taken with FOR UPDATE
-- SKIP LOCKED), so servers sharing the database never send one row at the same time. message_id is derived from the
-- row ID, so a receiver can tell a resend after a crash from a new mail.
CREATE TABLE authsync.emails (
  id               uuid PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  user_id          uuid,
  recipient        text NOT NULL,
  template         text NOT NULL,
  subject          text NOT NULL,
  text_body        text NOT NULL,
  html_body        text NOT NULL,
  status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'dev_mailbox')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  locked_until     timestamptz,
  last_error       text,
  sender           text,
  message_id       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_at          timestamptz
);
-- What the worker looks for: due rows still queued.
CREATE INDEX emails_queued_idx ON authsync.emails (next_attempt_at) WHERE status = 'queued';
CREATE INDEX emails_project_idx ON authsync.emails (project_id, created_at DESC);
-- The development mailbox is read by recipient (tests, the Inbucket-compatible API).
CREATE INDEX emails_recipient_idx ON authsync.emails (lower(recipient), created_at DESC);

-- A project's own SMTP server, used instead of the instance's default. The password is sealed under the server
-- secret (crypto/secret-box.ts), as OAuth client secrets are: authsync must send it, so it cannot be a hash.
-- tls: `none` (plain), `starttls` (upgrade required), `tls` (implicit TLS, usually port 465).
CREATE TABLE authsync.email_smtp_settings (
  project_id    uuid PRIMARY KEY REFERENCES authsync.projects (id) ON DELETE CASCADE,
  host          text NOT NULL,
  port          integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  tls           text NOT NULL CHECK (tls IN ('none', 'starttls', 'tls')),
  username      text,
  password_enc  text,
  sender_email  text NOT NULL,
  sender_name   text,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A project's overrides of the default templates, per template type; a NULL part keeps the default's. Placeholders
-- are {{variableName}}; in the HTML part every value is escaped.
CREATE TABLE authsync.email_templates (
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  template    text NOT NULL,
  subject     text,
  text_body   text,
  html_body   text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, template)
);
