/**
 * Errors of the /sql endpoint in Neon's JSON shape: 17 keys, always present, in Neon's order. Postgres errors keep
 * their fields; errors of the endpoint itself have `code` and `severity` "" and the rest null. The driver parses
 * JSON only on status 400, so everything a client should see as a NeonDbError with fields is a 400. Limits answer
 * with other statuses and the same body: 507 (response too large, as Neon), 429 (too many requests of one user in
 * flight), 503 (no database connection came free in time).
 */
import { TokenRejectedError } from '../rls/verify-token.js';

export type NeonErrorBody = Record<(typeof FIELDS)[number], string | null>;

const FIELDS = [
  'message',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'severity',
  'where',
  'table',
  'column',
  'schema',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

export class SqlHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A Postgres error's fields, when the error came from the database. */
    readonly fields?: Partial<Record<(typeof FIELDS)[number], unknown>>,
    /** Seconds after which a refused request may be tried again (sent as `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  body(): NeonErrorBody {
    const body = {} as NeonErrorBody;
    for (const key of FIELDS) {
      const value = key === 'message' ? this.message : this.fields?.[key];
      body[key] = value === undefined || value === null ? (key === 'code' || key === 'severity' ? '' : null) : String(value);
    }
    return body;
  }
}

/** An error of the identity side (src/rls) as /sql answers it: a refused token is a 400 with its message. */
export function fromRlsError(error: unknown): unknown {
  return error instanceof TokenRejectedError ? badRequest(error.message) : error;
}

/** A user-visible failure of the request (bad header, bad token, …): 400 with code "". */
export function badRequest(message: string): SqlHttpError {
  return new SqlHttpError(400, message);
}

/** A Postgres error as node-postgres reports it. */
export interface PgErrorLike {
  message: string;
  code?: string;
  severity?: string;
}

export function isPgError(error: unknown): error is PgErrorLike & Record<string, unknown> {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as unknown as { code: string }).code)
  );
}

/** A Postgres error raised by a client's query: 400 with every field. */
export function fromPgError(error: PgErrorLike & Record<string, unknown>, status = 400): SqlHttpError {
  return new SqlHttpError(status, error.message, error);
}

/**
 * A request cut off by authsync's own deadline (the role's statement timeout plus one second, whatever the request's
 * SQL set): PostgreSQL's own error for a statement timeout, so clients handle both alike.
 */
export function requestDeadlineExceeded(): SqlHttpError {
  return new SqlHttpError(400, 'canceling statement due to statement timeout', { code: '57014', severity: 'ERROR' });
}

/** No connection to the database came free in time (the per-database cap is reached): 503, worth a retry later. */
export function poolWaitTimeout(waitedMs: number, maxConnections: number): SqlHttpError {
  return new SqlHttpError(
    503,
    `timed out after ${waitedMs} ms waiting for a database connection: all ${maxConnections} connections to this database are busy; retry later`,
  );
}

/** Too many requests of one end user in flight at once: 429. */
export function tooManyUserRequests(max: number): SqlHttpError {
  return new SqlHttpError(429, `too many concurrent requests for this user (max is ${max}); retry when one has finished`);
}
