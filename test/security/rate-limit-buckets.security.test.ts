/**
 * The token buckets behind every rate limit, on both databases: a take is atomic (concurrent takes never get more
 * than the bucket holds), the bucket refills continuously, a refusal takes nothing, a token given back never fills a
 * bucket past its capacity, and pruning deletes only full buckets.
 */
import { beforeAll, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/rate-limit/token-buckets.js';
import { describeOnEachStore } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeOnEachStore('token buckets on %s', (t) => {
  let buckets: TokenBuckets;
  beforeAll(async () => {
    buckets = new TokenBuckets(t.server.ctx.db);
  });

  it('hands out at most the capacity to 100 concurrent takes', async () => {
    const limit = { capacity: 5, windowSeconds: 60 };
    const takes = await Promise.all(Array.from({ length: 100 }, () => buckets.take('test:concurrent', limit)));
    expect(takes.filter((take) => take.allowed)).toHaveLength(5);
    const refused = takes.filter((take) => !take.allowed);
    // One token every 12 s: the wait is at most that (less for the refusals that came later).
    expect(refused.every((take) => take.retryAfterSeconds >= 1 && take.retryAfterSeconds <= 12)).toBe(true);
    expect(Math.max(...refused.map((take) => take.retryAfterSeconds))).toBe(12);
    expect(Math.max(...refused.map((take) => take.refusedInARow))).toBe(95);
  });

  it('refills continuously, a token per interval, and a refusal takes nothing', async () => {
    const limit = { capacity: 5, windowSeconds: 1 };
    for (let i = 0; i < 5; i++) expect((await buckets.take('test:refill', limit)).allowed).toBe(true);
    expect((await buckets.take('test:refill', limit)).allowed).toBe(false);
    // 5 per second: one token every 200 ms; 450 ms later two are back (three if the takes above were slow), not the
    // whole bucket, and the refusal above cost nothing.
    await sleep(450);
    let allowed = 0;
    for (let i = 0; i < 5; i++) if ((await buckets.take('test:refill', limit)).allowed) allowed++;
    expect(allowed).toBeGreaterThanOrEqual(2);
    expect(allowed).toBeLessThanOrEqual(3);
  });

  it('gives tokens back, never past the capacity', async () => {
    const limit = { capacity: 2, windowSeconds: 3600 };
    expect((await buckets.take('test:give-back', limit)).allowed).toBe(true);
    for (let i = 0; i < 5; i++) await buckets.giveBack('test:give-back', limit);
    const takes = [];
    for (let i = 0; i < 4; i++) takes.push((await buckets.take('test:give-back', limit)).allowed);
    expect(takes).toEqual([true, true, false, false]);
    // Refused with the time to the next token: 1800 s per token.
    const refused = await buckets.take('test:give-back', limit);
    expect(refused.retryAfterSeconds).toBeGreaterThan(1790);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(1800);
    expect((await buckets.peek('test:give-back', limit)).allowed).toBe(false);
    expect((await buckets.peek('test:never-taken', limit)).allowed).toBe(true);
  });

  it('prunes full buckets only', async () => {
    await buckets.take('test:full-soon', { capacity: 10, windowSeconds: 1 });
    await buckets.take('test:still-counting', { capacity: 10, windowSeconds: 3600 });
    await sleep(200);
    await buckets.prune();
    const { rows } = await t.server.ctx.db.query<{ bucket: string }>(
      "SELECT bucket FROM authsync.rate_limits WHERE bucket IN ('test:full-soon', 'test:still-counting')",
    );
    expect(rows.map((row) => row.bucket)).toEqual(['test:still-counting']);
  });
});
