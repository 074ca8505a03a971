/**
 * The load generator of `npm run bench:sql`, run in its own process (forked by bench/sql-rls.ts) so that the
 * server's process spends no CPU on the client: the real @neondatabase/serverless driver against /sql with the
 * users' tokens, or a direct `pg` pool, CONCURRENCY requests in flight, for a fixed time. It receives one Job per
 * IPC message and answers each with a JobResult.
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';

export interface Job {
  kind: 'sql' | 'pg';
  seconds: number;
  concurrency: number;
  /** sql: the /sql endpoint and the authenticated role's connection string. pg: a direct connection string. */
  fetchEndpoint?: string;
  connectionString: string;
  /** sql: one token per user; the i-th request uses tokens[i % users]. */
  tokens?: string[];
  /** Rows to read: the i-th request reads ids[i % ids.length] (a row its user may see). */
  ids: number[];
  /** pg: pool size. */
  poolSize?: number;
}

export interface JobResult {
  p50: number;
  p99: number;
  qps: number;
  requests: number;
  errors: number;
  firstError?: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const QUERY = 'SELECT id, body FROM items WHERE id = $1';

async function run(job: Job): Promise<JobResult> {
  let query: (i: number) => Promise<number>;
  let close = async (): Promise<void> => undefined;
  if (job.kind === 'sql') {
    neonConfig.fetchEndpoint = job.fetchEndpoint!;
    const clients = job.tokens!.map((token) => neon(job.connectionString, { authToken: token }));
    query = async (i) => (await clients[i % clients.length]!.query(QUERY, [job.ids[i % job.ids.length]])).length;
  } else {
    const pool = new pg.Pool({ connectionString: job.connectionString, max: job.poolSize ?? 20 });
    pool.on('error', () => undefined);
    query = async (i) => (await pool.query(QUERY, [job.ids[i % job.ids.length]])).rowCount ?? 0;
    close = () => pool.end();
  }
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let n = 0;
  const end = Date.now() + job.seconds * 1000;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (Date.now() < end) {
        const i = n++;
        const start = performance.now();
        try {
          if ((await query(i)) !== 1) throw new Error('policy hid the row of its own user');
          latencies.push(performance.now() - start);
        } catch (error) {
          errors += 1;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  await close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), qps: latencies.length / job.seconds, requests: latencies.length, errors, ...(firstError ? { firstError } : {}) };
}

process.on('message', (job: Job) => {
  run(job).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) => process.send!({ ok: false, error: (error as Error).stack ?? String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
