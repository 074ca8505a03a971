/**
 * `authsync start --workers N`: one command that uses every core. A primary process forks N server processes
 * (node:cluster), which share one listening port; the primary opens no database and serves nothing itself, it hands
 * connections out (round-robin) and looks after the set:
 *
 * - Start: process 1 starts first (it runs the migrations, creates the default project on an empty database and
 *   generates the dashboard's admin secret, which the primary prints once), then the others. Every later process,
 *   and every restarted one, listens only once ready, on the port process 1 got: a process still starting is never
 *   handed a connection (process 1 answers 503 while it starts, as a single server does).
 * - Background work: the users_sync outbox worker and the mail worker run in process 1 only. Both would be correct
 *   in every process (servers sharing a database take turns on each target's checkpoint row, and mails are claimed
 *   with SKIP LOCKED and a lease), but one set is all one machine needs: N sets would hold N times the listening
 *   connections and worker pools and poll N times as often, for no gain. While process 1 is being restarted, changes
 *   wait in the outbox and mails in the queue; nothing is lost.
 * - A process that dies is restarted after a pause that doubles with each crash in a row (250 ms up to 30 s; a run of
 *   a minute resets it); after 6 crashes in a row of one process the primary stops them all and exits 1, so that a
 *   service manager sees the failure instead of a silent restart loop.
 * - SIGTERM or SIGINT to the primary: it forwards SIGTERM, waits for every process to stop (each closes its server and
 *   pools), and exits 0; a process still running after 30 s is killed. A server process whose primary dies exits too
 *   (node:cluster ends a worker whose IPC channel closes).
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';
import { AppError } from '../errors/app-error.js';
import { startServer, type RunningServer } from './server.js';

/** What process 1 reports once it listens: the start-up output, which the primary prints once. */
export type StartupReport = Pick<RunningServer, 'url' | 'notices' | 'defaultProject' | 'adminSecret'>;

const READY = 'authsync:ready';
const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A process that ran this long before dying starts its crash count again. */
const STABLE_MS = 60_000;
const MAX_CRASHES_IN_A_ROW = 6;
const STOP_TIMEOUT_MS = 30_000;

/** The number of server processes to run: `auto` is one per core, and 1 on the embedded database. */
export function resolveWorkers(config: Config): number {
  const embedded = config.databaseUrl === undefined;
  if (config.workers === 'auto') return embedded ? 1 : os.availableParallelism();
  if (config.workers > 1 && embedded)
    throw new AppError(
      'INVALID_CONFIGURATION',
      400,
      `--workers ${config.workers} needs PostgreSQL: the embedded database (PGlite) can be opened by one process only. Pass --database-url (or set DATABASE_URL), or run one server process.`,
    );
  return config.workers;
}

/** Whether this process is one of the server processes a primary forked. */
export function isForkedServerProcess(): boolean {
  return cluster.isWorker;
}

