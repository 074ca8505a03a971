/**
 * `npm run bench:workers` (or `npm run bench workers`): `authsync start --workers 1` against `--workers 2`, on one
 * machine and one PostgreSQL database, in one run. Both sets run side by side (same database, server secret and public
 * URL, so a token works on both) and the load goes to one at a time, interleaved: each round runs every case on both,
 * in alternating order, so both sides of a ratio see the same background load. Cases, at BENCH_CONNECTIONS (50)
 * connections for BENCH_SECONDS (5) each, BENCH_ROUNDS (3) rounds, after a warm-up:
 *   - `/users/me` req/s (client access, one access token per user, 50 users);
 *   - `/sql` q/s: a primary-key SELECT under a row-level security policy, as @neondatabase/serverless sends it.
 * The load generator is autocannon in this process; the servers are `authsync start` child processes. Where the cores
 * went is read from /proc during each slice: the server processes (primary and workers), PostgreSQL's backends, this
 * process, and idle. Each server process keeps at most BENCH_SQL_CONNECTIONS (10) /sql connections, so that both sets
 * fit in PostgreSQL's default 100 connections. Needs PostgreSQL (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import autocannon from 'autocannon';
import pg from 'pg';
import { projectSqlUrls } from '../src/sql/project-urls.js';
import { createDatabase, dropDatabase, postgresBackendPids } from './auth/lib.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const USERS = 50;
const BASE_URL = 'http://authsync.bench.example';
const QUERY = 'SELECT id, body FROM items WHERE id = $1';

interface ServerSet {
  workers: number;
  url: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  output: () => string;
}

/** Starts `authsync start --workers N` from source and resolves once it prints its URL. */
async function startSet(workers: number, databaseUrl: string, env: Record<string, string>): Promise<ServerSet> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `authsync-bench-workers-${workers}-`));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'start',
      '--port',
      '0',
      '--workers',
      String(workers),
      '--database-url',
      databaseUrl,
      '--data-dir',
      dataDir,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match && out.includes('Dashboard:')) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`--workers ${workers} exited with ${code}: ${out}`));
    });
  });
  child.once('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { workers, url, child, output: () => out };
}

function stopSet(set: ServerSet): Promise<void> {
  return new Promise((resolve) => {
    if (set.child.exitCode !== null || set.child.signalCode !== null) return resolve();
    set.child.once('exit', () => resolve());
    set.child.kill('SIGTERM');
  });
}

/** A process and its descendants (the primary and its server processes). */
function processTree(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  return all;
}

function ticks(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return sum;
}

function idleTicks(): number {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(cpu[4]) + Number(cpu[5]);
}

interface Slice {
  rate: number;
  errors: number;
  cores: { servers: number; postgres: number; loadGenerator: number; idle: number };
}

