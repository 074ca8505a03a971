-- Dashboard sessions of operators: users of the internal project who signed in to the dashboard with their e-mail and
-- password. Such a session rides on the user's own session of the internal project (a refresh-token row, opened by the
-- same password sign-in the API runs), so whatever ends that session ends the dashboard's too: signing out of it
-- elsewhere, a password change, deleting the user. Its scope is not stored: each request asks which projects the
-- user's teams own now. A session is either the instance's, one project's, or one operator's, never two of these.
ALTER TABLE authsync.dashboard_sessions
  ADD COLUMN refresh_token_id uuid REFERENCES authsync.refresh_tokens (id) ON DELETE CASCADE;
ALTER TABLE authsync.dashboard_sessions
  ADD CONSTRAINT dashboard_sessions_one_scope CHECK (project_id IS NULL OR refresh_token_id IS NULL);
CREATE INDEX dashboard_sessions_refresh_token_idx ON authsync.dashboard_sessions (refresh_token_id);
