/**
 * Requests in flight per end user (project and token `sub`): one user, and anyone can be one through an anonymous
 * sign-up, cannot take every connection of a database with slow queries while others wait. Counted from the token's
 * verification to the answer, pool wait included.
 */
import { tooManyUserRequests } from './neon-errors.js';

export class InFlightLimit {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes one of `key`'s slots, or throws a 429 when all are taken. Call the returned function once the request ends. */
  enter(key: string): () => void {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.max) throw tooManyUserRequests(this.max);
    this.counts.set(key, count + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const now = (this.counts.get(key) ?? 1) - 1;
      if (now > 0) this.counts.set(key, now);
      else this.counts.delete(key);
    };
  }
}
