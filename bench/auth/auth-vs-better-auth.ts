/**
 * authsync vs Better Auth, side by side on one machine and one PostgreSQL (issue 2, "Benchmark").
 *
 * Each server runs in its own child process on its own fresh database; autocannon runs here, in the driver.
 * Cases: sign-ups/s and sign-ins/s (hash-bound: 10 connections × 20 s, then a drain), "who am I" requests/s with
 * p50/p99 at 50 connections (ours: GET /api/v1/users/me with client access; theirs: GET /api/auth/get-session with
 * the session cookie), and local JWT verifications/s through jose `createRemoteJWKSet` against our JWKS URL.
 * Rounds interleave the servers round-robin (the first server alternates, and within a round each case alternates
 * between them in slices); the report gives medians with
 * min–max, ratios ours/theirs and the targets with pass/fail.
 *
 * Environment (all optional): BENCH_DATABASE_URL (an admin URL of the PostgreSQL server; default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_ROUNDS (3), BENCH_HASH_SECONDS (20), BENCH_HASH_CONNECTIONS
 * (10), BENCH_DRAIN_SECONDS (5), BENCH_GET_SECONDS (10), BENCH_GET_CONNECTIONS (50), BENCH_HASH_SLICES (2) and
 * BENCH_GET_SLICES (5: each case's time per round is cut into that many slices, alternating A B B A … between the
 * servers, so that both see the same background load), BENCH_JWT_SECONDS (3),
 * BENCH_CPU_PROF (a directory: both servers write V8 CPU profiles there), BENCH_ONLY (`authsync` or `better-auth`
 * for a one-sided run, e.g. while profiling).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ARGON2_PARAMS } from '../../src/crypto/passwords.js';
import {
  adminQuery,
  cpuCores,
  cpuSnapshot,
  createDatabase,
  dropDatabase,
  fmt,
  fmtSpread,
  loadAverage,
  machineLine,
  postgresBackendPids,
  percentile,
  runLoad,
  sleep,
  spread,
  startChild,
  type Child,
  type CpuCores,
  type LoadResult,
  type LoadSpec,
  type Spread,
} from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const require = createRequire(import.meta.url);

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number in [${min}, ${max}]`);
  return value;
}

const settings = {
  adminUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  rounds: envNumber('BENCH_ROUNDS', 3, 1, 10),
  hashSeconds: envNumber('BENCH_HASH_SECONDS', 20, 1, 120),
  hashConnections: envNumber('BENCH_HASH_CONNECTIONS', 10, 1, 100),
  drainSeconds: envNumber('BENCH_DRAIN_SECONDS', 5, 0, 60),
  getSeconds: envNumber('BENCH_GET_SECONDS', 10, 1, 120),
  getConnections: envNumber('BENCH_GET_CONNECTIONS', 50, 1, 500),
  hashSlices: envNumber('BENCH_HASH_SLICES', 2, 1, 20),
  getSlices: envNumber('BENCH_GET_SLICES', 5, 1, 50),
  jwtSeconds: envNumber('BENCH_JWT_SECONDS', 3, 1, 60),
  cpuProfDir: process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined,
  only: process.env.BENCH_ONLY as 'authsync' | 'better-auth' | undefined,
};

const PASSWORD = 'correct-horse-battery-staple';
const SIGN_IN_USERS = 20;

// ---------------------------------------------------------------------------------------------------------------
// The two servers, behind one interface.

type Kind = 'authsync' | 'better-auth';
type CaseName = 'sign-up' | 'sign-in' | 'who-am-i';

interface Target {
  kind: Kind;
  label: string;
  child: Child;
  database: { name: string; url: string };
  signUpBody(email: string): string;
  signUpUrl: string;
  signInUrl: string;
  whoAmIUrl: string;
  /** Headers of every JSON POST. */
  postHeaders: Record<string, string>;
  /** Signs a user in; returns the headers of an authenticated "who am I" request and the raw credential. */
  session(email: string): Promise<{ headers: Record<string, string>; accessToken?: string }>;
  /** Checks that a "who am I" answer names the user. */
  checkWhoAmI(body: unknown, email: string): boolean;
}

