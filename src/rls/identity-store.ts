/**
 * The identities of one database: each verified token's payload is recorded once in `authsync_rls.identities`, over
 * the privileged connection, and every request that carries the token installs it by id on its end-user connection
 * (`authsync_rls.use_identity`, in the same packet as the request's SQL). Tokens seen for the first time while a
 * write is in flight wait and go out together in the next one; concurrent requests with the same new token share
 * its write.
 *
 * A row outlives its use here: an id is used until its token's `exp` plus the verification leeway, and the row is
 * deleted (by a later add_identities) only ROW_MARGIN_S after that. A token without `exp` is used for a day.
 */
import type { Queryable } from '../db/database.js';

/** How long after its last possible use a row is kept, so a request that took an id never finds its row gone. */
const ROW_MARGIN_S = 600;
/** Tokens used by verification after `exp` (see verify-token.ts). */
const LEEWAY_S = 30;
/** How long an identity without `exp` is used. */
const NO_EXP_LIFETIME_S = 24 * 3600;
/** Most tokens remembered per database; beyond, the least recently recorded is forgotten (its next use writes a new row). */
const MAX_REMEMBERED = 10_000;
/** Most identities per statement; the rest wait for the next one. */
const MAX_BATCH = 256;

interface Known {
  id: string;
  /** Epoch ms after which the id is not used any more. */
  until: number;
}

interface Waiting {
  claims: Record<string, unknown>;
  until: number;
  waiters: { resolve: (id: string) => void; reject: (error: unknown) => void }[];
}

export class IdentityStore {
  private readonly known = new Map<string, Known>();
  private pending = new Map<string, Waiting>();
  private inFlight = false;

  constructor(private readonly privileged: Queryable) {}

  /**
   * The id of the identity for `claims` (a verified payload), recorded under `key` (the token). Synchronous when
   * the token was seen before.
   */
  idFor(key: string, claims: Record<string, unknown>): string | Promise<string> {
    const hit = this.known.get(key);
    if (hit && hit.until > Date.now()) return hit.id;
    if (hit) this.known.delete(key);
    return new Promise<string>((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) return void waiting.waiters.push({ resolve, reject });
      const exp = typeof claims.exp === 'number' ? claims.exp + LEEWAY_S : Date.now() / 1000 + NO_EXP_LIFETIME_S;
      this.pending.set(key, { claims, until: exp * 1000, waiters: [{ resolve, reject }] });
      if (!this.inFlight) this.flush();
    });
  }

  /** Forgets the id recorded for `key`: its row is gone (crash recovery empties unlogged tables), so the next use records it again. */
  forget(key: string): void {
    this.known.delete(key);
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    const batch: [string, Waiting][] = [];
    for (const entry of this.pending) {
      if (batch.length === MAX_BATCH) break;
      batch.push(entry);
    }
    for (const [key] of batch) this.pending.delete(key);
    this.inFlight = true;
    const entries = JSON.stringify(batch.map(([, { claims, until }]) => ({ claims, expires: until / 1000 + ROW_MARGIN_S })));
    this.privileged
      .query<{ id: string }>('SELECT authsync_rls.add_identities($1::jsonb) AS id', [entries])
      .then(({ rows }) => {
        if (rows.length !== batch.length) throw new Error(`add_identities returned ${rows.length} ids for ${batch.length} identities`);
        batch.forEach(([key, { until, waiters }], i) => {
          const id = String(rows[i]!.id);
          if (this.known.size >= MAX_REMEMBERED) this.known.delete(this.known.keys().next().value!);
          this.known.set(key, { id, until });
          for (const waiter of waiters) waiter.resolve(id);
        });
      })
      .catch((error: unknown) => {
        for (const [, { waiters }] of batch) for (const waiter of waiters) waiter.reject(error);
      })
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }
}
