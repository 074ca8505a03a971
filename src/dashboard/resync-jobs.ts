/**
 * Resyncs started from the dashboard run in the background of this server process; the Sync page follows
 * their progress by polling. The work itself is src/sync's resyncTarget, once per database of the project,
 * exactly as `authsync sync resync --project` does it.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { listProjectDatabases } from '../projects/databases.js';
import { withProjectDatabase } from '../projects/provision.js';
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

const KEEP = 50;

export class ResyncJobs {
  private readonly jobs = new Map<string, ResyncJob>();

  constructor(private readonly ctx: AppContext) {}

  get(id: string, projectId: string): ResyncJob | undefined {
    const job = this.jobs.get(id);
    return job?.projectId === projectId ? job : undefined;
  }

  /** The job already running for a project, if any: a second click follows it rather than starting another. */
  running(projectId: string): ResyncJob | undefined {
    return [...this.jobs.values()].find((job) => job.projectId === projectId && job.state === 'running');
  }

  start(projectId: string): ResyncJob {
    const existing = this.running(projectId);
    if (existing) return existing;
    const job: ResyncJob = { id: randomUUID(), projectId, state: 'running', done: 0, total: 0, repaired: 0, message: 'Starting the resync…', startedAt: new Date() };
    this.jobs.set(job.id, job);
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEEP))) this.jobs.delete(old);
    void this.run(job);
    return job;
  }

  private async run(job: ResyncJob): Promise<void> {
    try {
      const targets = await listProjectDatabases(this.ctx.db, this.ctx.box, job.projectId);
      let before = 0;
      for (const [index, target] of targets.entries()) {
        const label = `${target.key} (${index + 1} of ${targets.length})`;
        job.message = `Comparing ${label}…`;
        const report = await withProjectDatabase(this.ctx, target, (db) =>
          resyncTarget(this.ctx.db, db, job.projectId, {
            outbox: target.url !== null,
            onProgress: (done, total) => {
              job.total = before + total * (targets.length - index);
              job.done = before + done;
              job.message = `Comparing ${label}: ${done} of ${total} users`;
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
      job.message = `Resync failed: ${error instanceof Error ? error.message : String(error)}`;
      this.ctx.log.warn({ err: error, projectId: job.projectId }, 'dashboard resync failed');
    }
  }
}
