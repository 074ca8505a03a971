/** The refusal of a rate-limited request: 429, plain text, and `Retry-After` in whole seconds. */
import { TextError } from '../errors/known-errors.js';

/**
 * Plain text rather than a known error: the Stack SDK decodes only the codes it knows (an unknown one makes it throw
 * "update your SDK"), and it waits `Retry-After` and retries a 429 it does not decode.
 */
export class RateLimitedError extends TextError {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super(429, `Too many ${what}. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`);
    this.name = 'RateLimitedError';
  }
}