async function slice(set: ServerSet, database: string, requests: autocannon.Request[], seconds: number): Promise<Slice> {
  const servers = processTree(set.child.pid!);
  const backends = await postgresBackendPids(ADMIN, database);
  const at = performance.now();
  const before = { servers: ticks(servers), postgres: ticks(backends), idle: idleTicks(), self: process.cpuUsage() };
  const result = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon(
      { url: set.url, connections: CONNECTIONS, duration: seconds, timeout: 30, requests },
      (error: unknown, done: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done),
    ),
  );
  const elapsed = (performance.now() - at) / 1000;
  const self = process.cpuUsage(before.self);
  const cores = (t: number) => t / 100 / elapsed;
  return {
    rate: result['2xx'] / result.duration,
    errors: result.non2xx + result.errors + result.timeouts,
    cores: {
      servers: cores(ticks(servers) - before.servers),
      postgres: cores(ticks(backends) - before.postgres),
      loadGenerator: (self.user + self.system) / 1e6 / elapsed,
      idle: cores(idleTicks() - before.idle),
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function main(): Promise<void> {
  const db = await createDatabase(ADMIN, 'authsync_bench_workers');
  const env = {
    AUTHSYNC_SECRET: randomBytes(32).toString('hex'),
    AUTHSYNC_BASE_URL: BASE_URL,
    AUTHSYNC_LOG_LEVEL: 'silent',
    // One client address and 50 users: the limits would answer 429, which is what they are for.
    AUTHSYNC_RATE_LIMITS: 'off',
    AUTHSYNC_SQL_MAX_REQUESTS_PER_USER: '1000',
    // Both sets at once on one PostgreSQL (max_connections 100 by default): 10 /sql connections per process, not 20.
    AUTHSYNC_SQL_MAX_CONNECTIONS_PER_DATABASE: process.env.BENCH_SQL_CONNECTIONS ?? '10',
    DATABASE_URL: '',
  };
  const sets: ServerSet[] = [];
  const loadAtStart = os.loadavg();
  try {
    sets.push(await startSet(1, db.url, env));
    sets.push(await startSet(2, db.url, env));
    const out = sets[0]!.output();
    const projectId = /Project ID\s+(\S+)/.exec(out)![1]!;
    const publishable = /Publishable client key\s+(\S+)/.exec(out)![1]!;
    const client = { 'x-stack-access-type': 'client', 'x-stack-project-id': projectId, 'x-stack-publishable-client-key': publishable };
    const users: { id: string; token: string }[] = [];
    for (let i = 0; i < USERS; i++) {
      const res = await fetch(`${sets[0]!.url}/api/v1/auth/password/sign-up`, {
        method: 'POST',
        headers: { ...client, 'content-type': 'application/json' },
        body: JSON.stringify({ email: `u${i}@bench.example`, password: 'bench password 123' }),
      });
      if (res.status !== 200) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
      const json = (await res.json()) as { user_id: string; access_token: string };
      users.push({ id: json.user_id, token: json.access_token });
    }
    const direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    await direct.query('CREATE TABLE items (id int PRIMARY KEY, user_id text NOT NULL, body text NOT NULL)');
    await direct.query(`INSERT INTO items SELECT i, ($1::text[])[1 + i % ${USERS}], 'item ' || i FROM generate_series(1, 10000) i`, [
      users.map((u) => u.id),
    ]);
    await direct.query('ALTER TABLE items ENABLE ROW LEVEL SECURITY');
    await direct.query('CREATE POLICY own ON items FOR SELECT TO authenticated USING (user_id = (select auth.user_id()))');
    await direct.query('GRANT SELECT ON items TO authenticated');
    await direct.query('ANALYZE items');
    await direct.end();

    const { databaseAuthenticatedUrl } = projectSqlUrls({ baseUrl: BASE_URL, databaseUrl: db.url }, projectId, null);
    const cases: Record<string, autocannon.Request[]> = {
      '/users/me req/s': users.map((u) => ({
        method: 'GET',
        path: '/api/v1/users/me',
        headers: { ...client, 'x-stack-access-token': u.token },
      })),
      '/sql q/s': users.map((u, i) => ({
        method: 'POST',
        path: '/sql',
        headers: {
          'content-type': 'application/json',
          'neon-connection-string': databaseAuthenticatedUrl,
          authorization: `Bearer ${u.token}`,
        },
        // Row r belongs to users[r % USERS] (see the insert above): row i + USERS is user i's.
        body: JSON.stringify({ query: QUERY, params: [String(i + USERS)] }),
      })),
    };
    // The /sql answer must be the user's row: one check per set before the load.
    for (const set of sets) {
      const r = cases['/sql q/s']![0]!;
      const res = await fetch(`${set.url}/sql`, { method: 'POST', headers: r.headers as Record<string, string>, body: r.body as string });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('"rowCount":1'))
        throw new Error(`/sql check on --workers ${set.workers}: ${res.status} ${text}`);
    }
    for (const set of sets) for (const requests of Object.values(cases)) await slice(set, db.name, requests, 2); // warm-up

    const results = new Map<string, Slice[][]>(); // case → per set index → slices
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, requests] of Object.entries(cases)) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const index of order) {
          const s = await slice(sets[index]!, db.name, requests, SECONDS);
          if (s.errors) throw new Error(`${name} on --workers ${sets[index]!.workers}: ${s.errors} failed requests`);
          const perSet = results.get(name) ?? [[], []];
          perSet[index]!.push(s);
          results.set(name, perSet);
        }
      }
    }

    const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
    console.log(
      `${os.cpus().length} cores (${os.availableParallelism()} available), Node ${process.version}; load average at start ${loadAtStart.map((x) => x.toFixed(1)).join(' ')}, at end ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}; ${ROUNDS} rounds × ${SECONDS} s per slice, ${CONNECTIONS} connections, interleaved`,
    );
    console.log('| case | --workers 1 | --workers 2 | ratio (per round) |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const [name, [one, two]] of results) {
      const ratios = one!.map((s, i) => two![i]!.rate / s.rate);
      console.log(
        `| ${name} | ${f(median(one!.map((s) => s.rate)))} | ${f(median(two!.map((s) => s.rate)))} | **${f(median(two!.map((s) => s.rate)) / median(one!.map((s) => s.rate)), 2)}×** (${f(Math.min(...ratios), 2)}–${f(Math.max(...ratios), 2)}) |`,
      );
    }
    console.log('\nWhere the cores went (median cores during the slices; the load generator and PostgreSQL share the same cores):');
    console.log('| case | set | authsync processes | PostgreSQL backends | load generator | idle |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const [name, perSet] of results)
      perSet.forEach((slices, index) => {
        const m = (pick: (s: Slice) => number) => f(median(slices.map(pick)), 2);
        console.log(
          `| ${name} | --workers ${sets[index]!.workers} | ${m((s) => s.cores.servers)} | ${m((s) => s.cores.postgres)} | ${m((s) => s.cores.loadGenerator)} | ${m((s) => s.cores.idle)} |`,
        );
      });
  } finally {
    await Promise.all(sets.map(stopSet));
    await dropDatabase(ADMIN, db.name);
  }
}
