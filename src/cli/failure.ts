/**
 * How a failed command ends. An error the user can act on (an AppError, a ZodError, a database that cannot be
 * reached) prints its message alone; anything else is a bug or an unexpected failure: it prints only that an
 * internal error happened, and the error goes to the log with its stack.
 */
import type { Logger } from 'pino';
import { connectionFailure } from '../db/connection-failure.js';
import { userMessage } from '../errors/user-message.js';

export interface FailureOutput {
  /** The line the user reads (stderr). */
  write(text: string): void;
  /** Where an unexpected error is logged with its stack. */
  log: Pick<Logger, 'error'>;
}

/** Reports `error` and returns the exit code. */
export function reportFailure(error: unknown, out: FailureOutput): number {
  const shown = userMessage(connectionFailure(error) ?? error);
  out.write(`authsync: ${shown.message}\n`);
  if (!shown.expected) out.log.error({ err: error }, 'unexpected error');
  return 1;
}
