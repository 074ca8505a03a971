/**
 * Where an import stands (`authsync.import_runs`): read when a run starts, saved after each page, so a run that was
 * interrupted (killed, the old server gone for a while) goes on from the page after the last one saved. A user written
 * twice is harmless: the writer leaves a matching user unchanged.
 */
import type { Queryable } from '../db/database.js';
import { emptySummary, type ImportSummary } from './summary.js';

export interface ImportRun {
  phase: string;
  cursor: string | null;
  summary: ImportSummary;
  /** The run continues one that was interrupted. */
  resumed: boolean;
}

/**
 * The unfinished run of this source, or a new one at `firstPhase`; a dry run always starts afresh and reads nothing.
 * The summary says whether the run resumed and whether it is a dry run.
 */
export async function startRun(db: Queryable, projectId: string, source: string, firstPhase: string, dryRun: boolean): Promise<ImportRun> {
  const run = dryRun ? undefined : await unfinishedRun(db, projectId, source);
  const started = run ?? { phase: firstPhase, cursor: null, summary: emptySummary(), resumed: false };
  started.summary.resumed = started.resumed;
  started.summary.dryRun = dryRun;
  return started;
}

async function unfinishedRun(db: Queryable, projectId: string, source: string): Promise<ImportRun | undefined> {
  const { rows } = await db.query<{ phase: string; cursor: string | null; counts: ImportSummary }>(
    'SELECT phase, cursor, counts FROM authsync.import_runs WHERE project_id = $1 AND source = $2 AND finished_at IS NULL',
    [projectId, source],
  );
  const row = rows[0];
  return row ? { phase: row.phase, cursor: row.cursor, summary: { ...emptySummary(), ...row.counts }, resumed: true } : undefined;
}

/** Saves where the run stands; `finished` closes it. */
export async function saveRun(db: Queryable, projectId: string, source: string, run: ImportRun, finished = false): Promise<void> {
  await db.query(
    `INSERT INTO authsync.import_runs (project_id, source, phase, cursor, counts, finished_at)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)
     ON CONFLICT (project_id, source) DO UPDATE SET phase = excluded.phase, cursor = excluded.cursor, counts = excluded.counts,
       updated_at = now(), finished_at = excluded.finished_at,
       started_at = CASE WHEN authsync.import_runs.finished_at IS NULL THEN authsync.import_runs.started_at ELSE now() END`,
    [projectId, source, run.phase, run.cursor, JSON.stringify(run.summary), finished],
  );
}
