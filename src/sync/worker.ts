/**
 * The outbox worker inside `authsync start`: one runner per external target (an app database elsewhere,
 * or an extra sync target). Runners wake on NOTIFY from the user's transaction (at commit), on RESYNC after
 * the listening connection was lost, and on a slow safety poll. A failing target is retried with
 * exponential backoff; nothing is lost meanwhile, the rows wait in the outbox. The channels' names come from the
 * server secret (db/channels.ts), and wake-ups are coalesced (a runner's pass, the list of targets), so however many
 * notifications arrive, the work they cause is bounded.
 *
 * On PostgreSQL the worker has its own small pool to the server's database: the API's pool can be busy
 * with requests, and a pass must not queue behind them.
 */
import type { AppContext } from '../context/app-context.js';
import { RESYNC, type Database } from '../db/database.js';
import { openPostgres } from '../db/postgres.js';
import { listProjectDatabases, type ProjectDatabase } from '../projects/databases.js';
import { recordError, recordProgress } from './checkpoint.js';
import { pruneOutbox } from './outbox.js';
import { TargetRunner } from './target-runner.js';

export interface SyncWorkerOptions {
  /** Safety poll and pruning interval. @default 5000 */
  pollMs?: number;
  /** Largest pause between retries of a failing target. @default 5000 */
  maxBackoffMs?: number;
  /** Connections of the worker's own pool to the server's database (PostgreSQL). @default 3 */
  sourceConnections?: number;
}

export class SyncWorker {
  private readonly runners = new Map<string, TargetRunner>();
  private readonly unlisteners: Array<() => Promise<void>> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The server's database as the worker reads it: its own pool on PostgreSQL, the shared database otherwise. */
  private readonly source: Database;
  private readonly ownSource: boolean;
  /** The refresh running, and the one queued behind it (which every later request joins). */
  private refreshing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private refreshCount = 0;
  /** Notifications received, per channel (tests and diagnostics). */
  readonly heard = { projectChanges: 0, outbox: 0 };

  constructor(
    private readonly ctx: AppContext,
    private readonly options: SyncWorkerOptions = {},
  ) {
    const url = ctx.db.kind === 'postgres' ? ctx.config.databaseUrl : undefined;
    this.ownSource = url !== undefined;
    this.source = url ? openPostgres(url, { max: options.sourceConnections ?? 3, applicationName: 'authsync-sync' }) : ctx.db;
  }

  async start(): Promise<void> {
    const { db } = this.ctx;
    this.unlisteners.push(
      await db.listen('users_sync', (payload) => {
        this.heard.outbox += 1;
        if (payload === RESYNC) this.wakeAll();
        else this.wakeProject(payload);
      }),
    );
    this.unlisteners.push(
      await db.listen('project_changes', () => {
        this.heard.projectChanges += 1;
        this.refresh().catch((err: unknown) => this.ctx.log.warn({ err }, 'users_sync: refresh failed'));
      }),
    );
    await this.refresh();
    this.wakeAll();
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const unlisten of this.unlisteners.splice(0)) await unlisten().catch(() => undefined);
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this.runners.clear();
    if (this.ownSource) await this.source.close().catch(() => undefined);
  }

  /** Wakes the runners of one project, or of all (RESYNC, poll). */
  wakeProject(projectId: string): void {
    for (const runner of this.runners.values()) if (runner.target.projectId === projectId) runner.wake();
  }

  wakeAll(): void {
    for (const runner of this.runners.values()) runner.wake();
  }

  /** Resolves when every runner is idle with nothing left to do (tests, benchmarks). */
  async idle(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.idle()));
  }

  /** Refreshes run since start (tests and diagnostics). */
  get refreshes(): number {
    return this.refreshCount;
  }

  /**
   * Starts runners for targets added since (a project or target added by the CLI or another server), and stops those
   * of targets removed. Resolves once a refresh that started after the call has finished. Coalesced: at most one runs
   * and one waits; every request made meanwhile joins the waiting one.
   */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.refreshNow().finally(() => {
        this.refreshing = undefined;
      });
      return this.refreshing;
    }
    this.queued ??= this.refreshing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  private async refreshNow(): Promise<void> {
    this.refreshCount += 1;
    const targets = (await listProjectDatabases(this.ctx.db, this.ctx.box)).filter(
      (t): t is ProjectDatabase & { url: string } => t.url !== null,
    );
    if (this.stopped) return;
    const current = new Set(targets.map((t) => t.id));
    for (const [id, runner] of this.runners) {
      if (current.has(id)) continue;
      this.runners.delete(id);
      await runner.stop().catch((err: unknown) => this.ctx.log.warn({ err }, 'users_sync: stopping a removed target failed'));
    }
    for (const target of targets) {
      if (this.runners.has(target.id)) continue;
      const runner = new TargetRunner(this.source, target, {
        log: this.ctx.log,
        maxBackoffMs: this.options.maxBackoffMs ?? 5_000,
        onProgress: (checkpoint) => recordProgress(this.source, target.id, target.projectId, checkpoint),
        onError: (message) => recordError(this.source, target.id, target.projectId, message),
      });
      this.runners.set(target.id, runner);
      runner.wake();
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.refresh();
      this.wakeAll();
      await pruneOutbox(this.source);
    } catch (err) {
      this.ctx.log.warn({ err }, 'users_sync: poll failed');
    }
  }
}
