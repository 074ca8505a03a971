/**
 * /sql benchmark (a script, not a test): `npm run bench:sql`.
 *  1. A primary-key SELECT through @neondatabase/serverless + /sql with a user token, against the same query on a
 *     direct `pg` connection: p50/p99 latency and queries/s at 50 concurrent requests.
 *  2. The per-row cost of an auth.user_id() policy over 100,000 rows against a policy comparing to a constant
 *     (sequential scan, checked with EXPLAIN, so the policy runs on every row).
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, a superuser).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import { loadConfig } from '../src/config/index.js';
import { createProject } from '../src/projects/projects.js';
import { startServer } from '../src/server/server.js';
import { openEndUserConnection } from '../src/rls/role-connection.js';
import { projectSqlUrls } from '../src/sql/project-urls.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = 50;
const USERS = 50;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client(ADMIN);
  await c.connect();
  await c.query(sql);
  await c.end();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function load(run: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number; qps: number }> {
  const latencies: number[] = [];
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const i = n++;
        const start = performance.now();
        await run(i);
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), qps: latencies.length / SECONDS };
}

const dbName = `authsync_bench_${randomBytes(4).toString('hex')}`;
await admin(`CREATE DATABASE ${dbName}`);
const url = new URL(ADMIN);
url.pathname = `/${dbName}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-bench-'));
const server = await startServer(loadConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', databaseUrl: url.toString() }, {}), { createDefaultProject: false });
try {
  const { project, keys } = await createProject(server.ctx.db, server.ctx.box, { displayName: 'bench' });
  const urls = projectSqlUrls(server.ctx.config, project.id, null);
  neonConfig.fetchEndpoint = urls.sqlEndpoint;
  const owner = new URL(urls.databaseUrl);
  owner.password = owner.password || 'bench';
  await neon(owner.toString()).query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');

  const tokens: { id: string; token: string }[] = [];
  for (let i = 0; i < USERS; i++) {
    const res = await fetch(`${server.url}/api/v1/auth/password/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-stack-access-type': 'client', 'x-stack-project-id': project.id, 'x-stack-publishable-client-key': keys.publishableClientKey },
      body: JSON.stringify({ email: `u${i}@bench.example`, password: 'bench password 123' }),
    });
    const json = (await res.json()) as { user_id: string; access_token: string };
    tokens.push({ id: json.user_id, token: json.access_token });
  }

  // As many connections as /sql keeps per (database, role), so both sides queue the same way.
  const direct = new pg.Pool({ connectionString: url.toString(), max: 20 });
  direct.on('error', () => undefined);
  await direct.query(`CREATE TABLE items (id int PRIMARY KEY, user_id text NOT NULL, body text NOT NULL)`);
  await direct.query(`INSERT INTO items SELECT i, ($1::text[])[1 + i % ${USERS}], 'item ' || i FROM generate_series(1, 100000) i`, [tokens.map((t) => t.id)]);
  await direct.query(`ALTER TABLE items ENABLE ROW LEVEL SECURITY`);
  await direct.query(`CREATE POLICY "crud-authenticated-policy-select" ON items AS PERMISSIVE FOR SELECT TO authenticated USING ((select auth.user_id() = "items"."user_id"))`);
  await direct.query(`GRANT SELECT ON items TO authenticated`);
  for (const [name, policy] of [
    ['items_const', `(select 'x' = "items_const"."user_id")`],
    ['items_const_plain', `"items_const_plain"."user_id" = 'x'`],
    ['items_uid_drizzle', `(select auth.user_id() = "items_uid_drizzle"."user_id")`],
    ['items_uid_wrapped', `"items_uid_wrapped"."user_id" = (select auth.user_id())`],
  ] as const) {
    await direct.query(`CREATE TABLE ${name} AS SELECT * FROM items`);
    await direct.query(`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY`);
    await direct.query(`CREATE POLICY p ON ${name} FOR SELECT TO authenticated USING (${policy})`);
    await direct.query(`GRANT SELECT ON ${name} TO authenticated`);
  }
  await direct.query('ANALYZE');

  // 1. Latency and throughput.
  const clients = tokens.map((t) => neon(urls.databaseAuthenticatedUrl, { authToken: t.token }));
  const idOf = (i: number) => (i % USERS) + USERS * (1 + ((i * 7) % 1000)); // a row of user i % USERS
  await load((i) => clients[i % USERS]!.query('SELECT id, body FROM items WHERE id = $1', [idOf(i)])); // warm-up
  const viaSql = await load(async (i) => {
    const rows = await clients[i % USERS]!.query('SELECT id, body FROM items WHERE id = $1', [idOf(i)]);
    if (rows.length !== 1) throw new Error('policy hid the row of its own user');
  });
  const viaPg = await load((i) => direct.query('SELECT id, body FROM items WHERE id = $1', [idOf(i)]));

  // 2. Per-row policy cost, on one end-user connection, forced sequential scan.
  const where = new URL(url.toString());
  const conn = await openEndUserConnection(
    { host: where.hostname, port: Number(where.port || 5432), database: dbName, user: 'authenticated', password: 'unused' },
    server.ctx.db,
  );
  await conn.client.query('SELECT auth.jwt_session_init($1)', [conn.sessionKey!.mint({ sub: tokens[0]!.id })]);
  // Sequential scan without forcing it (count(*) with a policy on an unindexed column scans the heap anyway): the
  // enable_* switches would also force the identity lookup inside the readers into a sequential scan.
  await conn.client.query('SET max_parallel_workers_per_gather = 0');
  for (const table of ['items_const', 'items_uid_drizzle']) {
    const plan = (await conn.client.query(`EXPLAIN (COSTS OFF) SELECT count(*) FROM ${table}`)).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join(' ');
    if (!plan.includes(`Seq Scan on ${table}`)) throw new Error(`unexpected plan: ${plan}`);
  }
  const perRow: Record<string, number> = {};
  for (const table of ['items_const', 'items_const_plain', 'items_uid_drizzle', 'items_uid_wrapped']) {
    const times: number[] = [];
    for (let r = 0; r < 15; r++) {
      const start = performance.now();
      await conn.client.query(`SELECT count(*) FROM ${table}`);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    perRow[table] = times[7]!;
  }
  await conn.client.end();
  await direct.end();

  const f = (n: number) => n.toFixed(2);
  console.log(`cores: ${os.cpus().length}, load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${SECONDS} s per run, ${CONCURRENCY} concurrent`);
  console.log(`PK SELECT via driver + /sql (token): p50 ${f(viaSql.p50)} ms, p99 ${f(viaSql.p99)} ms, ${viaSql.qps.toFixed(0)} q/s`);
  console.log(`PK SELECT via direct pg:             p50 ${f(viaPg.p50)} ms, p99 ${f(viaPg.p99)} ms, ${viaPg.qps.toFixed(0)} q/s`);
  console.log(`added: p50 ${f(viaSql.p50 - viaPg.p50)} ms, p99 ${f(viaSql.p99 - viaPg.p99)} ms`);
  console.log(`count(*) over 100k rows, seq scan, median of 15 (ms):`);
  for (const [table, ms] of Object.entries(perRow)) console.log(`  ${table.padEnd(20)} ${f(ms)}  (${f(ms / perRow.items_const!)}x items_const)`);
} catch (error) {
  console.error('benchmark failed:', error);
  process.exitCode = 1;
} finally {
  await server.stop();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
