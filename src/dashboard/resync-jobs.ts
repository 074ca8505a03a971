/**
 * Resyncs started from the dashboard. Each job runs in the background of the server process that started it, and
 * its state lives in the server's database (authsync.resync_jobs), so that every server sharing the database shows
 * its progress and at most one resync per project runs at a time among them. The work itself is src/sync's
 * resyncTarget, once per database of the project, exactly as `authsync sync resync --project` does it.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context/app-context.js';
import { connectionFailure } from '../db/connection-failure.js';
import type { Queryable } from '../db/database.js';
import { userMessage } from '../errors/user-message.js';
import { listProjectDatabases, withProjectDatabase } from '../projects/databases.js';
import { resyncTarget } from '../sync/resync.js';

export interface ResyncJob {
  id: string;
  projectId: string;
  state: 'running' | 'done' | 'failed';
  /** Rows compared so far, over all targets, and the total to compare. */
  done: number;
  total: number;
  repaired: number;
  message: string;
  startedAt: Date;
}

/** Jobs kept per project. */
const KEEP = 50;
/** A running job's row is written at least this often (progress or heartbeat)... */
const HEARTBEAT_MS = 10_000;
/** ...and one not written for this long belongs to a server that stopped. */
const STALE_SECONDS = 60;
/** Progress is written at most this often. */
const PROGRESS_EVERY_MS = 250;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const STOPPED = 'Resync stopped: the server running it stopped before it finished. Start it again.';

interface JobRow {
  id: string;
  project_id: string;
  state: ResyncJob['state'];
  done: string;
  total: string;
  repaired: string;
  message: string;
  started_at: Date;
}

const COLUMNS = 'id, project_id, state, done, total, repaired, message, started_at';

function toJob(row: JobRow): ResyncJob {
  return {
    id: row.id,
    projectId: row.project_id,
    state: row.state,
    done: Number(row.done),
    total: Number(row.total),
    repaired: Number(row.repaired),
    message: row.message,
    startedAt: row.started_at,
  };
}

export class ResyncJobs {
  constructor(private readonly ctx: AppContext) {}

  async get(id: string, projectId: string): Promise<ResyncJob | undefined> {
    if (!UUID.test(id)) return undefined;
    await this.failStale(projectId);
    const { rows } = await this.ctx.db.query<JobRow>(`SELECT ${COLUMNS} FROM authsync.resync_jobs WHERE id = $1 AND project_id = $2`, [
      id,
      projectId,
    ]);
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /** The job running for a project, on any server, if any: a second click follows it rather than starting another. */
  async running(projectId: string): Promise<ResyncJob | undefined> {
    await this.failStale(projectId);
    const { rows } = await this.ctx.db.query<JobRow>(
      `SELECT ${COLUMNS} FROM authsync.resync_jobs WHERE project_id = $1 AND state = 'running'`,
      [projectId],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  async start(projectId: string): Promise<ResyncJob> {
    await this.failStale(projectId);
    const { rows } = await this.ctx.db.query<JobRow>(
      `INSERT INTO authsync.resync_jobs (id, project_id, state, message) VALUES ($1, $2, 'running', 'Starting the resync…')
       ON CONFLICT (project_id) WHERE state = 'running' DO NOTHING RETURNING ${COLUMNS}`,
      [randomUUID(), projectId],
    );
    if (!rows[0]) {
      const existing = await this.running(projectId);
      if (existing) return existing;
      return this.start(projectId); // the running job finished in between
    }
    await this.ctx.db.query(
      `DELETE FROM authsync.resync_jobs WHERE project_id = $1 AND state <> 'running'
         AND id NOT IN (SELECT id FROM authsync.resync_jobs WHERE project_id = $1 ORDER BY started_at DESC LIMIT ${KEEP})`,
      [projectId],
    );
    const job = toJob(rows[0]);
    void this.run(job);
    return job;
  }

  /** Marks the project's running job failed when its server stopped writing it. */
  private async failStale(projectId: string): Promise<void> {
    await this.ctx.db.query(
      `UPDATE authsync.resync_jobs SET state = 'failed', message = $2
       WHERE project_id = $1 AND state = 'running' AND heartbeat_at < now() - make_interval(secs => ${STALE_SECONDS})`,
      [projectId, STOPPED],
    );
  }

  private async run(job: ResyncJob): Promise<void> {
    const writer = new JobWriter(this.ctx.db, job);
    const heartbeat = setInterval(() => writer.write(), HEARTBEAT_MS);
    heartbeat.unref();
    try {
      const targets = await listProjectDatabases(this.ctx.db, this.ctx.box, job.projectId);
      let before = 0;
      for (const [index, target] of targets.entries()) {
        const label = `${target.key} (${index + 1} of ${targets.length})`;
        job.message = `Comparing ${label}…`;
        writer.soon();
        const report = await withProjectDatabase(this.ctx, target, (db) =>
          resyncTarget(this.ctx.db, db, job.projectId, {
            outbox: target.url !== null,
            onProgress: (done, total) => {
              job.total = before + total * (targets.length - index);
              job.done = before + done;
              job.message = `Comparing ${label}: ${done} of ${total} users`;
              writer.soon();
            },
          }),
        );
        before = job.done;
        job.repaired += report.repaired;
      }
      job.total = Math.max(job.total, job.done);
      job.done = job.total;
      job.state = 'done';
      job.message = `Resync finished: compared ${job.done} users in ${targets.length} database${targets.length === 1 ? '' : 's'}, repaired ${job.repaired}.`;
    } catch (error) {
      job.state = 'failed';
      // The page shows what the admin can act on (a target that cannot be reached, with the reason); a bug only as such.
      job.message = `Resync failed: ${userMessage(connectionFailure(error) ?? error).message}`;
      this.ctx.log.warn({ err: error, projectId: job.projectId }, 'dashboard resync failed');
    } finally {
      clearInterval(heartbeat);
      // If even this write fails, the job's heartbeat stops and it is reported failed within STALE_SECONDS.
      await writer
        .final()
        .catch((err: unknown) => this.ctx.log.warn({ err, projectId: job.projectId }, 'dashboard resync: could not record the result'));
    }
  }
}

/** Writes a running job's row: progress at most every PROGRESS_EVERY_MS, one write at a time, and the final state. */
class JobWriter {
  private writing: Promise<void> | undefined;
  private pending = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly job: ResyncJob,
  ) {}

  /** Writes the job within PROGRESS_EVERY_MS. */
  soon(): void {
    if (!this.timer) this.timer = setTimeout(() => this.write(), PROGRESS_EVERY_MS);
  }

  write(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing) {
      this.pending = true;
      return;
    }
    this.writing = this.update()
      .catch(() => undefined) // the next write (or the final one) tries again
      .finally(() => {
        this.writing = undefined;
        if (this.pending) {
          this.pending = false;
          this.write();
        }
      });
  }

  /** Writes the finished job; waits for writes in flight first. */
  async final(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = false;
    while (this.writing) await this.writing;
    await this.update();
  }

  /** The job's row as it stands in memory, with a fresh heartbeat; nothing once another server marked it failed. */
  private async update(): Promise<void> {
    const { job } = this;
    await this.db.query(
      `UPDATE authsync.resync_jobs SET state = $2, done = $3, total = $4, repaired = $5, message = $6, heartbeat_at = now()
       WHERE id = $1 AND state = 'running'`,
      [job.id, job.state, job.done, job.total, job.repaired, job.message],
    );
  }
}
