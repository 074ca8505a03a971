/** PostgreSQL through a node-postgres pool. */
import pg from 'pg';
import { channelName, type Channel, type ChannelNames } from './channels.js';
import { RESYNC, type Database, type QueryResult, type Queryable, type Row } from './database.js';

export interface PostgresOptions {
  /** Largest number of pooled connections. @default 10 */
  max?: number;
  applicationName?: string;
  /** Give up connecting after this long (0: wait as long as the OS does). @default 0 */
  connectionTimeoutMillis?: number;
  /** The internal NOTIFY channels' names (server's own database only; see channels.ts). */
  channels?: ChannelNames;
}

export function openPostgres(connectionString: string, options: PostgresOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'authsync',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 0,
    types: { getTypeParser: typeParser },
  });
  // An idle client that loses its connection emits 'error' on the pool; without a handler it would crash the process.
  pool.on('error', () => undefined);
  const listener = new Listener(connectionString, options.applicationName ?? 'authsync');
  const notify = (q: pg.Pool | pg.PoolClient) => async (channel: Channel, payload: string) => {
    await q.query('SELECT pg_notify($1, $2)', [channelName(options.channels, channel), payload]);
  };

  return {
    kind: 'postgres',
    query: <T = Row>(text: string, params?: readonly unknown[]) => runQuery<T>(pool, text, params),
    exec: async (script: string) => {
      await pool.query(script);
    },
    notify: notify(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let failed: unknown;
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: <R = Row>(text: string, params?: readonly unknown[]) => runQuery<R>(client, text, params),
          exec: async (script: string) => {
            await client.query(script);
          },
          notify: notify(client),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        failed = error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
        client.release(failed instanceof Error && !isQueryError(failed) ? failed : undefined);
      }
    },
    listen: (channel, onNotify) => listener.listen(channelName(options.channels, channel), onNotify),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/** int8 (counts, versions) as JS numbers, as PGlite returns them; everything else as node-postgres does. */
const typeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8
    ? (value: string) => Number(value)
    : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser;

async function runQuery<T>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
  const result = await client.query(text, params as unknown[] | undefined);
  return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
}

function isQueryError(error: Error): boolean {
  return typeof (error as { code?: unknown }).code === 'string' && (error as { severity?: unknown }).severity !== undefined;
}

/** One dedicated connection for LISTEN, shared by all channels, reconnecting with backoff. */
class Listener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private wasConnected = false;
  private retryMs = 100;

  constructor(
    private readonly connectionString: string,
    private readonly applicationName: string,
  ) {}

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    const isNew = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(onNotify);
    const client = await this.connect();
    if (isNew) await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    return async () => {
      set.delete(onNotify);
      if (set.size === 0) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN "${channel.replace(/"/g, '""')}"`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, application_name: `${this.applicationName}-listen` });
      client.on('notification', (msg) => {
        for (const handler of this.handlers.get(msg.channel) ?? []) handler(msg.payload ?? '');
      });
      client.on('error', () => this.lost(client));
      client.on('end', () => this.lost(client));
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      const reconnected = this.wasConnected;
      this.client = client;
      this.wasConnected = true;
      this.retryMs = 100;
      // Notifications sent while the connection was down are gone: tell every handler to re-read its state.
      if (reconnected) for (const set of this.handlers.values()) for (const handler of set) handler(RESYNC);
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
    setTimeout(() => {
      if (!this.closed && this.handlers.size > 0) this.connect().catch(() => this.scheduleReconnect());
    }, delay).unref();
  }
}
