/**
 * Connection pools for /sql, one per (database, role[, password]). A connection goes back to its pool only after
 * the session reset has run on it; after an error, a cancellation or a failed reset it is closed instead. One cap
 * holds for all the pools of a database together (AUTHSYNC_SQL_MAX_CONNECTIONS_PER_DATABASE), so end users cannot
 * take every connection slot of the cluster; a request waits for a slot at most AUTHSYNC_SQL_POOL_WAIT_TIMEOUT.
 * End-user connections are never shared with password sessions: the key includes the role. The reset is usually
 * already on the wire, written behind the request's query in the same packet (see SqlService), so releasing a
 * connection costs no round trip of its own. End-user connections reset with the kit's function instead
 * (RESET_END_USER_SQL in rls/role-connection.ts).
 */
import type { RoleConnection } from '../rls/role-connection.js';
import { abortConnection } from './cancel.js';
import { poolWaitTimeout } from './neon-errors.js';

/**
 * The session reset: Neon's reset sequence (ROLLBACK; CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL;
 * DEALLOCATE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES) in one string, but
 * without the ROLLBACK, which writes "there is no transaction in progress" to the server log at every request: a
 * transaction left open is rolled back only when there is one (see resetSession). Unlike DISCARD ALL, it keeps the
 * session's cached plans, which hold nothing of the request's and would otherwise be planned again at every request.
 */
export const RESET_SESSION_SQL =
  'CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES';

/**
 * Resets a connection's session with its reset statement. `sent` is that statement already written behind the
 * request's statement, if any. When the request left a transaction open (`BEGIN` sent alone, or a failed one), the reset ran inside it or was
 * refused; the transaction is then rolled back and the reset run again. Rejects unless the session ends up idle.
 */
export async function resetSession({ client, resetSql: sql }: RoleConnection, sent?: Promise<unknown>): Promise<void> {
  let refused = false;
  try {
    await (sent ?? client.query(sql));
  } catch (error) {
    if ((error as { code?: string }).code !== '25P02') throw error;
    refused = true;
  }
  if (!refused && client.getTransactionStatus() === 'I') return;
  await client.query('ROLLBACK');
  await client.query(sql);
  if (client.getTransactionStatus() !== 'I') throw new Error('the session is still in a transaction after its reset');
}

const IDLE_TIMEOUT_MS = 5 * 60_000;

export interface PoolOptions {
  /** Most connections per database, all its pools (roles, password sessions) together. @default 20 */
  maxPerDatabase?: number;
  /** How long acquire() waits for a connection before it is refused (poolWaitTimeout), milliseconds. @default 5000 */
  waitMs?: number;
}

interface Waiter {
  pool: Pool;
  resolve: (conn: RoleConnection) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/** One database's share: its connections open or opening (all pools), and the requests waiting, first come first served. */
interface DatabaseSlots {
  size: number;
  waiters: Waiter[];
  pools: Set<Pool>;
}

interface Pool {
  db: DatabaseSlots;
  idle: { conn: RoleConnection; timer: NodeJS.Timeout }[];
  open: () => Promise<RoleConnection>;
  onClose: (conn: RoleConnection) => void;
}

export class ConnectionPools {
  private readonly pools = new Map<string, Pool>();
  private readonly databases = new Map<string, DatabaseSlots>();
  private closed = false;
  private readonly max: number;
  private readonly waitMs: number;

  constructor(options: PoolOptions = {}) {
    this.max = options.maxPerDatabase ?? 20;
    this.waitMs = options.waitMs ?? 5000;
  }