/** In a forked server process: starts the server, reports to the primary, and stops cleanly on SIGTERM or SIGINT. */
export async function runForkedServerProcess(config: Config): Promise<void> {
  const first = (config.clusterSlot ?? 1) === 1;
  // Every process but the first to start joins a port already served: it listens only once ready. (With port 0 it
  // asks for 0 again, which node:cluster answers with the set's port; its base URL names that port.)
  const joining = config.clusterPort !== undefined;
  const baseUrl = joining && !config.baseUrlGiven ? config.baseUrl.replace(/:0$/, `:${config.clusterPort}`) : config.baseUrl;
  const server = await startServer(
    { ...config, baseUrl },
    {
      createDefaultProject: first,
      backgroundWorkers: first,
      listenWhenReady: joining,
    },
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        server.ctx.log.error({ err }, 'stopping the server failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const { url, notices, defaultProject, adminSecret } = server;
  const report: StartupReport = { url, notices, ...(defaultProject ? { defaultProject } : {}), ...(adminSecret ? { adminSecret } : {}) };
  process.send?.({ type: READY, report });
}

/**
 * In the primary: forks `workers` server processes and resolves with process 1's report once all of them listen.
 * A process that fails to start stops the set (its own error is on stderr): an AppError. Then the primary runs until
 * SIGTERM/SIGINT (exit 0) or a crash loop (exit 1).
 */
export async function runPrimary(config: Config, workers: number): Promise<StartupReport> {
  const supervisor = new Supervisor(workers, pino({ level: config.logLevel, base: undefined }));
  const onSignal = () => void supervisor.stop(0);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const report = await supervisor.fork(1);
    await Promise.all(Array.from({ length: workers - 1 }, (_, i) => supervisor.fork(i + 2)));
    supervisor.started = true;
    return report;
  } catch (error) {
    await supervisor.stop(null);
    throw error;
  }
}

interface Slot {
  worker: Worker;
  startedAt: number;
  crashes: number;
  timer?: NodeJS.Timeout;
}

class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private stopping: Promise<void> | undefined;
  /** Set once every process listened: from then on, a process that dies is restarted. */
  started = false;
  /** The port the first process listens on (its pick when the configured port is 0), for the base URL of the others. */
  private port: number | undefined;

  constructor(
    private readonly count: number,
    private readonly log: Logger,
  ) {}

  /** Starts the server process of a slot; resolves with its report once it listens. */
  fork(slot: number): Promise<StartupReport> {
    const worker = cluster.fork({
      AUTHSYNC_CLUSTER_SLOT: String(slot),
      AUTHSYNC_WORKERS: String(this.count),
      ...(this.port ? { AUTHSYNC_CLUSTER_PORT: String(this.port) } : {}),
    });
    const previous = this.slots.get(slot);
    this.slots.set(slot, { worker, startedAt: Date.now(), crashes: previous?.crashes ?? 0 });
    return new Promise<StartupReport>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: { type?: string; report?: StartupReport }) => {
        if (message?.type !== READY || !message.report) return;
        ready = true;
        this.port ??= Number(new URL(message.report.url).port);
        resolve(message.report);
      });
      worker.once('exit', (code, signal) => {
        if (!ready)
          reject(
            new AppError('SERVER_PROCESS_FAILED', 500, `Server process ${slot} stopped while starting (${signal ?? `exit code ${code}`}).`),
          );
        this.exited(slot, worker, code, signal);
      });
    });
  }

  private exited(slot: number, worker: Worker, code: number | null, signal: string | null): void {
    const state = this.slots.get(slot);
    if (this.stopping || !this.started || state?.worker !== worker) return;
    state.crashes = Date.now() - state.startedAt >= STABLE_MS ? 1 : state.crashes + 1;
    const pid = worker.process.pid;
    if (state.crashes >= MAX_CRASHES_IN_A_ROW) {
      this.log.error({ worker: slot, pid, code, signal, crashes: state.crashes }, 'server process keeps crashing; stopping every process');
      process.stderr.write(`authsync: server process ${slot} crashed ${state.crashes} times in a row; stopping.\n`);
      void this.stop(1);
      return;
    }
    const delayMs = Math.min(RESTART_BASE_MS * 2 ** (state.crashes - 1), RESTART_MAX_MS);
    this.log.warn(
      { worker: slot, pid, code, signal, crashes: state.crashes, restartInMs: delayMs },
      'server process exited; restarting it',
    );
    state.timer = setTimeout(() => {
      if (this.stopping) return;
      this.fork(slot).then(
        () => this.log.info({ worker: slot, pid: this.slots.get(slot)?.worker.process.pid }, 'server process restarted'),
        () => undefined, // its exit is counted by exited()
      );
    }, delayMs);
  }

  /** Stops every process (SIGTERM, then SIGKILL after the timeout); then exits with `exitCode` unless it is null. */
  stop(exitCode: number | null): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of this.slots.values()) clearTimeout(s.timer);
      const live = [...this.slots.entries()].map(([slot, s]) => ({ slot, worker: s.worker })).filter((s) => !s.worker.isDead());
      const exits = live.map(
        (s) => new Promise<void>((resolve) => (s.worker.isDead() ? resolve() : s.worker.once('exit', () => resolve()))),
      );
      for (const s of live) s.worker.process.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(exits).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (timedOut)
        for (const s of live)
          if (!s.worker.isDead()) {
            this.log.error({ worker: s.slot, pid: s.worker.process.pid }, 'server process did not stop in time; killing it');
            s.worker.process.kill('SIGKILL');
          }
    })();
    return this.stopping.then(() => {
      if (exitCode !== null) process.exit(exitCode);
    });
  }
}
