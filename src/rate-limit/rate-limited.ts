/** The refusal of a rate-limited request: 429, plain text, and `Retry-After` in whole seconds. */
import { TextError } from '../errors/known-errors.js';

export const RATE_LIMITED = 'RATE_LIMITED';

/**
 * Plain text rather than a known error: the Stack SDK decodes only the codes it knows (an unknown one makes it throw
 * "update your SDK"), and it waits `Retry-After` and retries a 429 it does not decode. /sql answers the same code in
 * Neon's shape, with the same status and header.
 */
export function rateLimited(retryAfterSeconds: number, what: string): TextError {
  return new TextError(
    RATE_LIMITED,
    429,
    `Too many ${what}. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
    { retryAfterSeconds },
  );
}
