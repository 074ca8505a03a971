-- Team data for RLS (opt-in per project: `authsync sync teams --project ID`): the project's teams and memberships
-- beside neon_auth.users_sync, so a policy can ask "is the signed-in user a member of this row's team?".
-- - teams_sync: one row per team; raw_json holds the Stack server team object, name its display name. A deleted team's
--   row is removed (teams have no soft delete). Project-free, like users_sync: team IDs are UUIDs.
-- - team_members_sync: one row per membership; removed when the member leaves, the team or the user is deleted.
-- authsync writes them in the team change's own transaction when the app database is the server's. Nothing is
-- granted here: turning the option on grants SELECT to the role authenticated (src/sync/team-data.ts).
-- Empty until a project turns the option on. Idempotent, like the rest of the track.
CREATE TABLE IF NOT EXISTS neon_auth.teams_sync (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    raw_json   jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS neon_auth.team_members_sync (
    team_id    text NOT NULL,
    user_id    text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
-- The lookup of the recommended policy (a user's memberships).
CREATE INDEX IF NOT EXISTS team_members_sync_user_team_idx ON neon_auth.team_members_sync (user_id, team_id);
