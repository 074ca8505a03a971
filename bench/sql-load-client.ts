/**
 * The load generator of `npm run bench:sql`, run in its own process (forked by bench/sql-rls.ts) so that the
 * server's process spends no CPU on the client. Jobs:
 *  - `sql`: the real @neondatabase/serverless driver against /sql with the users' tokens;
 *  - `http`: the same HTTP requests, as the driver writes them (captured from it, then replayed with only the
 *    parameter changed), sent by autocannon, a far cheaper client than the driver's fetch(): on 2 cores the driver
 *    alone would use up a core at a few hundred requests per second;
 *  - `pg`: a direct `pg` pool.
 * CONCURRENCY requests in flight, for a fixed time. It receives one Job per IPC message and answers each with a
 * JobResult.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { neon, neonConfig } from '@neondatabase/serverless';
import autocannon from 'autocannon';
import pg from 'pg';

export interface Job {
  kind: 'sql' | 'http' | 'pg';
  seconds: number;
  concurrency: number;
  /** sql: the /sql endpoint and the authenticated role's connection string. pg: a direct connection string. */
  fetchEndpoint?: string;
  /** http: several servers' /sql endpoints to split the load between (default: fetchEndpoint alone). */
  fetchEndpoints?: string[];
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

/** The driver's request for each token, captured on its way to /sql (and forwarded, so the driver gets its answer). */
async function captureDriverRequests(job: Job): Promise<{ headers: Record<string, string>; body: { query: string; params: string[] } }[]> {
  const captured: { headers: Record<string, string>; body: { query: string; params: string[] } }[] = [];
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)) headers[name] = value;
      }
      captured.push({ headers, body: JSON.parse(body) as { query: string; params: string[] } });
      fetch(job.fetchEndpoint!, { method: 'POST', headers, body }).then(
        async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  neonConfig.fetchEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/sql`;
  try {
    for (const token of job.tokens!) await neon(job.connectionString, { authToken: token }).query(QUERY, [job.ids[0]]);
  } finally {
    proxy.close();
  }
  return captured;
}

async function runHttp(job: Job): Promise<JobResult> {
  const captured = await captureDriverRequests(job);
  let wrongBodies = 0;
  let checked = 0;
  // Every tenth answer (of every user) is read and must be the one row its user may see (Neon's JSON:
  // "rowCount":1): reading every body costs the load generator CPU, taken from the 2 cores it shares with the server.
  // Every answer's status is checked.
  const onResponse = (status: number, body: string) => {
    checked += 1;
    if (status === 200 && !body.includes('"rowCount":1')) wrongBodies += 1;
  };
  const requests = Array.from({ length: 1000 }, (_, i) => {
    const { headers, body } = captured[i % captured.length]!;
    const params = [String(job.ids[i % job.ids.length])];
    const request = {
      method: 'POST' as const,
      path: new URL(job.fetchEndpoint!).pathname,
      headers,
      body: JSON.stringify({ ...body, params }),
    };
    return Math.floor(i / captured.length) % 10 === 0 ? { ...request, onResponse } : request;
  });
  // Several servers (the stateless scale-out): one autocannon instance each, in this process, the connections split
  // evenly between them.
  const endpoints = job.fetchEndpoints ?? [job.fetchEndpoint!];
  const latencies: number[] = [];
  const results = await Promise.all(
    endpoints.map(
      (endpoint) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          const instance = autocannon(
            {
              url: endpoint,
              connections: Math.round(job.concurrency / endpoints.length),
              pipelining: 1,
              duration: job.seconds,
              timeout: 30,
              requests,
            },
            (error: unknown, done: autocannon.Result) =>
              error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done),
          );
          instance.on('response', (_client, status, _bytes, responseTime) => {
            if (status === 200) latencies.push(responseTime);
          });
        }),
    ),
  );
  latencies.sort((a, b) => a - b);
  if (checked === 0) throw new Error('no answer was checked');
  const sum = (pick: (r: autocannon.Result) => number) => results.reduce((total, r) => total + pick(r), 0);
  const errors = sum((r) => r.non2xx + r.errors + r.timeouts) + wrongBodies;
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    qps: sum((r) => r['2xx'] / r.duration),
    requests: sum((r) => r['2xx']),
    errors,
    ...(errors
      ? {
          firstError: `${sum((r) => r.non2xx)} non-2xx, ${sum((r) => r.errors)} errors, ${sum((r) => r.timeouts)} timeouts, ${wrongBodies} answers without exactly one row`,
        }
      : {}),
  };
}

async function run(job: Job): Promise<JobResult> {
  if (job.kind === 'http') return runHttp(job);
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
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    qps: latencies.length / job.seconds,
    requests: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

process.on('message', (job: Job) => {
  run(job).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) => process.send!({ ok: false, error: (error as Error).stack ?? String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
