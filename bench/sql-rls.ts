/**
 * /sql benchmark (a script, not a test): `npm run bench:sql`.
 *  1. A primary-key SELECT through @neondatabase/serverless + /sql with a user token, against the same query on a
 *     direct `pg` connection: p50/p99 latency with 1 request in flight (the latency /sql adds; also the driver against
 *     a bare server that answers at once, the client's own floor), and p50/p99 and
 *     queries/s with 50 in flight, through the driver and through autocannon replaying the driver's requests, then
 *     with a second server process on the same database (bench/sql-second-server.ts: the stateless scale-out, one
 *     server per core) and the load split between the two. The load generator runs in its own process
 *     (bench/sql-load-client.ts), so the server's process spends no CPU on the client; the first server runs here.
 *  2. The per-row cost of an auth.user_id() policy over 100,000 rows against a policy comparing to a constant
 *     (sequential scan, checked with EXPLAIN, so the policy runs on every row); then (bench/sql-rls-teams.ts) the same
 *     for the team-membership policy on neon_auth.team_members_sync, and one team's rows through an index.
 *  3. drizzle-kit's crud policies on 1,000,000 rows: "list my rows" through /sql before and after `authsync rls
 *     optimize`, beside a hand-written InitPlan policy (bench/sql-rls-optimize.ts); part 2's count(*) again after it.
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, a superuser).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import { loadConfig } from '../src/config/index.js';
import { createProject } from '../src/projects/projects.js';
import { startServer } from '../src/server/server.js';
import { installKit } from '../src/rls/install.js';
import { endUserLogin } from '../src/rls/end-user-roles.js';
import { openEndUserConnection, RESET_END_USER_SQL } from '../src/rls/role-connection.js';
import { projectSqlUrls } from '../src/sql/project-urls.js';
import { runQuery } from '../src/sql/execute-pg.js';
import { ResponseBudget, RowCollector } from '../src/sql/results.js';
import { cpuCores, cpuSnapshot, postgresBackendPids } from './auth/lib.js';
import type { Job, JobResult } from './sql-load-client.js';
import { benchPolicyRewrite } from './sql-rls-optimize.js';
import { benchTeamPolicy } from './sql-rls-teams.js';
import { setTeamData } from '../src/sync/team-data-setting.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/**
 * The servers' limits off: the load comes from one address, and autocannon's connections all start with
 * the same user's request, so the per-user cap would answer most of them 429 (which is what it is for).
 */
const BENCH_LIMITS = {
  AUTHSYNC_RATE_LIMITS: 'off',
  AUTHSYNC_SQL_MAX_REQUESTS_PER_USER: '1000',
  // Part 3's correlated policy scans 1,000,000 rows per query: seconds, more than the default statement timeout.
  AUTHSYNC_SQL_STATEMENT_TIMEOUT_AUTHENTICATED: '120000',
};
const CONCURRENCY = 50;
const USERS = 50;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client(ADMIN);
  await c.connect();
  await c.query(sql);
  await c.end();
}

