/**
 * users_sync lag benchmark (`npm run bench:sync`), not a test. A server (in this process, with its outbox
 * worker) on PostgreSQL, one project whose app database is another database. Measures:
 * 1. lag from the API's response to the row being visible in the target, p50/p99/max, at a steady
 *    200 user writes/s (creates and updates, half each) for 30 s, sent by a client in a worker thread
 *    (bench/sync-lag-client.ts), which sees rows appear by LISTEN on a trigger installed in the target;
 * 2. 100,000 users created (the user store directly, 16 at a time) until the target holds them all.
 * Prints the figures beside the legacy promise and writes them into docs/benchmarks.md ("users_sync lag").
 * Needs a PostgreSQL admin URL: TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { loadConfig } from '../src/config/index.js';
import { createProject } from '../src/projects/projects.js';
import { provisionProject } from '../src/provisioning/provision.js';
import { startServer } from '../src/server/server.js';
import type { ClientInput, ClientOutput } from './sync-lag-client.js';

const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RATE = 200;
const SECONDS = Number(process.env.BENCH_SYNC_SECONDS ?? 30);
const BULK = Number(process.env.BENCH_SYNC_BULK ?? 100_000);

const admin = async (sql: string) => {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
};
const dbUrl = (name: string) => Object.assign(new URL(ADMIN), { pathname: `/${name}` }).toString();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Installs the watcher's trigger once the worker has provisioned the target (it does so on its first pass). */
async function installWatchTrigger(client: pg.Client): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`
        CREATE OR REPLACE FUNCTION public.authsync_bench_applied() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('authsync_bench_applied', NEW.id || ':' || NEW.version); RETURN NULL; END $$;
        CREATE OR REPLACE TRIGGER authsync_bench_applied AFTER INSERT OR UPDATE ON authsync_sync.user_versions
          FOR EACH ROW EXECUTE FUNCTION public.authsync_bench_applied();`);
      return;
    } catch (error) {
      if (attempt > 100) throw error;
      await sleep(100);
    }
  }
}

