-- A team's display name may be the empty string, as on Stack (PATCH /teams/{id} with display_name ""); at most 256
-- characters as before.
ALTER TABLE authsync.teams DROP CONSTRAINT IF EXISTS teams_display_name_check;
ALTER TABLE authsync.teams ADD CONSTRAINT teams_display_name_check CHECK (length(display_name) <= 256);
