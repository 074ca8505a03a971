/**
 * Drives one external target: coalesces wake-ups into passes (a wake-up during a pass causes one more
 * pass), retries failures with exponential backoff, and keeps a small pool to the target.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { openPostgres } from '../db/postgres.js';
import type { ProjectDatabase } from '../projects/databases.js';
import type { Checkpoint } from './checkpoint.js';
import { resyncTarget } from './resync.js';
import { syncTargetOnce } from './target-pass.js';
import { ensureTarget } from './target-schema.js';

export interface RunnerHooks {
  log: Logger;
  maxBackoffMs: number;
  onProgress(checkpoint: Checkpoint): Promise<void>;
  onError(message: string): Promise<void>;
}

/** PostgreSQL codes meaning the table or its schema is gone: re-create and refill it. */
const MISSING_OBJECT = new Set(['42P01', '3F000']);

export class TargetRunner {
  private readonly db: Database;
  private dirty = false;
  private running: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private ensured = false;
  private refill = false;
  private stopped = false;

  constructor(
    private readonly source: Database,
    readonly target: ProjectDatabase & { url: string },
    private readonly hooks: RunnerHooks,
  ) {
    this.db = openPostgres(target.url, { max: 2, applicationName: 'authsync-sync', connectionTimeoutMillis: 5_000 });
  }

  wake(): void {
    this.dirty = true;
    if (this.running || this.retry || this.stopped) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  async idle(): Promise<void> {
    while (this.running || this.dirty || this.retry) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.dirty = false;
    await this.running;
    await this.db.close().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        if (!this.ensured) {
          await ensureTarget(this.db);
          this.ensured = true;
        }
        if (this.refill) {
          await resyncTarget(this.source, this.db, this.target.projectId, { outbox: true });
          this.refill = false;
        }
        const result = await syncTargetOnce(this.source, this.db, this.target.projectId);
        await this.hooks.onProgress(result.checkpoint);
        if (this.failures > 0) this.hooks.log.info({ target: this.target.key }, 'users_sync: target reachable again');
        this.failures = 0;
      } catch (error) {
        this.scheduleRetry(error as Error & { code?: string });
        return;
      }
    }
  }

  private scheduleRetry(error: Error & { code?: string }): void {
    this.failures += 1;
    if (error.code && MISSING_OBJECT.has(error.code)) {
      this.ensured = false;
      this.refill = true;
    }
    const delay = Math.min(100 * 2 ** (this.failures - 1), this.hooks.maxBackoffMs);
    this.hooks.log.warn({ target: this.target.key, err: error.message, retryInMs: delay }, 'users_sync: target failed');
    void this.hooks.onError(error.message).catch(() => undefined);
    this.dirty = true;
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.wake();
    }, delay);
    this.retry.unref();
  }
}