/** The load generator's process; each job runs there and answers with its figures. */
function startLoadClient(): { pid: number; run: (job: Job) => Promise<JobResult>; stop: () => void } {
  const child = fork(fileURLToPath(new URL('./sql-load-client.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  let pending: { resolve: (r: JobResult) => void; reject: (e: Error) => void } | undefined;
  child.on('message', (message: { ok: true; result: JobResult } | { ok: false; error: string }) => {
    const waiter = pending;
    pending = undefined;
    if (message.ok) waiter?.resolve(message.result);
    else waiter?.reject(new Error(`load client: ${message.error}`));
  });
  child.on('exit', (code) => pending?.reject(new Error(`load client exited with ${code}`)));
  return {
    pid: child.pid!,
    run: (job) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(job);
      }),
    stop: () => void child.disconnect(),
  };
}

const dbName = `authsync_bench_${randomBytes(4).toString('hex')}`;
await admin(`CREATE DATABASE ${dbName}`);
const url = new URL(ADMIN);
url.pathname = `/${dbName}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-bench-'));
const loadAtStart = os.loadavg();
const loadClient = startLoadClient();
// Both servers (see the scale-out run below) share the server secret, as the README asks of servers on one database.
const SECRET = randomBytes(32).toString('hex');
// Rate limits off: the set-up signs up USERS users from one address, more than the per-address sign-up limit.
const server = await startServer(
  loadConfig(
    { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', databaseUrl: url.toString() },
    { ...BENCH_LIMITS, AUTHSYNC_SECRET: SECRET },
  ),
  {
    createDefaultProject: false,
  },
);
let second: ReturnType<typeof fork> | undefined;
try {
  const { project, keys } = await createProject(server.ctx.db, server.ctx.box, { displayName: 'bench' });
  const urls = projectSqlUrls(server.ctx.config, project.id, null);
  neonConfig.fetchEndpoint = urls.sqlEndpoint;
  // The kit, as `CREATE EXTENSION pg_session_jwt` through /sql would install it (/sql's password path never logs in as
  // the superuser this bench connects as).
  await installKit(server.ctx.db, { serverSecret: SECRET });

  const tokens: { id: string; token: string }[] = [];
  for (let i = 0; i < USERS; i++) {
    const res = await fetch(`${server.url}/api/v1/auth/password/sign-up`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-stack-access-type': 'client',
        'x-stack-project-id': project.id,
        'x-stack-publishable-client-key': keys.publishableClientKey,
      },
      body: JSON.stringify({ email: `u${i}@bench.example`, password: 'bench password 123' }),
    });
    const json = (await res.json()) as { user_id: string; access_token: string };
    tokens.push({ id: json.user_id, token: json.access_token });
  }

  // As many connections as /sql keeps per (database, role), so both sides queue the same way.
  const direct = new pg.Pool({ connectionString: url.toString(), max: 20 });
  direct.on('error', () => undefined);
  await direct.query(`CREATE TABLE items (id int PRIMARY KEY, user_id text NOT NULL, body text NOT NULL)`);
  await direct.query(`INSERT INTO items SELECT i, ($1::text[])[1 + i % ${USERS}], 'item ' || i FROM generate_series(1, 100000) i`, [
    tokens.map((t) => t.id),
  ]);
  await direct.query(`ALTER TABLE items ENABLE ROW LEVEL SECURITY`);
  await direct.query(
    `CREATE POLICY "crud-authenticated-policy-select" ON items AS PERMISSIVE FOR SELECT TO authenticated USING ((select auth.user_id() = "items"."user_id"))`,
  );
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

  // 1. Latency and throughput, from the load generator's process.
  const ids = Array.from({ length: 1000 }, (_, i) => (i % USERS) + USERS * (1 + ((i * 7) % 1000))); // row i belongs to user i % USERS
  const sqlJob: Job = {
    kind: 'sql',
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    fetchEndpoint: urls.sqlEndpoint,
    connectionString: urls.databaseAuthenticatedUrl,
    tokens: tokens.map((t) => t.token),
    ids,
  };
  const pgJob: Job = { kind: 'pg', seconds: SECONDS, concurrency: CONCURRENCY, connectionString: url.toString(), ids, poolSize: 20 };
  await loadClient.run({ ...sqlJob, seconds: Math.min(SECONDS, 3) }); // warm-up
  // One request in flight: the latency /sql adds to a query.
  const sqlOne = await loadClient.run({ ...sqlJob, concurrency: 1 });
  const pgOne = await loadClient.run({ ...pgJob, concurrency: 1 });
  // The driver's own floor: the same requests answered at once, with a recorded /sql answer, by a bare Node HTTP
  // server in this process (no database, no token check): what the driver and HTTP cost on this machine.
  const recorded = await fetch(urls.sqlEndpoint, {
    method: 'POST',
    headers: {
      'neon-connection-string': urls.databaseAuthenticatedUrl,
      authorization: `Bearer ${tokens[0]!.token}`,
      'neon-raw-text-output': 'true',
      'neon-array-mode': 'true',
    },
    body: JSON.stringify({ query: 'SELECT id, body FROM items WHERE id = $1', params: [String(ids[0])] }),
  }).then((r) => r.text());
  const canned = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(recorded));
  });
  await new Promise<void>((resolve) => canned.listen(0, '127.0.0.1', resolve));
  const floorOne = await loadClient.run({
    ...sqlJob,
    concurrency: 1,
    fetchEndpoint: `http://127.0.0.1:${(canned.address() as AddressInfo).port}/sql`,
  });
  canned.close();
  // 50 in flight: through the driver (its fetch() is the bottleneck on 2 cores), then the driver's own requests
  // replayed by autocannon, with the CPU each party spends per request: this process (the server), the load
  // generator's process and the database's backends (all open after the warm-up: the pools keep them).
  const sqlMany = await loadClient.run(sqlJob);
  const backends = await postgresBackendPids(ADMIN, dbName);
  const cpuBefore = cpuSnapshot(loadClient.pid, backends);
  const httpMany = await loadClient.run({ ...sqlJob, kind: 'http' });
  const cpu = cpuCores(cpuBefore, cpuSnapshot(loadClient.pid, backends));

  const cpuSeconds = (performance.now() - cpuBefore.at) / 1000;
  const perRequest = (cores: number | null) =>
    cores === null ? 'n/a' : `${((cores * cpuSeconds * 1000) / httpMany.requests).toFixed(2)} ms`;
  // The stateless scale-out on the same 2 cores: a second server process on the same database, one per core, and
  // autocannon's 50 connections split between the two (one load generator process, as above).
  second = fork(fileURLToPath(new URL('./sql-second-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
    env: {
      ...process.env,
      ...BENCH_LIMITS,
      AUTHSYNC_SECRET: SECRET,
      AUTHSYNC_BASE_URL: server.url,
      DATABASE_URL: url.toString(),
      AUTHSYNC_LOG_LEVEL: 'silent',
    },
  });
  const secondUrl = await new Promise<string>((resolve, reject) => {
    second!.once('message', (message: { url: string }) => resolve(message.url));
    second!.once('exit', (code) => reject(new Error(`the second server exited with ${code}`)));
  });
  const twoJob: Job = { ...sqlJob, kind: 'http', fetchEndpoints: [urls.sqlEndpoint, `${secondUrl}/sql`] };
  await loadClient.run({ ...twoJob, seconds: Math.min(SECONDS, 3) }); // warm-up: the second server's pools
  const twoBefore = cpuSnapshot(second.pid!, []);
  const httpTwo = await loadClient.run(twoJob);
  const twoCpu = cpuCores(twoBefore, cpuSnapshot(second.pid!, []));
  const pgMany = await loadClient.run(pgJob);
  for (const [name, r] of [
    ['/sql 1', sqlOne],
    ['pg 1', pgOne],
    ['floor 1', floorOne],
    ['/sql driver', sqlMany],
    ['/sql autocannon', httpMany],
    ['/sql two servers', httpTwo],
    ['direct pg', pgMany],
  ] as const) {
    if (r.errors) throw new Error(`${name}: ${r.errors} failed requests (first: ${r.firstError})`);
  }

  // 2. Per-row policy cost, on one end-user connection, forced sequential scan.
  const where = new URL(url.toString());
  const conn = await openEndUserConnection(
    {
      host: where.hostname,
      port: Number(where.port || 5432),
      database: dbName,
      login: endUserLogin(server.ctx.serverSecret, 'authenticated'),
    },
    server.ctx.db,
  );
  // 2a. PostgreSQL's side of a /sql request, statement by statement, one at a time (each a round trip over loopback, so
  // each figure includes one; `SELECT 1` shows how much): the identity install (use_identity, written in the same
  // packet as the query by the server), the query under the drizzle policy, and the reset, all on the end-user
  // connection.
  const claims = { sub: tokens[0]!.id, role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600 };
  const [{ id: identityId }] = (
    await server.ctx.db.query<{ id: string }>('SELECT authsync_rls.add_identities($1::jsonb)::text AS id', [
      JSON.stringify([{ claims, expires: claims.exp }]),
    ])
  ).rows as [{ id: string }];
  const steps: Record<string, number[]> = { 'SELECT 1': [], use_identity: [], 'PK SELECT': [], reset: [] };
  const timed = async (name: string, run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    steps[name]!.push((performance.now() - start) * 1000);
  };
  for (let r = 0; r < 2000; r++) {
    await timed('SELECT 1', () => conn.client.query('SELECT 1'));
    await timed('use_identity', () => conn.client.query('SELECT authsync_rls.use_identity($1, $2)', [conn.installKey, identityId]));
    await timed('PK SELECT', () =>
      runQuery(
        conn.client,
        { query: 'SELECT id, body FROM items WHERE id = $1', params: [String(USERS)] },
        new RowCollector({ arrayMode: false, raw: true }, new ResponseBudget()),
      ),
    );
    await timed('reset', () => conn.client.query(RESET_END_USER_SQL));
  }
  const stepMedians = Object.entries(steps).map(([name, us]) => `${name} ${us.sort((a, b) => a - b)[us.length >> 1]!.toFixed(0)} µs`);

  await conn.client.query('SELECT auth.jwt_session_init($1)', [conn.sessionKey!.mint({ sub: tokens[0]!.id })]);
  // Sequential scan without forcing it (count(*) with a policy on an unindexed column scans the heap anyway): the
  // enable_* switches would also force the identity lookup inside the readers into a sequential scan.
  await conn.client.query('SET max_parallel_workers_per_gather = 0');
  for (const table of ['items_const', 'items_uid_drizzle']) {
    const plan = (await conn.client.query(`EXPLAIN (COSTS OFF) SELECT count(*) FROM ${table}`)).rows
      .map((r: Record<string, string>) => r['QUERY PLAN'])
      .join(' ');
    if (!plan.includes(`Seq Scan on ${table}`)) throw new Error(`unexpected plan: ${plan}`);
  }
  const countMedian = async (table: string) => {
    const times: number[] = [];
    for (let r = 0; r < 15; r++) {
      const start = performance.now();
      await conn.client.query(`SELECT count(*) FROM ${table}`);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[7]!;
  };
  const perRow: Record<string, number> = {};
  for (const table of ['items_const', 'items_const_plain', 'items_uid_drizzle', 'items_uid_wrapped'])
    perRow[table] = await countMedian(table);
  // 2b. The team-membership policy (team data on: authenticated reads team_members_sync).
  await setTeamData(server.ctx, project.id, true);
  const teams = await benchTeamPolicy(direct, conn.client, tokens[0]!.id);

  // 3. drizzle-kit's policies on 1,000,000 rows, before and after `authsync rls optimize` (which also rewrites the
  // policy of items_uid_drizzle), and beside a hand-written InitPlan policy; then part 2's count(*) again.
  const rewrite = await benchPolicyRewrite(direct, url.toString(), urls.databaseAuthenticatedUrl, tokens[0]!);
  const perRowAfter = { items_const: await countMedian('items_const'), items_uid_drizzle: await countMedian('items_uid_drizzle') };
  await conn.client.end();
  await direct.end();

  const f = (n: number) => n.toFixed(2);
  const avg = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(
    `cores: ${os.cpus().length}, load average at start ${avg(loadAtStart)}, at end ${avg(os.loadavg())}; ${SECONDS} s per run, ${CONCURRENCY} concurrent; load generator in its own process`,
  );
  const row = (name: string, r: JobResult) =>
    `  ${name.padEnd(44)} p50 ${f(r.p50).padStart(6)} ms  p99 ${f(r.p99).padStart(6)} ms  ${r.qps.toFixed(0).padStart(6)} q/s`;
  console.log('PK SELECT, 1 in flight:');
  console.log(row('driver + /sql (token)', sqlOne));
  console.log(row('direct pg', pgOne));
  console.log(row('driver + a server that answers at once', floorOne));
  console.log(
    `  added: p50 ${f(sqlOne.p50 - pgOne.p50)} ms, p99 ${f(sqlOne.p99 - pgOne.p99)} ms (the driver's floor alone: p50 ${f(floorOne.p50 - pgOne.p50)} ms)`,
  );
  console.log(`PK SELECT, ${CONCURRENCY} in flight:`);
  console.log(row('driver + /sql (token)', sqlMany));
  console.log(row("driver's requests replayed by autocannon", httpMany));
  console.log(row('the same, two servers (one per core)', httpTwo));
  console.log(row('direct pg', pgMany));
  console.log(
    `  /sql (autocannon) vs direct pg: ${(httpMany.qps / pgMany.qps).toFixed(2)}x q/s; added p50 ${f(httpMany.p50 - pgMany.p50)} ms, p99 ${f(httpMany.p99 - pgMany.p99)} ms`,
  );
  console.log(
    `  two servers vs one: ${(httpTwo.qps / httpMany.qps).toFixed(2)}x q/s; idle cores during the two-server run ${twoCpu.idle === null ? 'n/a' : twoCpu.idle.toFixed(2)}`,
  );
  console.log(
    `  CPU per /sql request (autocannon run): server ${perRequest(cpu.driver)}, load generator ${perRequest(cpu.server)}, PostgreSQL backends ${perRequest(cpu.postgres)} (${backends.length}); idle cores ${cpu.idle === null ? 'n/a' : cpu.idle.toFixed(2)}`,
  );
  console.log(`PostgreSQL side, one end-user connection, sequential, median of 2000 (round trip included): ${stepMedians.join(', ')}`);
  console.log(`count(*) over 100k rows, seq scan, median of 15 (ms):`);
  for (const [table, ms] of Object.entries(perRow))
    console.log(`  ${table.padEnd(20)} ${f(ms)}  (${f(ms / perRow.items_const!)}x items_const)`);
  console.log(
    `team-membership policy (team_members_sync, 1,000 teams x 5 members; the user in 10 teams, ${teams.visible} rows visible), median (ms):`,
  );
  console.log(
    `  count(*) over 100k rows, seq scan: team policy ${f(teams.countTeam)}, constant policy ${f(teams.countConst)} (${f(teams.countTeam / teams.countConst)}x; ` +
      `${((1000 * (teams.countTeam - teams.countConst)) / 100_000).toFixed(3)} µs more per row)`,
  );
  console.log(
    `  one team's 100 rows (WHERE team_id = $1, index on team_id): team policy ${f(teams.oneTeamTeam)}, constant policy ${f(teams.oneTeamConst)} (${f(teams.oneTeamTeam / teams.oneTeamConst)}x)`,
  );
  console.log(`  plan: ${teams.plan}`);
  console.log(
    `"list my rows" (1,000 of 1,000,000, index on user_id) through /sql, median (ms): drizzle-kit's crud policies ${f(rewrite.before)}; ` +
      `after rls optimize ${f(rewrite.after)} (${f(rewrite.before / rewrite.after)}x faster; ${f(rewrite.after / rewrite.handWritten)}x the hand-written InitPlan policy); ` +
      `hand-written ${f(rewrite.handWritten)}; the optimize command took ${f(rewrite.optimizeMs)} ms`,
  );
  console.log(`  plan after: ${rewrite.planAfter}`);
  console.log(
    `  per round (median of 5): after ${rewrite.rounds.after.map(f).join(' ')}; hand-written ${rewrite.rounds.handWritten.map(f).join(' ')}; stored text identical: ${rewrite.sameText}`,
  );
  console.log(
    `count(*) over 100k rows after rls optimize: items_uid_drizzle ${f(perRowAfter.items_uid_drizzle)} ms, items_const ${f(perRowAfter.items_const)} ms (${f(perRowAfter.items_uid_drizzle / perRowAfter.items_const)}x)`,
  );
} catch (error) {
  console.error('benchmark failed:', error);
  process.exitCode = 1;
} finally {
  loadClient.stop();
  second?.disconnect();
  await server.stop();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
