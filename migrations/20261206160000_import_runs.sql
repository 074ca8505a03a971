-- import_runs: where an import into a project stands (authsync import stack | users-sync), so an interrupted run
-- continues instead of starting over. One row per project and source; `source` names the old server (its URL and
-- project ID) or the legacy database (its URL without the password), never a key. `phase` and `cursor` say what
-- comes next (the cursor is the source's own: the next page's first user ID, or the last ID read); `counts` holds the
-- run's summary so far. finished_at is set when a run completes; the next run of the same source starts afresh.
CREATE TABLE authsync.import_runs (
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  source      text NOT NULL,
  phase       text NOT NULL,
  cursor      text,
  counts      jsonb NOT NULL DEFAULT '{}'::jsonb,
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (project_id, source)
);
