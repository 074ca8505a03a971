-- Permission definitions of a project (Stack's /team-permission-definitions and /project-permission-definitions).
--
-- permission_definitions: one row per permission id, unique in the project whatever its scope ('team': granted to a
-- member of a team; 'project': a user-level permission). Every project has the six system permissions (`$…`, read-only)
-- and the two editable team definitions team_admin and team_member, made with the project by the trigger below.
-- Custom ids are lowercase letters, digits, '_' and ':'; only the system ones start with '$'.
CREATE TABLE authsync.permission_definitions (
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  id          text NOT NULL CHECK (id ~ '^\$?[a-z0-9_:]+$' AND length(id) <= 256),
  scope       text NOT NULL CHECK (scope IN ('team', 'project')),
  description text CHECK (length(description) <= 4096),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (project_id, id),
  -- Referenced with the scope by containments and grants, so neither can cross scopes.
  UNIQUE (project_id, id, scope)
);

-- permission_containments: `permission_id` contains `contained_id` (of the same scope; a grant of the first holds the
-- second, recursively). Renaming a definition renames it here; deleting one removes it from every definition that
-- contained it.
CREATE TABLE authsync.permission_containments (
  project_id    uuid NOT NULL,
  permission_id text NOT NULL,
  contained_id  text NOT NULL,
  scope         text NOT NULL,
  PRIMARY KEY (project_id, permission_id, contained_id),
  FOREIGN KEY (project_id, permission_id, scope) REFERENCES authsync.permission_definitions (project_id, id, scope)
    ON UPDATE CASCADE ON DELETE CASCADE,
  FOREIGN KEY (project_id, contained_id, scope) REFERENCES authsync.permission_definitions (project_id, id, scope)
    ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX permission_containments_contained_idx ON authsync.permission_containments (project_id, contained_id);

-- The definitions every project starts with, as Stack seeds them.
CREATE FUNCTION authsync.seed_permission_definitions(p_project_id uuid) RETURNS void LANGUAGE sql AS $$
  INSERT INTO authsync.permission_definitions (project_id, id, scope, description) VALUES
    (p_project_id, '$update_team', 'team', 'Update the team information'),
    (p_project_id, '$delete_team', 'team', 'Delete the team'),
    (p_project_id, '$read_members', 'team', 'Read and list the other members of the team'),
    (p_project_id, '$remove_members', 'team', 'Remove other members from the team'),
    (p_project_id, '$invite_members', 'team', 'Invite other users to the team'),
    (p_project_id, '$manage_api_keys', 'team', 'Create and manage API keys for the team'),
    (p_project_id, 'team_admin', 'team', 'Default permission for team admins'),
    (p_project_id, 'team_member', 'team', 'Default permission for team members')
  ON CONFLICT DO NOTHING;
  INSERT INTO authsync.permission_containments (project_id, permission_id, contained_id, scope)
  SELECT p_project_id, c.permission_id, c.contained_id, 'team'
  FROM (VALUES ('team_admin', '$update_team'), ('team_admin', '$delete_team'), ('team_admin', '$read_members'),
               ('team_admin', '$remove_members'), ('team_admin', '$invite_members'), ('team_admin', '$manage_api_keys'),
               ('team_member', '$read_members'), ('team_member', '$invite_members')) AS c (permission_id, contained_id)
  ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION authsync.seed_project_permission_definitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM authsync.seed_permission_definitions(NEW.id);
  RETURN NULL;
END;
$$;
CREATE TRIGGER projects_seed_permission_definitions AFTER INSERT ON authsync.projects
  FOR EACH ROW EXECUTE FUNCTION authsync.seed_project_permission_definitions();

SELECT authsync.seed_permission_definitions(id) FROM authsync.projects;

-- team_member_permissions (the direct grants) now reference a team definition of the member's own project: renaming
-- the definition renames the grants, deleting it revokes them. The grant carries its project (the membership's, by the
-- reference below) and its scope (always 'team'), for that reference.
ALTER TABLE authsync.team_member_permissions DROP CONSTRAINT team_member_permissions_permission_id_check;
ALTER TABLE authsync.team_member_permissions ADD COLUMN project_id uuid;
UPDATE authsync.team_member_permissions p SET project_id = m.project_id
FROM authsync.team_members m WHERE m.team_id = p.team_id AND m.user_id = p.user_id;
ALTER TABLE authsync.team_member_permissions ALTER COLUMN project_id SET NOT NULL;
ALTER TABLE authsync.team_member_permissions ADD COLUMN scope text NOT NULL DEFAULT 'team' CHECK (scope = 'team');

ALTER TABLE authsync.team_members ADD CONSTRAINT team_members_project_key UNIQUE (team_id, user_id, project_id);
ALTER TABLE authsync.team_member_permissions DROP CONSTRAINT team_member_permissions_team_id_user_id_fkey;
ALTER TABLE authsync.team_member_permissions ADD CONSTRAINT team_member_permissions_member_fkey
  FOREIGN KEY (team_id, user_id, project_id) REFERENCES authsync.team_members (team_id, user_id, project_id) ON DELETE CASCADE;
ALTER TABLE authsync.team_member_permissions ADD CONSTRAINT team_member_permissions_definition_fkey
  FOREIGN KEY (project_id, permission_id, scope) REFERENCES authsync.permission_definitions (project_id, id, scope)
    ON UPDATE CASCADE ON DELETE CASCADE;
-- Renaming or deleting a definition finds its grants.
CREATE INDEX team_member_permissions_definition_idx ON authsync.team_member_permissions (project_id, permission_id);
