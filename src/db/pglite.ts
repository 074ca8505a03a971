/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly) persisted in a data directory.
 * One process at a time: the directory is locked while open, and a second opener gets a clear error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import lockfile from 'proper-lockfile';
import { AppError } from '../errors/app-error.js';
import { channelName, type Channel, type ChannelNames } from './channels.js';
import type { Database, QueryResult, Queryable, Row } from './database.js';

/** The PGlite instance behind a Database, for the /sql endpoint's embedded mode (which needs raw text results). */
const pgliteHandles = new WeakMap<Database, PGlite>();
export function pgliteHandle(db: Database): PGlite | undefined {
  return pgliteHandles.get(db);
}

/** How long a lock whose owner died without releasing it is kept before it counts as stale. */
const STALE_LOCK_MS = 5_000;

/**
 * Opens (and locks) the data directory. `channels` names the internal NOTIFY channels (see channels.ts). PGlite is
 * one session, which /sql shares, so there an end user can read them (`pg_listening_channels()`): the embedded
 * database's /sql is for development and not a security boundary (see sql/execute-pglite.ts).
 */
export async function openPglite(dataDir: string, options: { channels?: ChannelNames } = {}): Promise<Database> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const release = await lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(path.join(dataDir, 'pgdata'), { extensions: { pgcrypto } });
  } catch (error) {
    await release();
    throw error;
  }
  const run = async <T>(q: Pick<PGlite, 'query'>, text: string, params?: readonly unknown[]): Promise<QueryResult<T>> => {
    const result = await q.query<T>(text, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
  };
  const notify = (q: Pick<PGlite, 'query'>) => async (channel: Channel, payload: string) => {
    await q.query('SELECT pg_notify($1, $2)', [channelName(options.channels, channel), payload]);
  };
  const database: Database = {
    kind: 'pglite',
    query: <T = Row>(text: string, params?: readonly unknown[]) => run<T>(db, text, params),
    exec: async (script: string) => {
      await db.exec(script);
    },
    notify: notify(db),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      db.transaction((tx) =>
        fn({
          query: <R = Row>(text: string, params?: readonly unknown[]) => run<R>(tx, text, params),
          exec: async (script: string) => {
            await tx.exec(script);
          },
          notify: notify(tx),
        }),
      ),
    async listen(channel, onNotify) {
      const unlisten = await db.listen(channelName(options.channels, channel), onNotify);
      return async () => unlisten();
    },
    async close() {
      try {
        await db.close();
      } finally {
        await release();
      }
    },
  };
  pgliteHandles.set(database, db);
  return database;
}

/** Takes the data directory's lock, or explains who holds it. */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dataDir, 'authsync.lock');
  const pidPath = path.join(dataDir, 'authsync.pid');
  const options = { lockfilePath: lockPath, stale: STALE_LOCK_MS, realpath: false };
  try {
    const release = await lockfile.lock(dataDir, {
      ...options,
      // A holder that died (SIGKILL) leaves its lock behind; it turns stale after STALE_LOCK_MS, so wait that long
      // for it, but only when the recorded holder is gone.
      retries: holderIsAlive(pidPath) ? 0 : { retries: 8, minTimeout: 250, maxTimeout: 1_000, factor: 1.5 },
    });
    fs.writeFileSync(pidPath, String(process.pid));
    return async () => {
      fs.rmSync(pidPath, { force: true });
      await release().catch(() => undefined);
    };
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    const pid = readPid(pidPath);
    throw new AppError(
      'DATA_DIR_LOCKED',
      409,
      `The data directory ${dataDir} is in use by another authsync process${pid ? ` (pid ${pid})` : ''}. ` +
        'PGlite allows one process per directory: stop that process, use another --data-dir, or point both at a PostgreSQL server with --database-url.',
    );
  }
}

function readPid(pidPath: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidPath, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function holderIsAlive(pidPath: string): boolean {
  const pid = readPid(pidPath);
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
