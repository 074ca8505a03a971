-- Stack's layered project configuration (GET/PATCH/PUT /internal/config/override/{level}, docs/internal-project.md).
--
-- One row per project and level (project, branch, environment): the level's override exactly as written, a JSON
-- object whose keys may be dotted paths ("auth.password.allowSignIn") or nested objects. authsync has one branch and
-- one environment per project. The rendered config is computed from these rows and the defaults; the keys authsync
-- acts on are also written to projects.config in the same transaction, which stays what behaviour reads.
--
-- source: where the branch-level config was pushed from (Stack's `source` of PUT .../branch); null means unlinked.
-- It is only set on the branch row.
CREATE TABLE authsync.project_config_overrides (
  project_id uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  level      text NOT NULL CHECK (level IN ('project', 'branch', 'environment')),
  override   jsonb NOT NULL DEFAULT '{}'::jsonb,
  source     jsonb,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (project_id, level)
);
