/**
 * Errors of the /sql endpoint in Neon's JSON shape: 17 keys, always present, in Neon's order. Postgres errors keep
 * their fields; errors of the endpoint itself have `code` and `severity` "" and the rest null. The driver parses
 * JSON only on status 400, so everything a client should see as a NeonDbError with fields is a 400. Limits answer
 * with other statuses and the same body: 507 (response too large, as Neon), 429 (too many requests of one user in
 * flight), 503 (no database connection came free in time).
 */
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.js';

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

/** The codes of /sql's own errors (AppError codes, never on the wire: Neon's `code` is a SQLSTATE or ""). */
export const SQL_BAD_REQUEST = 'SQL_BAD_REQUEST';
export const SQL_POSTGRES_ERROR = 'SQL_POSTGRES_ERROR';
export const SQL_QUERY_CANCELLED = 'SQL_QUERY_CANCELLED';

export interface NeonErrorReply {
  status: number;
  /** The JSON text of the body. */
  body: string;
  /** `Retry-After`, when the refusal says when to try again. */
  headers: Record<string, string>;
}

/**
 * Any thrown value → the answer of /sql: the Neon face's one error mapper. An AppError keeps its status and public
 * message, with the PostgreSQL fields its `details` carry; anything else is logged with its stack and answered
 * 500 "internal error".
 */
export function neonErrorReply(error: unknown, log: Pick<Logger, 'error'>): NeonErrorReply {
  if (!(error instanceof AppError)) {
    log.error({ err: error }, '/sql failed');
    return { status: 500, body: JSON.stringify(neonBody('internal error')), headers: {} };
  }
  // Cancellation answers with Neon's two-key body.
  const body = error.code === SQL_QUERY_CANCELLED ? { message: error.message, code: '08P01' } : neonBody(error.message, error.details);
  const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  return { status: error.status, body: JSON.stringify(body), headers };
}

function neonBody(message: string, fields?: Record<string, unknown>): NeonErrorBody {
  const body = {} as NeonErrorBody;
  for (const key of FIELDS) {
    const value = key === 'message' ? message : fields?.[key];
    body[key] = value === undefined || value === null ? (key === 'code' || key === 'severity' ? '' : null) : String(value);
  }
  return body;
}

/** A user-visible failure of the request (bad header, bad token, …): 400 with code "". */
export function badRequest(message: string): AppError {
  return new AppError(SQL_BAD_REQUEST, 400, message);
}

/** An error of /sql's own, with a status of its own and Neon's body (code "", the other fields null). */
export function sqlError(code: string, status: number, message: string, retryAfterSeconds?: number): AppError {
  return new AppError(code, status, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
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
export function fromPgError(error: PgErrorLike & Record<string, unknown>, status = 400): AppError {
  return new AppError(SQL_POSTGRES_ERROR, status, error.message, { details: error, cause: error });
}

/**
 * A request cut off by authsync's own deadline (the role's statement timeout plus one second, whatever the request's
 * SQL set): PostgreSQL's own error for a statement timeout, so clients handle both alike.
 */
export function requestDeadlineExceeded(): AppError {
  return new AppError('SQL_REQUEST_DEADLINE', 400, 'canceling statement due to statement timeout', {
    details: { code: '57014', severity: 'ERROR' },
  });
}

/** The client went away or cancelled: Neon's two-key body with code 08P01. */
export function queryCancelled(): AppError {
  return new AppError(SQL_QUERY_CANCELLED, 400, 'Query cancelled, connection was terminated');
}

/** No connection to the database came free in time (the per-database cap is reached): 503, worth a retry later. */
export function poolWaitTimeout(waitedMs: number, maxConnections: number): AppError {
  return sqlError(
    'SQL_POOL_WAIT_TIMEOUT',
    503,
    `timed out after ${waitedMs} ms waiting for a database connection: all ${maxConnections} connections to this database are busy; retry later`,
  );
}

/** Too many requests of one end user in flight at once: 429. */
export function tooManyUserRequests(max: number): AppError {
  return sqlError(
    'SQL_TOO_MANY_USER_REQUESTS',
    429,
    `too many concurrent requests for this user (max is ${max}); retry when one has finished`,
  );
}
