-- Teams (Stack's teams API): teams of a project, their members, and the team permissions granted to members.
--
-- teams: the team object (display name, image, the three metadata objects); deleting a project removes its teams.
CREATE TABLE authsync.teams (
  id                        uuid PRIMARY KEY,
  project_id                uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  display_name              text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
  profile_image_url         text,
  client_metadata           jsonb,
  client_read_only_metadata jsonb,
  server_metadata           jsonb,
  created_at                timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- GET /teams lists a project's teams oldest first.
CREATE INDEX teams_project_created_idx ON authsync.teams (project_id, created_at, id);

-- team_members: a user in a team, with the member profile's own display name and image (null: the user's are shown).
-- Deleting the team or the user removes the membership.
CREATE TABLE authsync.team_members (
  team_id           uuid NOT NULL REFERENCES authsync.teams (id) ON DELETE CASCADE,
  user_id           uuid NOT NULL REFERENCES authsync.users (id) ON DELETE CASCADE,
  project_id        uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  display_name      text CHECK (length(display_name) <= 256),
  profile_image_url text,
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (team_id, user_id)
);
-- GET /teams?user_id=…: a user's teams.
CREATE INDEX team_members_user_idx ON authsync.team_members (user_id);

-- The selected team is the user's column (read by the user object, users_sync and the access token's selected_team_id
-- claim); it must name a team the user is a member of: at most one per user, and never a team the user left. The
-- reference has no action, so a membership cannot be removed while selected: the team code clears the selection
-- first, through the user store, so users_sync sees it.
ALTER TABLE authsync.users
  ADD CONSTRAINT users_selected_team_membership_fk FOREIGN KEY (selected_team_id, id) REFERENCES authsync.team_members (team_id, user_id);
CREATE INDEX users_selected_team_idx ON authsync.users (selected_team_id) WHERE selected_team_id IS NOT NULL;

-- team_member_permissions: permissions granted directly to a member (team_admin, team_member, or one of the six
-- `$…` system permissions); what team_admin and team_member contain is fixed in code (src/teams/permissions.ts).
-- Leaving the team removes them.
CREATE TABLE authsync.team_member_permissions (
  team_id       uuid NOT NULL,
  user_id       uuid NOT NULL,
  permission_id text NOT NULL CHECK (permission_id IN ('team_admin', 'team_member', '$update_team', '$delete_team',
                  '$read_members', '$remove_members', '$invite_members', '$manage_api_keys')),
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (team_id, user_id, permission_id),
  FOREIGN KEY (team_id, user_id) REFERENCES authsync.team_members (team_id, user_id) ON DELETE CASCADE
);
