-- A project's production mode flag, as Stack's admin API reads and writes it (POST /internal/projects, PATCH
-- /internal/projects/current). authsync keeps it for the project's administrators; it changes no behaviour yet.
ALTER TABLE authsync.projects ADD COLUMN is_production_mode boolean NOT NULL DEFAULT false;