const suffix = randomBytes(4).toString('hex');
const sourceName = `authsync_bench_src_${suffix}`;
const targetName = `authsync_bench_app_${suffix}`;
await admin(`CREATE DATABASE ${sourceName}`);
await admin(`CREATE DATABASE ${targetName}`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-bench-sync-'));
const server = await startServer(
  loadConfig(
    { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', databaseUrl: dbUrl(sourceName) },
    { AUTHSYNC_SECRET: randomBytes(32).toString('hex') },
  ),
  { createDefaultProject: false },
);
const { ctx } = server;
const target = new pg.Client({ connectionString: dbUrl(targetName) });
try {
  const { project, keys } = await createProject(ctx.db, ctx.box, { displayName: 'bench', appDatabaseUrl: dbUrl(targetName) });
  await provisionProject(ctx, project.id);
  await server.sync.refresh();
  await target.connect();
  const headers = {
    'x-stack-access-type': 'server',
    'x-stack-project-id': project.id,
    'x-stack-secret-server-key': keys.secretServerKey,
    'content-type': 'application/json',
  };

  // 1. Steady writes, from a client in a worker thread (bench/sync-lag-client.ts): the server's event loop
  // runs the API and the outbox worker only, as in a deployment whose clients are elsewhere. The client
  // sees rows appear through LISTEN on a trigger the benchmark installs in the target (no polling).
  await installWatchTrigger(target);
  const clientModule = new URL('./sync-lag-client.ts', import.meta.url).href;
  const client = new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(clientModule)}, ${JSON.stringify(import.meta.url)}))`,
    {
      eval: true,
      workerData: {
        url: `${server.url}/api/v1/users`,
        headers,
        targetUrl: dbUrl(targetName),
        rate: RATE,
        seconds: SECONDS,
      } satisfies ClientInput,
    },
  );
  const { lags, errors, errorKinds, unseen, writeSeconds } = await new Promise<ClientOutput>((resolve, reject) => {
    client.once('message', resolve);
    client.once('error', reject);
  });
  await client.terminate();
  await target.query('DROP TRIGGER IF EXISTS authsync_bench_applied ON authsync_sync.user_versions');
  lags.sort((a, b) => a - b);
  const steady = { writes: lags.length, seconds: writeSeconds, p50: pct(lags, 50), p99: pct(lags, 99), max: lags.at(-1)!, errors, unseen };
  if (errors > 0) console.log(`Failed writes by kind: ${JSON.stringify(errorKinds)}`);
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

  // 2. Bulk: BULK users through the user store, then wait for the target to hold every user of the project.
  const bulkStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < BULK) {
        const i = next++;
        await ctx.users.create(project.id, { display_name: `bulk ${i}`, primary_email: `bulk${i}@example.com` });
      }
    }),
  );
  const lastWrite = performance.now();
  const expected = Number(
    (await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM authsync.users WHERE project_id = $1', [project.id])).rows[0]!.n,
  );
  let inTarget = 0;
  while (inTarget < expected) {
    inTarget = Number((await target.query('SELECT count(*) AS n FROM neon_auth.users_sync')).rows[0].n);
    if (inTarget < expected) await sleep(20);
  }
  const done = performance.now();
  const bulk = { users: BULK, writeSeconds: (lastWrite - bulkStart) / 1000, syncedAfterLastWriteSeconds: (done - lastWrite) / 1000 };

  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  const report = [
    `Steady ${RATE} writes/s for ${SECONDS} s (${steady.writes} writes measured, ${steady.errors} errors, ${steady.unseen} never seen): API response → row visible in another database`,
    `  p50 ${f(steady.p50)}   p99 ${f(steady.p99)} (target ≤ 50 ms)   max ${f(steady.max)} (target ≤ 250 ms)`,
    `  Load average (1/5/15 min) after the steady phase: ${load}; ${os.cpus().length} cores.`,
    `  Legacy Neon Auth promised: "usually less than 1 second" (no percentile, no maximum).`,
    `Bulk: ${bulk.users.toLocaleString('en-US')} users written in ${bulk.writeSeconds.toFixed(1)} s; target fully synced ${bulk.syncedAfterLastWriteSeconds.toFixed(2)} s after the last write (target ≤ 20 s).`,
  ];
  process.stdout.write(`${report.join('\n')}\n`);

  const section = [
    '## users_sync lag',
    '',
    `Measured by \`npm run bench:sync\` (bench/sync-lag.ts) on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, PostgreSQL ${(await target.query('SHOW server_version')).rows[0].server_version}: one authsync process (API and outbox worker) and the target database on the same PostgreSQL server. Lag is from the API's response to the row being visible in the project's app database (another database, fed by the outbox).`,
    '',
    '| measure | result | target | Legacy Neon Auth |',
    '| --- | --- | --- | --- |',
    `| lag p50 at ${RATE} writes/s for ${SECONDS} s (${steady.writes} writes) | ${f(steady.p50)} | — | "usually less than 1 second" |`,
    `| lag p99 | ${f(steady.p99)} | ≤ 50 ms | none stated |`,
    `| lag max | ${f(steady.max)} | ≤ 250 ms | none stated |`,
    `| ${bulk.users.toLocaleString('en-US')} users created (user store, 16 at a time, ${bulk.writeSeconds.toFixed(1)} s): fully synced after the last write | ${bulk.syncedAfterLastWriteSeconds.toFixed(2)} s | ≤ 20 s | no backfill |`,
    '',
    "In the server's own database the row is written in the user's transaction: the lag is zero by construction.",
    '',
  ].join('\n');
  const file = path.resolve(import.meta.dirname, '../docs/benchmarks.md');
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const pattern = /## users_sync lag\n[\s\S]*?(?=\n## |$)/;
  const updated = pattern.test(existing) ? existing.replace(pattern, section.trimEnd() + '\n') : `${existing.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, updated);
} finally {
  await target.end().catch(() => undefined);
  await server.stop();
  await admin(`DROP DATABASE IF EXISTS ${sourceName} WITH (FORCE)`);
  await admin(`DROP DATABASE IF EXISTS ${targetName} WITH (FORCE)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
