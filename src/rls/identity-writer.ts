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

/** The end-user backend whose identity is written: its PID and its start time as registered. */
export interface Backend {
  pid: number;
  backendStart?: string | null;
}

interface Pending {
  /** The backend's start time as registered; a write for another backend with the same PID matches nothing. */
  start: string | null;
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

  /** Installs `claims` (a verified token payload) as the identity of the backend; resolves once committed. */
  install(backend: Backend, claims: Record<string, unknown>): Promise<void> {
    return this.enqueue(backend, claims);
  }

  /** Clears the identity of the backend: its readers raise until the next install. */
  clear(backend: Backend): Promise<void> {
    return this.enqueue(backend, null);
  }

  private enqueue({ pid, backendStart }: Backend, claims: Record<string, unknown> | null): Promise<void> {
    const start = backendStart ?? null;
    return new Promise<void>((resolve, reject) => {
      const waiting = this.pending.get(pid);
      if (waiting && waiting.start === start) {
        waiting.claims = claims;
        waiting.waiters.push({ resolve, reject });
      } else if (waiting) {
        // A different backend under a reused PID: the earlier entry's backend is gone, so its write can only fail.
        for (const waiter of waiting.waiters) waiter.reject(new Error(`backend ${pid} is gone`));
        this.pending.set(pid, { start, claims, waiters: [{ resolve, reject }] });
      } else {
        this.pending.set(pid, { start, claims, waiters: [{ resolve, reject }] });
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
    const entries = JSON.stringify(batch.map(([pid, { start, claims }]) => ({ pid, start, claims })));
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
