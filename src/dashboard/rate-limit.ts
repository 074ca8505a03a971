/**
 * A mild limit on failed sign-in attempts, per client address, in memory: enough to make guessing a
 * 240-bit secret pointless noise in the logs rather than a load on the server. Successful sign-ins do not count.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    /** Failures allowed per window. @default 10 */
    private readonly limit = 10,
    /** @default 60000 (one minute) */
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const recent = this.recent(key, now);
    if (recent.length < this.limit) return 0;
    return Math.ceil((recent[0]! + this.windowMs - now) / 1000);
  }

  fail(key: string, now = Date.now()): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
    if (this.failures.size > 10_000) this.prune(now);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - this.windowMs);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) if (times.every((at) => at <= now - this.windowMs)) this.failures.delete(key);
  }
}
