/**
 * The one base of every error authsync means to raise: a stable `code`, the HTTP `status` it answers with, and a
 * `message` that is public (safe to show to whoever made the request or ran the command). The internal cause goes in
 * `cause`, never in the message. Anything thrown that is not an AppError is unexpected: each face logs it with its
 * stack and shows only that an internal error happened.
 *
 * The faces each have one mapper: `api/respond.ts` (Stack's JSON and text), `sql/neon-errors.ts` (Neon's JSON) and
 * `errors/user-message.ts` (the CLI and the dashboard).
 */
export interface AppErrorOptions {
  /** Structured facts a face may put on the wire (Stack's `details`, Neon's PostgreSQL fields). */
  details?: Record<string, unknown>;
  /** Seconds after which a refused request may be tried again (sent as `Retry-After`). */
  retryAfterSeconds?: number;
  /** What went wrong underneath, for logs only. */
  cause?: unknown;
}

export class AppError extends Error {
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Whether `error` is an AppError with this code: how a caller tells one expected failure from the others. */
export function hasCode(error: unknown, code: string): error is AppError {
  return error instanceof AppError && error.code === code;
}