async function postJson(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  const response = await fetch(url, { method: 'POST', headers, body });
  if (!response.ok) throw new Error(`POST ${url} → ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return response;
}

function authsyncTarget(child: Child, database: Target['database']): Target {
  const { url, projectId, publishableClientKey } = child.ready;
  if (!projectId || !publishableClientKey) throw new Error('authsync child did not report its project');
  const client = {
    'x-stack-access-type': 'client',
    'x-stack-project-id': projectId,
    'x-stack-publishable-client-key': publishableClientKey,
  };
  const postHeaders = { ...client, 'content-type': 'application/json' };
  const signInUrl = `${url}/api/v1/auth/password/sign-in`;
  return {
    kind: 'authsync',
    label: 'authsync',
    child,
    database,
    signUpUrl: `${url}/api/v1/auth/password/sign-up`,
    signInUrl,
    whoAmIUrl: `${url}/api/v1/users/me`,
    postHeaders,
    signUpBody: (email) => JSON.stringify({ email, password: PASSWORD }),
    async session(email) {
      const response = await postJson(signInUrl, postHeaders, JSON.stringify({ email, password: PASSWORD }));
      const { access_token: accessToken } = (await response.json()) as { access_token: string };
      return { headers: { ...client, 'x-stack-access-token': accessToken }, accessToken };
    },
    checkWhoAmI: (body, email) => (body as { primary_email?: string }).primary_email === email,
  };
}

function betterAuthTarget(child: Child, database: Target['database']): Target {
  const { url } = child.ready;
  // Better Auth rejects a POST without an Origin header (MISSING_OR_NULL_ORIGIN); a browser sends its own origin.
  const postHeaders = { 'content-type': 'application/json', origin: url };
  const signInUrl = `${url}/api/auth/sign-in/email`;
  return {
    kind: 'better-auth',
    label: 'Better Auth',
    child,
    database,
    signUpUrl: `${url}/api/auth/sign-up/email`,
    signInUrl,
    whoAmIUrl: `${url}/api/auth/get-session`,
    postHeaders,
    signUpBody: (email) => JSON.stringify({ email, password: PASSWORD, name: 'Bench User' }),
    async session(email) {
      const response = await postJson(signInUrl, postHeaders, JSON.stringify({ email, password: PASSWORD }));
      await response.arrayBuffer();
      const cookie = response.headers
        .getSetCookie()
        .map((line) => line.split(';', 1)[0])
        .join('; ');
      if (!cookie.includes('session_token=')) throw new Error('Better Auth sign-in set no session cookie');
      return { headers: { cookie } };
    },
    checkWhoAmI: (body, email) => (body as { user?: { email?: string } } | null)?.user?.email === email,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

interface Measurement {
  round: number;
  kind: Kind;
  caseName: CaseName;
  load: LoadResult;
  cpu: CpuCores;
}

let emailCounter = 0;
const runTag = Date.now().toString(36);
const nextEmail = (kind: Kind) => `bench-${kind}-${runTag}-${++emailCounter}@example.com`;
const signInEmail = (kind: Kind, i: number) => `signin-${kind}-${runTag}-${i}@example.com`;

async function measure(target: Target, spec: LoadSpec, latencies: number[]): Promise<{ load: LoadResult; cpu: CpuCores }> {
  const pid = target.child.process.pid!;
  const pidsBefore = await postgresBackendPids(settings.adminUrl, target.database.name);
  const before = cpuSnapshot(pid, pidsBefore);
  const load = await runLoad(spec, latencies);
  // Backends opened during the run count from zero; the union of both lists is read at the end.
  const pidsAfter = await postgresBackendPids(settings.adminUrl, target.database.name);
  const newPids = pidsAfter.filter((p) => !pidsBefore.includes(p));
  const after = cpuSnapshot(pid, [...pidsBefore, ...newPids]);
  // A backend born during the run is missing from `before`, so all its ticks (all spent during the run) count.
  return { load, cpu: cpuCores(before, after) };
}

/** One result from a case's slices: counts added up, latency percentiles over all responses, CPU time-weighted. */
function combine(parts: Array<{ load: LoadResult; cpu: CpuCores }>, latencies: number[]): { load: LoadResult; cpu: CpuCores } {
  const seconds = parts.reduce((n, p) => n + p.load.seconds, 0);
  const sum = (f: (p: { load: LoadResult; cpu: CpuCores }) => number) => parts.reduce((n, p) => n + f(p), 0);
  const weighted = (f: (cpu: CpuCores) => number | null) =>
    parts.some((p) => f(p.cpu) === null) ? null : sum((p) => f(p.cpu)! * p.load.seconds) / seconds;
  const ok = sum((p) => p.load.ok);
  return {
    load: {
      rps: ok / seconds,
      ok,
      non2xx: sum((p) => p.load.non2xx),
      errors: sum((p) => p.load.errors),
      timeouts: sum((p) => p.load.timeouts),
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      seconds,
    },
    cpu: {
      server: weighted((c) => c.server),
      postgres: weighted((c) => c.postgres),
      driver: weighted((c) => c.driver)!,
      idle: weighted((c) => c.idle),
    },
  };
}

function loadSpec(target: Target, caseName: CaseName, whoAmIHeaders: Record<string, string>, seconds?: number): LoadSpec {
  switch (caseName) {
    case 'sign-up':
      return {
        url: target.signUpUrl,
        method: 'POST',
        headers: target.postHeaders,
        body: () => target.signUpBody(nextEmail(target.kind)),
        connections: settings.hashConnections,
        seconds: seconds ?? settings.hashSeconds,
      };
    case 'sign-in': {
      let i = 0;
      return {
        url: target.signInUrl,
        method: 'POST',
        headers: target.postHeaders,
        body: () => JSON.stringify({ email: signInEmail(target.kind, i++ % SIGN_IN_USERS), password: PASSWORD }),
        connections: settings.hashConnections,
        seconds: seconds ?? settings.hashSeconds,
      };
    }
    case 'who-am-i':
      return {
        url: target.whoAmIUrl,
        method: 'GET',
        headers: whoAmIHeaders,
        connections: settings.getConnections,
        seconds: seconds ?? settings.getSeconds,
      };
  }
}

/** Creates the sign-in users (a few at a time) and checks one "who am I" answer. */
async function prepare(target: Target): Promise<void> {
  for (let i = 0; i < SIGN_IN_USERS; i += 4) {
    await Promise.all(
      [0, 1, 2, 3]
        .filter((j) => i + j < SIGN_IN_USERS)
        .map(async (j) => {
          const response = await postJson(target.signUpUrl, target.postHeaders, target.signUpBody(signInEmail(target.kind, i + j)));
          await response.arrayBuffer();
        }),
    );
  }
  const email = signInEmail(target.kind, 0);
  const { headers } = await target.session(email);
  const response = await fetch(target.whoAmIUrl, { headers });
  const body: unknown = await response.json();
  if (response.status !== 200 || !target.checkWhoAmI(body, email)) {
    throw new Error(`${target.label}: "who am I" check failed (${response.status}): ${JSON.stringify(body).slice(0, 300)}`);
  }
}

async function jwtVerifications(jwksUrl: string, token: string, audience: string, inFlight: number, seconds: number): Promise<number> {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  await jwtVerify(token, jwks, { audience }); // fetches and caches the JWKS
  let count = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await jwtVerify(token, jwks, { audience });
        count++;
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

// ---------------------------------------------------------------------------------------------------------------
// Hashing parameters, read from the code and checked against a stored hash.

function packageVersion(name: string): string {
  try {
    const entry = require.resolve(name);
    let dir = path.dirname(entry);
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? '?';
      }
      dir = path.dirname(dir);
    }
  } catch {
    // fall through
  }
  return '?';
}

async function hashingLines(targets: Target[]): Promise<string[]> {
  const lines: string[] = [];
  const ours = targets.find((t) => t.kind === 'authsync');
  const theirs = targets.find((t) => t.kind === 'better-auth');
  if (ours) {
    const [row] = await adminQuery<{ h: string }>(
      ours.database.url,
      'SELECT password_hash AS h FROM authsync.users WHERE password_hash IS NOT NULL LIMIT 1',
    );
    const prefix = row?.h.split('$').slice(0, 4).join('$') ?? 'n/a';
    lines.push(
      `authsync:    argon2id m=${ARGON2_PARAMS.memoryCost} KiB, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism} ` +
        `(@node-rs/argon2 ${packageVersion('@node-rs/argon2')}; stored hashes start ${prefix}$…)`,
    );
  }
  if (theirs) {
    let params = 'N=16384, r=16, p=1, dkLen=64 (from the spec: the package source could not be read)';
    try {
      const file = createRequire(require.resolve('better-auth')).resolve('@better-auth/utils/password');
      const source = fs.readFileSync(file, 'utf8');
      const field = (name: string) => new RegExp(`\\b${name}:\\s*(\\d+)`).exec(source)?.[1];
      if (source.includes('node:crypto') && field('N') && field('r') && field('p') && field('dkLen')) {
        params = `N=${field('N')}, r=${field('r')}, p=${field('p')}, dkLen=${field('dkLen')} (node:crypto scrypt, read from @better-auth/utils ${packageVersion('@better-auth/utils')})`;
      }
    } catch {
      // keep the spec's values
    }
    const [row] = await adminQuery<{ h: string }>(
      theirs.database.url,
      'SELECT password AS h FROM account WHERE password IS NOT NULL LIMIT 1',
    );
    const stored = row
      ? `stored as salt:key, ${row.h.split(':')[0]!.length / 2}-byte hex salt, ${row.h.split(':')[1]!.length / 2}-byte key`
      : 'n/a';
    lines.push(`Better Auth: scrypt ${params}; better-auth ${packageVersion('better-auth')}; ${stored}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Main

export async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const [pgRow] = await adminQuery<{ v: string }>(settings.adminUrl, "SELECT current_setting('server_version') AS v");
  const kinds: Kind[] = settings.only ? [settings.only] : ['authsync', 'better-auth'];
  const targets: Target[] = [];
  const databases: string[] = [];
  let cleaningUp: Promise<void> | undefined;
  const cleanup = () =>
    (cleaningUp ??= (async () => {
      await Promise.all(targets.map((t) => t.child.stop()));
      for (const name of databases)
        await dropDatabase(settings.adminUrl, name).catch((e: unknown) => console.error(`could not drop ${name}:`, e));
    })());
  const onSignal = () => {
    console.error('\ninterrupted: stopping servers and dropping databases');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  try {
    for (const kind of kinds) {
      const database = await createDatabase(settings.adminUrl, kind === 'authsync' ? 'bench_authsync' : 'bench_better_auth');
      databases.push(database.name);
      const script = path.join(here, 'servers', kind === 'authsync' ? 'authsync-server.ts' : 'better-auth-server.ts');
      const execArgv = settings.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(settings.cpuProfDir, kind)] : [];
      const child = await startChild(kind, script, database.url, execArgv);
      targets.push(kind === 'authsync' ? authsyncTarget(child, database) : betterAuthTarget(child, database));
      log(`${kind} ready at ${child.ready.url} (database ${database.name})`);
    }

    // Warm-up (not recorded): the sign-in users, a correctness check, then a short run of each case.
    for (const target of targets) {
      await prepare(target);
      const { headers } = await target.session(signInEmail(target.kind, 1));
      for (const caseName of ['who-am-i', 'sign-in', 'sign-up'] as const) {
        const load = await runLoad(loadSpec(target, caseName, headers, caseName === 'who-am-i' ? 3 : 4));
        if (load.non2xx > 0 || load.errors > 0)
          throw new Error(`${target.label} warm-up ${caseName}: ${load.ok} ok, ${load.non2xx} non-2xx, ${load.errors} errors`);
      }
      await sleep(settings.drainSeconds * 1000);
      log(`${target.label} warmed up`);
    }

    const measurements: Measurement[] = [];
    const jwt: { single: number[]; concurrent: number[] } = { single: [], concurrent: [] };
    const ours = targets.find((t) => t.kind === 'authsync');
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      // Fresh credentials each round (access tokens live 10 minutes by default).
      const sessions = new Map<Kind, { headers: Record<string, string>; accessToken?: string }>();
      for (const target of order) sessions.set(target.kind, await target.session(signInEmail(target.kind, round % SIGN_IN_USERS)));
      for (const caseName of ['sign-up', 'sign-in', 'who-am-i'] as const) {
        // The case's time is cut into slices that alternate between the servers (A B B A …), so that both see
        // the same background load on a shared machine; hash-bound slices are each followed by a drain.
        const hashBound = caseName !== 'who-am-i';
        const slices = hashBound ? settings.hashSlices : settings.getSlices;
        const sliceSeconds = (hashBound ? settings.hashSeconds : settings.getSeconds) / slices;
        const parts = new Map<Kind, Array<{ load: LoadResult; cpu: CpuCores }>>(targets.map((t) => [t.kind, []]));
        const latencies = new Map<Kind, number[]>(targets.map((t) => [t.kind, []]));
        for (let slice = 0; slice < slices; slice++) {
          for (const target of slice % 2 === 0 ? order : [...order].reverse()) {
            const spec = loadSpec(target, caseName, sessions.get(target.kind)!.headers, sliceSeconds);
            parts.get(target.kind)!.push(await measure(target, spec, latencies.get(target.kind)!));
            if (hashBound) await sleep(settings.drainSeconds * 1000);
          }
        }
        for (const target of order) {
          const { load, cpu } = combine(parts.get(target.kind)!, latencies.get(target.kind)!);
          measurements.push({ round, kind: target.kind, caseName, load, cpu });
          log(
            `round ${round} ${target.label.padEnd(11)} ${caseName.padEnd(8)} ${fmt(load.rps)} req/s, p50 ${fmt(load.p50, 1)} ms, p99 ${fmt(load.p99, 1)} ms, ` +
              `non-2xx ${load.non2xx}, errors ${load.errors}, CPU server ${fmt(cpu.server ?? NaN)} pg ${fmt(cpu.postgres ?? NaN)} driver ${fmt(cpu.driver)}`,
          );
        }
      }
      if (ours) {
        const { accessToken } = sessions.get('authsync')!;
        jwt.single.push(
          await jwtVerifications(ours.child.ready.jwksUrl!, accessToken!, ours.child.ready.projectId!, 1, settings.jwtSeconds),
        );
        jwt.concurrent.push(
          await jwtVerifications(ours.child.ready.jwksUrl!, accessToken!, ours.child.ready.projectId!, 32, settings.jwtSeconds),
        );
        log(
          `round ${round} jose createRemoteJWKSet verify: ${fmt(jwt.single.at(-1)!)}/s (1 in flight), ${fmt(jwt.concurrent.at(-1)!)}/s (32 in flight)`,
        );
      }
    }

    const hashing = await hashingLines(targets);
    const report = formatReport({
      startedAt,
      loadBefore,
      loadAfter: loadAverage(),
      pgVersion: pgRow?.v ?? '?',
      targets,
      measurements,
      jwt,
      hashing,
    });
    process.stdout.write(report);
    const resultsDir = path.join(repoRoot, 'bench', 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const suffix = settings.only ? `-${settings.only}` : '';
    fs.writeFileSync(path.join(resultsDir, `auth-vs-better-auth${suffix}.txt`), report);
    fs.writeFileSync(
      path.join(resultsDir, `auth-vs-better-auth${suffix}.json`),
      `${JSON.stringify({ startedAt, settings: { ...settings, adminUrl: undefined }, measurements, jwt, hashing }, null, 2)}\n`,
    );
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface ReportInput {
  startedAt: Date;
  loadBefore: string;
  loadAfter: string;
  pgVersion: string;
  targets: Target[];
  measurements: Measurement[];
  jwt: { single: number[]; concurrent: number[] };
  hashing: string[];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function formatReport(input: ReportInput): string {
  const { measurements } = input;
  const pick = (kind: Kind, caseName: CaseName) => measurements.filter((m) => m.kind === kind && m.caseName === caseName);
  const stat = (kind: Kind, caseName: CaseName, f: (m: Measurement) => number | null): Spread =>
    spread(
      pick(kind, caseName)
        .map(f)
        .filter((v): v is number => v !== null),
    );
  const roundRatios = (caseName: CaseName, f: (m: Measurement) => number): Spread => {
    const ratios: number[] = [];
    for (const m of pick('authsync', caseName)) {
      const other = measurements.find((o) => o.kind === 'better-auth' && o.caseName === caseName && o.round === m.round);
      if (other && f(other) > 0) ratios.push(f(m) / f(other));
    }
    return spread(ratios);
  };
  const both = input.targets.length === 2;
  const ratioCell = (a: Spread, b: Spread, caseName: CaseName, f: (m: Measurement) => number) => {
    if (!both) return 'n/a';
    const perRound = roundRatios(caseName, f);
    return `${fmt(a.median / b.median, 2)}× (rounds ${fmt(perRound.min, 2)}–${fmt(perRound.max, 2)})`;
  };

  const rows: string[][] = [];
  const metric = (label: string, caseName: CaseName, f: (m: Measurement) => number, digits?: number) => {
    const a = stat('authsync', caseName, f);
    const b = stat('better-auth', caseName, f);
    rows.push([label, fmtSpread(a, digits), fmtSpread(b, digits), ratioCell(a, b, caseName, f)]);
    return { a, b };
  };
  const h = `${settings.hashConnections} conns × ${settings.hashSeconds} s`;
  const g = `${settings.getConnections} conns × ${settings.getSeconds} s`;
  metric(`sign-ups/s (${h})`, 'sign-up', (m) => m.load.rps);
  const signIn = metric(`sign-ins/s (${h})`, 'sign-in', (m) => m.load.rps);
  const who = metric(`who am I req/s (${g})`, 'who-am-i', (m) => m.load.rps);
  metric('who am I p50 ms', 'who-am-i', (m) => m.load.p50, 1);
  const p99 = metric('who am I p99 ms', 'who-am-i', (m) => m.load.p99, 1);
  const jwtSingle = spread(input.jwt.single);
  const jwtConcurrent = spread(input.jwt.concurrent);
  rows.push(['JWT verify/s, jose createRemoteJWKSet, 1 in flight', fmtSpread(jwtSingle), 'none (see note)', '–']);
  rows.push(['JWT verify/s, jose createRemoteJWKSet, 32 in flight', fmtSpread(jwtConcurrent), 'none (see note)', '–']);

  const cpuRows: string[][] = [];
  for (const caseName of ['sign-up', 'sign-in', 'who-am-i'] as const) {
    for (const target of input.targets) {
      const c = (f: (cpu: CpuCores) => number | null) => fmt(stat(target.kind, caseName, (m) => f(m.cpu)).median, 2);
      const errors = pick(target.kind, caseName).reduce((n, m) => n + m.load.non2xx + m.load.errors, 0);
      cpuRows.push([
        `${caseName} ${target.label}`,
        c((x) => x.server),
        c((x) => x.postgres),
        c((x) => x.driver),
        c((x) => x.idle),
        String(errors),
      ]);
    }
  }

  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const targetLines = both
    ? [
        `sign-ins/s ≥ 5× Better Auth's:             ${fmt(signIn.a.median / signIn.b.median, 2)}×  ${verdict(signIn.a.median >= 5 * signIn.b.median)}`,
        `/users/me req/s ≥ 4× get-session's:        ${fmt(who.a.median / who.b.median, 2)}×  ${verdict(who.a.median >= 4 * who.b.median)}`,
        `/users/me p99 ≤ ¼ of get-session's p99:    ${fmt(p99.a.median, 1)} ms vs ${fmt(p99.b.median, 1)} ms = ${fmt(p99.a.median / p99.b.median, 2)}×  ${verdict(p99.a.median <= p99.b.median / 4)}`,
      ]
    : ['(one-sided run: no targets)'];

  return `${[
    'authsync vs Better Auth: auth server benchmark',
    `date:         ${input.startedAt.toISOString()}`,
    `machine:      ${machineLine()}, PostgreSQL ${input.pgVersion} on loopback`,
    `load average: ${input.loadBefore} (1/5/15 min) at start, ${input.loadAfter} at end`,
    `method:       each server in its own child process, autocannon in the driver; ${settings.rounds} rounds interleaved round-robin; ` +
      `per round and server: hash-bound POSTs ${h} in ${settings.hashSlices} slices, each followed by a ${settings.drainSeconds} s drain; ` +
      `GETs ${g} in ${settings.getSlices} slices; slices alternate A B B A between the servers; JWT ${settings.jwtSeconds} s per mode; ` +
      'medians over rounds (min–max)',
    '',
    'Password hashing',
    ...input.hashing.map((l) => `  ${l}`),
    '',
    table(['case', 'authsync', 'Better Auth', 'ours / theirs'], rows),
    '',
    "who am I: ours GET /api/v1/users/me (client access headers + the user's access token; one user row read per request);",
    '          theirs GET /api/auth/get-session with the session cookie (default: session and user read from the database).',
    'JWT note: Better Auth issues no JWT in this setup (its session is an opaque cookie); its optional `jwt` plugin adds',
    '          /api/auth/jwks and /api/auth/token (EdDSA keys by default) but is not part of the compared configuration.',
    '',
    'CPU (cores, median over rounds) and failures (non-2xx + errors, all rounds)',
    table(['case', 'server', 'postgres', 'driver', 'idle', 'failures'], cpuRows),
    '',
    'Targets (issue 2)',
    ...targetLines.map((l) => `  ${l}`),
    '',
  ].join('\n')}`;
}
