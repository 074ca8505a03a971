/**
 * The one database interface the rest of authsync uses. Two implementations:
 * `postgres.ts` (node-postgres pool, production) and `pglite.ts` (embedded, the default).
 */
import type { Channel } from './channels.js';

export type Row = Record<string, unknown>;

export interface QueryResult<T> {
  rows: T[];
  /** Rows returned or affected. */
  rowCount: number;
}

export interface Queryable {
  /** One statement, with `$n` parameters. */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** A script of several statements, without parameters (migrations, installers). */
  exec(script: string): Promise<void>;
  /**
   * NOTIFY on one of authsync's internal channels (see channels.ts: the name comes from the server secret, never from
   * the caller). Inside a transaction, delivered at commit. Throws on a handle opened without channel names.
   */
  notify(channel: Channel, payload: string): Promise<void>;
}

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to NOTIFY on one of authsync's internal channels. Resolves to an unsubscribe function. After a lost
   * listening connection is re-established, handlers are called once with `RESYNC`: notifications may have been missed.
   */
  listen(channel: Channel, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The payload handlers receive when notifications may have been missed. */
export const RESYNC = '\u0000resync';

/** Runs `fn` in a transaction unless `db` already is one (a plain Queryable). */
export async function inTransaction<T>(db: Database | Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return isDatabase(db) ? db.transaction(fn) : fn(db);
}

function isDatabase(db: Database | Queryable): db is Database {
  return typeof (db as Database).transaction === 'function';
}

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes an SQL string literal (standard_conforming_strings on). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
