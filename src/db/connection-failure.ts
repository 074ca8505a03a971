/**
 * A database that cannot be reached or refuses the login, as the one who configured it should read it. Only the
 * operator's faces use this (the CLI, the dashboard's resync report): the databases are theirs, so the address and
 * PostgreSQL's reason are theirs to see. (An API or /sql client gets an internal error instead, and the log the cause.)
 */
import { AppError } from '../errors/app-error.js';

/** Node's errors for a connection that could not be made. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** PostgreSQL's refusals of a connection: invalid authorization (class 28), no such database, too many connections. */
const REFUSAL_SQLSTATES = /^(28...|3D000|53300)$/;

/** The coded error for a failed connection, or undefined when `error` is something else. */
export function connectionFailure(error: unknown): AppError | undefined {
  if (!(error instanceof Error) || error instanceof AppError) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !(NETWORK_CODES.has(code) || REFUSAL_SQLSTATES.test(code))) return undefined;
  return new AppError('DATABASE_UNAVAILABLE', 503, `Cannot use the database: ${error.message}`, { cause: error });
}
