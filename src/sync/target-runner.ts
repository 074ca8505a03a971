/**
 * Drives one external target: coalesces wake-ups into passes (a wake-up during a pass causes one more
 * pass), retries failures with exponential backoff, and keeps a small pool to the target. Keeps the
 * target's checkpoint between passes (a pass returns the stored one), so a pass does not read it first.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { openPostgres } from '../db/postgres.js';
import type { ProjectDatabase } from '../projects/databases.js';
import type { Checkpoint } from './checkpoint.js';
import { targetFailureMessage } from './permission-hint.js';
import { resyncTarget } from './resync.js';
import { syncTargetOnce } from './target-pass.js';
import { ensureTarget } from './target-schema.js';

export interface RunnerHooks {
  log: Logger;
  maxBackoffMs: number;
  /**
   * Progress is mirrored into the server's database (status, metrics, pruning) at most this often, and
   * once more when the runner goes idle. @default 250
   */
  progressEveryMs?: number;
  onProgress(checkpoint: Checkpoint): Promise<void>;
  onError(message: string): Promise<void>;
}

/** PostgreSQL codes meaning the table or its schema is gone: re-create and refill it. */
const MISSING_OBJECT = new Set(['42P01', '3F000']);
/** A column or function of the bookkeeping schema is missing (a target provisioned by an older version): re-provision. */
const OUTDATED_SCHEMA = new Set(['42703', '42883']);

export class TargetRunner {
  private readonly db: Database;
  private dirty = false;
  private running: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  /** The failure last logged at warn level: the same failure again is logged at debug level only. */
  private reported: string | undefined;
  private ensured = false;
  private refill = false;
  private stopped = false;
  private checkpoint: Checkpoint | undefined;
  /** Progress not yet mirrored into the server's database, and when it last was. */
  private unrecorded: Checkpoint | undefined;
  private recordedAt = 0;
  private recording: Promise<void> | undefined;
  private recordTimer: NodeJS.Timeout | undefined;

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
    while (this.running || this.dirty || this.retry || this.recording || this.recordTimer) {
      if (this.running) await this.running;
      else if (this.recording) await this.recording;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.dirty = false;
    await this.running;
    if (this.recordTimer) clearTimeout(this.recordTimer);
    this.recordTimer = undefined;
    await this.recording;
    this.flush();
    await this.recording;
    await this.db.close().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        if (!this.ensured) {
          await ensureTarget(this.db);
          this.ensured = true;
          this.checkpoint = undefined;
        }
        if (this.refill) {
          await resyncTarget(this.source, this.db, this.target.projectId, { outbox: true });
          this.refill = false;
          this.checkpoint = undefined;
        }
        const result = await syncTargetOnce(this.source, this.db, this.target.projectId, { from: this.checkpoint });
        this.checkpoint = result.checkpoint;
        this.unrecorded = result.checkpoint;
        const recovered = this.failures > 0;
        if (recovered) this.hooks.log.info({ target: this.target.key }, 'users_sync: target reachable again');
        this.failures = 0;
        this.reported = undefined;
        // Clear a recorded error at once; otherwise mirror progress at a bounded rate, never on the pass's path.
        if (recovered) this.flush();
        else this.scheduleRecord();
      } catch (error) {
        this.checkpoint = undefined;
        this.scheduleRetry(error as Error & { code?: string });
        return;
      }
    }
  }

  /** Mirrors the latest checkpoint into the server's database once `progressEveryMs` has passed since the last time. */
  private scheduleRecord(): void {
    if (this.recordTimer || this.recording || this.stopped) return;
    const wait = Math.max(0, (this.hooks.progressEveryMs ?? 250) - (performance.now() - this.recordedAt));
    this.recordTimer = setTimeout(() => {
      this.recordTimer = undefined;
      this.flush();
    }, wait);
    this.recordTimer.unref();
  }

  /** Writes the latest unrecorded checkpoint now (one write at a time, in the background). */
  private flush(): void {
    if (this.recording || !this.unrecorded) return;
    const checkpoint = this.unrecorded;
    this.unrecorded = undefined;
    this.recordedAt = performance.now();
    this.recording = this.hooks
      .onProgress(checkpoint)
      .catch((err: unknown) => this.hooks.log.warn({ target: this.target.key, err }, 'users_sync: recording progress failed'))
      .finally(() => {
        this.recording = undefined;
        if (this.unrecorded) this.scheduleRecord();
      });
  }

  private scheduleRetry(error: Error & { code?: string }): void {
    this.failures += 1;
    if (error.code && MISSING_OBJECT.has(error.code)) {
      this.ensured = false;
      this.refill = true;
    }
    if (error.code && OUTDATED_SCHEMA.has(error.code)) this.ensured = false;
    const delay = Math.min(100 * 2 ** (this.failures - 1), this.hooks.maxBackoffMs);
    // Reported once (and in the target's status); while it lasts, the retries are logged at debug level.
    const message = targetFailureMessage(error, this.target.url);
    const level = message === this.reported ? 'debug' : 'warn';
    this.reported = message;
    this.hooks.log[level]({ target: this.target.key, err: message, retryInMs: delay }, 'users_sync: target failed');
    // Pending progress is written first, so that it cannot clear the error after it.
    if (this.recordTimer) {
      clearTimeout(this.recordTimer);
      this.recordTimer = undefined;
      this.flush();
    }
    void (this.recording ?? Promise.resolve()).then(() => this.hooks.onError(message)).catch(() => undefined);
    this.dirty = true;
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.wake();
    }, delay);
    this.retry.unref();
  }
}
