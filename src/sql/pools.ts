/**
 * Connection pools for /sql, one per (database, role[, password]). A connection goes back to its pool only after
 * the session reset has run on it; after an error, a cancellation or a failed reset it is closed instead.
 * End-user connections are never shared with password sessions: the key includes the role. The reset is usually
 * already on the wire, written behind the request's query in the same packet (see SqlService), so releasing a
 * connection costs no round trip of its own.
 */
import type { RoleConnection } from '../rls/role-connection.js';

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
 * The same reset on end-user connections (RoleConnection.resetSql), as the kit's function (kit version 6): one result
 * to read instead of eight. Its DISCARD SEQUENCES also forgets the request's identity. Password sessions, where the
 * kit may be absent, use the string.
 */
export const RESET_END_USER_SQL = 'SELECT authsync_rls.reset_session()';

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
  /** Most connections per key. @default 20 */
  max?: number;
}

interface Pool {
  idle: { conn: RoleConnection; timer: NodeJS.Timeout }[];
  size: number;
  waiters: { resolve: (conn: RoleConnection) => void; reject: (error: unknown) => void }[];
  open: () => Promise<RoleConnection>;
  onClose: (conn: RoleConnection) => void;
}

export class ConnectionPools {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly options: PoolOptions = {}) {}

  async acquire(key: string, open: () => Promise<RoleConnection>, onClose: (conn: RoleConnection) => void = () => undefined): Promise<RoleConnection> {
    if (this.closed) throw new Error('authsync is shutting down');
    let pool = this.pools.get(key);
    if (!pool) {
      pool = { idle: [], size: 0, waiters: [], open, onClose };
      this.pools.set(key, pool);
    }
    const idle = pool.idle.pop();
    if (idle) {
      clearTimeout(idle.timer);
      return idle.conn;
    }
    if (pool.size < (this.options.max ?? 20)) return this.grow(pool);
    return new Promise((resolve, reject) => pool.waiters.push({ resolve, reject }));
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
      for (const waiter of pool.waiters.splice(0)) waiter.reject(new Error('authsync is shutting down'));
    }
    await Promise.all(all);
  }

  private async grow(pool: Pool): Promise<RoleConnection> {
    pool.size += 1;
    try {
      return await pool.open();
    } catch (error) {
      pool.size -= 1;
      this.serveWaiter(pool);
      throw error;
    }
  }

  private putBack(pool: Pool, conn: RoleConnection): void {
    const waiter = pool.waiters.shift();
    if (waiter) return waiter.resolve(conn);
    const timer = setTimeout(() => {
      pool.idle = pool.idle.filter((entry) => entry.conn !== conn);
      this.drop(pool, conn);
    }, IDLE_TIMEOUT_MS);
    timer.unref();
    pool.idle.push({ conn, timer });
  }

  private drop(pool: Pool, conn: RoleConnection): void {
    pool.size -= 1;
    pool.onClose(conn);
    void this.destroy(conn);
    this.serveWaiter(pool);
  }

  private serveWaiter(pool: Pool): void {
    const waiter = pool.waiters.shift();
    if (waiter) this.grow(pool).then(waiter.resolve, waiter.reject);
  }

  private async destroy(conn: RoleConnection): Promise<void> {
    await conn.client.end().catch(() => undefined);
  }
}
