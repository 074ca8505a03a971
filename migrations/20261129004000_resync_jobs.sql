-- Resyncs started from the dashboard. Kept in the server's database rather than in the process that runs them,
-- so that every server sharing the database shows a job's progress, and at most one resync per project runs at a
-- time among them (the partial unique index). The server running a job writes its progress and a heartbeat as it
-- goes; a running job whose heartbeat is more than a minute old belongs to a server that stopped, and is marked
-- failed when next looked at. The last 50 jobs of each project are kept.
CREATE TABLE authsync.resync_jobs (
  id            uuid PRIMARY KEY,
  project_id    uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  state         text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  done          bigint NOT NULL DEFAULT 0,
  total         bigint NOT NULL DEFAULT 0,
  repaired      bigint NOT NULL DEFAULT 0,
  message       text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX resync_jobs_one_running_idx ON authsync.resync_jobs (project_id) WHERE state = 'running';
CREATE INDEX resync_jobs_project_idx ON authsync.resync_jobs (project_id, started_at DESC);
