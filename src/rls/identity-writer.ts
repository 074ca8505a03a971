/**
 * Sets and clears the identity of end-user backends over the database's privileged connection
 * (`authsync_rls.set_identities`), batching concurrent requests: while one statement is in flight, the entries that
 * arrive wait and go out together in the next one. Entries for one backend keep their order, and a later one
 * replaces an earlier one still waiting (a clear followed by the next request's install becomes just the install).
 *
 * A request's statement reaches its end-user connection only after its identity has been committed here, so it can
 * never run under another request's identity. Clearing the identity after the request is defence in depth: SQL that
 * somehow ran on the connection without an install would find no identity, not the last one.
 */
import type { Queryable } from '../db/database.js';

interface Pending {
  claims: Record<string, unknown> | null;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/** Most backends per statement; the rest wait for the next one. */
const MAX_BATCH = 256;

export class IdentityWriter {
  /** Waiting entries by backend PID, in arrival order (a Map keeps insertion order). */
  private pending = new Map<number, Pending>();
  private inFlight = false;

  constructor(private readonly privileged: Queryable) {}

  /** Installs `claims` (a verified token payload) as the identity of backend `pid`; resolves once committed. */
  install(pid: number, claims: Record<string, unknown>): Promise<void> {
    return this.enqueue(pid, claims);
  }

  /** Clears the identity of backend `pid`: its readers raise until the next install. */
  clear(pid: number): Promise<void> {
    return this.enqueue(pid, null);
  }

  private enqueue(pid: number, claims: Record<string, unknown> | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiting = this.pending.get(pid);
      if (waiting) {
        waiting.claims = claims;
        waiting.waiters.push({ resolve, reject });
      } else {
        this.pending.set(pid, { claims, waiters: [{ resolve, reject }] });
      }
      if (!this.inFlight) this.flush();
    });
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    const batch: [number, Pending][] = [];
    for (const entry of this.pending) {
      if (batch.length === MAX_BATCH) break;
      batch.push(entry);
    }
    for (const [pid] of batch) this.pending.delete(pid);
    this.inFlight = true;
    const entries = JSON.stringify(batch.map(([pid, { claims }]) => ({ pid, claims })));
    this.privileged
      .query<{ pid: number }>('SELECT authsync_rls.set_identities($1::jsonb) AS pid', [entries])
      .then(
        ({ rows }) => {
          const written = new Set(rows.map((r) => Number(r.pid)));
          for (const [pid, { waiters }] of batch) {
            const error = written.has(pid) ? undefined : new Error(`backend ${pid} is not registered for an identity`);
            for (const waiter of waiters) {
              if (error) waiter.reject(error);
              else waiter.resolve();
            }
          }
        },
        (error: unknown) => {
          for (const [, { waiters }] of batch) for (const waiter of waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }
}