  /**
   * A connection of pool `key` (a role or password session of database `dbKey`): an idle one, a new one while the
   * database is under its cap (closing an idle connection of another of its pools if need be), or the next one
   * released, waiting at most the pool wait.
   */
  async acquire(
    key: string,
    dbKey: string,
    open: () => Promise<RoleConnection>,
    onClose: (conn: RoleConnection) => void = () => undefined,
  ): Promise<RoleConnection> {
    if (this.closed) throw new Error('authsync is shutting down');
    const pool = this.poolFor(key, dbKey, open, onClose);
    const idle = pool.idle.pop();
    if (idle) {
      clearTimeout(idle.timer);
      return idle.conn;
    }
    if (pool.db.size < this.max || this.evictIdle(pool.db)) return this.grow(pool);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pool,
        resolve,
        reject,
        timer: setTimeout(() => {
          pool.db.waiters = pool.db.waiters.filter((w) => w !== waiter);
          reject(poolWaitTimeout(this.waitMs, this.max));
        }, this.waitMs),
      };
      pool.db.waiters.push(waiter);
    });
  }

  /** Connections open or opening to a database (all its pools). */
  connections(dbKey: string): number {
    return this.databases.get(dbKey)?.size ?? 0;
  }

  /**
   * Returns a connection: reset and pooled when `healthy`, closed otherwise. Does not wait for the reset. `reset` is
   * the reset under way on the connection, if any; otherwise it is reset now.
   */
  release(key: string, conn: RoleConnection, healthy: boolean, reset?: Promise<unknown>): void {
    const pool = this.pools.get(key);
    if (!pool) return void this.destroy(conn);
    if (!healthy || this.closed) return this.drop(pool, conn);
    (reset ?? resetSession(conn)).then(
      () => (this.closed ? this.drop(pool, conn) : this.putBack(pool, conn)),
      () => this.drop(pool, conn),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const all: Promise<void>[] = [];
    for (const pool of this.pools.values()) {
      for (const { conn, timer } of pool.idle.splice(0)) {
        clearTimeout(timer);
        pool.onClose(conn);
        all.push(this.destroy(conn));
      }
    }
    for (const db of this.databases.values()) {
      for (const waiter of db.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error('authsync is shutting down'));
      }
    }
    await Promise.all(all);
  }

  private poolFor(key: string, dbKey: string, open: () => Promise<RoleConnection>, onClose: (conn: RoleConnection) => void): Pool {
    let pool = this.pools.get(key);
    if (pool) return pool;
    let db = this.databases.get(dbKey);
    if (!db) {
      db = { size: 0, waiters: [], pools: new Set() };
      this.databases.set(dbKey, db);
    }
    pool = { db, idle: [], open, onClose };
    db.pools.add(pool);
    this.pools.set(key, pool);
    return pool;
  }

  /** Closes an idle connection of another of the database's pools (its oldest), if any, to make room for this pool's. */
  private evictIdle(db: DatabaseSlots): boolean {
    for (const other of db.pools) {
      const entry = other.idle.shift();
      if (!entry) continue;
      clearTimeout(entry.timer);
      db.size -= 1;
      other.onClose(entry.conn);
      void this.destroy(entry.conn);
      return true;
    }
    return false;
  }

  private async grow(pool: Pool): Promise<RoleConnection> {
    pool.db.size += 1;
    try {
      return await pool.open();
    } catch (error) {
      pool.db.size -= 1;
      this.serveWaiter(pool.db);
      throw error;
    }
  }

  /** A connection came back healthy: to the first waiter of its database if it is for this pool, else to the pool. */
  private putBack(pool: Pool, conn: RoleConnection): void {
    const waiter = pool.db.waiters[0];
    if (waiter && waiter.pool !== pool) return this.drop(pool, conn);
    if (waiter) {
      pool.db.waiters.shift();
      clearTimeout(waiter.timer);
      return waiter.resolve(conn);
    }
    const timer = setTimeout(() => {
      pool.idle = pool.idle.filter((entry) => entry.conn !== conn);
      this.drop(pool, conn);
    }, IDLE_TIMEOUT_MS);
    timer.unref();
    pool.idle.push({ conn, timer });
  }

  private drop(pool: Pool, conn: RoleConnection): void {
    pool.db.size -= 1;
    pool.onClose(conn);
    void this.destroy(conn);
    this.serveWaiter(pool.db);
  }

  /** A slot came free: the database's first waiter gets a new connection of its pool. */
  private serveWaiter(db: DatabaseSlots): void {
    if (db.size >= this.max) return;
    const waiter = db.waiters.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.grow(waiter.pool).then(waiter.resolve, waiter.reject);
  }

  /**
   * Closes a connection: politely when it is idle, at once when queries are still under way on it (a pipelined
   * client's end() would wait for them to finish).
   */
  private async destroy(conn: RoleConnection): Promise<void> {
    if (busy(conn.client)) abortConnection(conn.client);
    await conn.client.end().catch(() => undefined);
  }
}

function busy(client: RoleConnection['client']): boolean {
  const state = client as unknown as { _activeQuery?: unknown; _sentQueryQueue?: unknown[]; _queryQueue?: unknown[] };
  return Boolean(state._activeQuery) || (state._sentQueryQueue?.length ?? 0) > 0 || (state._queryQueue?.length ?? 0) > 0;
}
