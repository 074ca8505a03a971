/**
 * Token buckets in the server's database (`authsync.rate_limits`, see its migration), so that a limit holds across
 * every server sharing the database. A bucket is stored as the moment it is full again; taking a token is one
 * atomic statement, so 300 concurrent attempts on one bucket get at most its capacity, whichever servers they hit.
 */
import type { RateLimit } from '../config/index.js';
import type { Queryable } from '../db/database.js';

export interface Take {
  allowed: boolean;
  /** When refused: whole seconds until the bucket has a token again (at least 1). 0 when allowed. */
  retryAfterSeconds: number;
  /** Refusals in a row on this bucket, this one included (0 when allowed): 1 marks the start of a refused burst. */
  refusedInARow: number;
}

/** Seconds one token is worth: the bucket refills `capacity` tokens per window. */
const tokenSeconds = (limit: RateLimit) => limit.windowSeconds / limit.capacity;

// $1 bucket, $2 seconds per token, $3 window seconds. Allowed when, after taking, the bucket would still be full
// again within one window: max(full_at, now) + token <= now + window.
const TAKE_SQL = `
INSERT INTO authsync.rate_limits AS b (bucket, full_at) VALUES ($1, now() + $2::float8 * interval '1 second')
ON CONFLICT (bucket) DO UPDATE SET
  full_at = CASE WHEN b.full_at <= now() + ($3::float8 - $2::float8) * interval '1 second'
            THEN GREATEST(b.full_at, now()) + $2::float8 * interval '1 second' ELSE b.full_at END,
  refused = CASE WHEN b.full_at <= now() + ($3::float8 - $2::float8) * interval '1 second' THEN 0 ELSE LEAST(b.refused, 1000000000) + 1 END
RETURNING refused, extract(epoch FROM full_at - now())::float8 - ($3::float8 - $2::float8) AS wait`;

const HAS_TOKEN_SQL = `
SELECT extract(epoch FROM full_at - now())::float8 - ($3::float8 - $2::float8) AS wait
FROM authsync.rate_limits WHERE bucket = $1`;

/** Buckets whose full_at has passed are pruned at most this often, by whichever server takes a token then. */
const PRUNE_EVERY_MS = 5 * 60_000;

export class TokenBuckets {
  private lastPrune = Date.now();

  constructor(
    private readonly db: Queryable,
    private readonly onPruneError: (error: unknown) => void = () => undefined,
  ) {}

  /** Takes one token from `bucket` if it has one; a refusal takes nothing. */
  async take(bucket: string, limit: RateLimit): Promise<Take> {
    this.pruneSometimes();
    const { rows } = await this.db.query<{ refused: number; wait: number }>(TAKE_SQL, [bucket, tokenSeconds(limit), limit.windowSeconds]);
    const { refused, wait } = rows[0]!;
    return refused === 0
      ? { allowed: true, retryAfterSeconds: 0, refusedInARow: 0 }
      : { allowed: false, retryAfterSeconds: wholeSeconds(wait), refusedInARow: refused };
  }

  /** Whether `bucket` has a token now, without taking it (for limits that count failures only). */
  async peek(bucket: string, limit: RateLimit): Promise<Take> {
    const { rows } = await this.db.query<{ wait: number }>(HAS_TOKEN_SQL, [bucket, tokenSeconds(limit), limit.windowSeconds]);
    const wait = rows[0]?.wait ?? 0;
    return wait <= 0
      ? { allowed: true, retryAfterSeconds: 0, refusedInARow: 0 }
      : { allowed: false, retryAfterSeconds: wholeSeconds(wait), refusedInARow: 1 };
  }

  /** Returns a token taken earlier (an attempt that should not count after all). Never fills a bucket past capacity. */
  async giveBack(bucket: string, limit: RateLimit): Promise<void> {
    await this.db.query("UPDATE authsync.rate_limits SET full_at = full_at - $2::float8 * interval '1 second' WHERE bucket = $1", [
      bucket,
      tokenSeconds(limit),
    ]);
  }

  /** Deletes the buckets that are full (a missing row is a full bucket). Returns how many. */
  async prune(): Promise<number> {
    this.lastPrune = Date.now();
    const { rowCount } = await this.db.query('DELETE FROM authsync.rate_limits WHERE full_at <= now()');
    return rowCount;
  }

  private pruneSometimes(): void {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.prune().catch(this.onPruneError);
  }
}

/** Retry-After is whole seconds; round up, so a client that waits that long finds a token. */
function wholeSeconds(wait: number): number {
  return Math.max(1, Math.ceil(wait - 1e-6));
}
