/** Helpers of the auth benchmark: child servers, throwaway databases, autocannon runs, CPU accounting, statistics. */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import type { ChildReady } from './protocol.js';

// ---------------------------------------------------------------------------------------------------------------
// Statistics

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function fmtSpread(s: Spread, digits?: number): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Databases

export function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  adminUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function createDatabase(adminUrl: string, prefix: string): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return { name, url: databaseUrlFor(adminUrl, name) };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Child servers

export interface Child {
  name: string;
  process: ChildProcess;
  ready: ChildReady;
  stop(): Promise<void>;
}

/** Forks `script` (TypeScript, through tsx) with the database URL; resolves when it reports ready. */
export async function startChild(name: string, script: string, databaseUrl: string, execArgv: string[] = []): Promise<Child> {
  const child = fork(script, [databaseUrl], {
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not ready within 60 s`)), 60_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as ChildReady);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited with code ${code} before it was ready`));
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    name,
    process: child,
    ready,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        if (child.connected) child.send('stop');
        else child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CPU accounting from /proc (Linux); null where unreadable.

const CLOCK_TICKS = 100;

function processTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function idleTicks(): number | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    return Number(cpu[4]) + Number(cpu[5]); // idle + iowait
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  at: number;
  server: number | null;
  /** Ticks of each PostgreSQL backend that could be read. */
  postgres: Map<number, number>;
  driverMicros: number;
  idle: number | null;
}

export interface CpuCores {
  server: number | null;
  postgres: number | null;
  driver: number;
  idle: number | null;
}

export async function postgresBackendPids(adminUrl: string, database: string): Promise<number[]> {
  const rows = await adminQuery<{ pid: number }>(adminUrl, 'SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  return rows.map((r) => r.pid);
}

export function cpuSnapshot(serverPid: number, postgresPids: readonly number[]): CpuSnapshot {
  const postgres = new Map<number, number>();
  for (const pid of postgresPids) {
    const ticks = processTicks(pid);
    if (ticks !== null) postgres.set(pid, ticks);
  }
  const usage = process.cpuUsage();
  return { at: performance.now(), server: processTicks(serverPid), postgres, driverMicros: usage.user + usage.system, idle: idleTicks() };
}

/**
 * Cores used between two snapshots. PostgreSQL: the backends readable at the end; one born during the run counts
 * from zero, one that ended during the run (pool idle timeout) is missing, so the figure is a lower bound.
 */
export function cpuCores(a: CpuSnapshot, b: CpuSnapshot): CpuCores {
  const seconds = (b.at - a.at) / 1000;
  const cores = (x: number | null, y: number | null) => (x === null || y === null ? null : (y - x) / CLOCK_TICKS / seconds);
  let postgresTicks = 0;
  for (const [pid, ticks] of b.postgres) postgresTicks += ticks - (a.postgres.get(pid) ?? 0);
  return {
    server: cores(a.server, b.server),
    postgres: b.postgres.size > 0 || a.postgres.size === 0 ? postgresTicks / CLOCK_TICKS / seconds : null,
    driver: (b.driverMicros - a.driverMicros) / 1e6 / seconds,
    idle: cores(a.idle, b.idle),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Load

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A fixed body, or a function returning the next body (unique e-mails, rotating users). */
  body?: string | (() => string);
  connections: number;
  seconds: number;
}

export interface LoadResult {
  /** 2xx responses per second of the run. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Latency percentiles (ms) over every response of the run. */
  p50: number;
  p99: number;
  seconds: number;
}

/** One autocannon run; the latency (ms) of every response is appended to `latencies`. */
export async function runLoad(spec: LoadSpec, latencies: number[] = []): Promise<LoadResult> {
  const { body } = spec;
  const own: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method,
        headers: spec.headers,
        connections: spec.connections,
        pipelining: 1,
        duration: spec.seconds,
        timeout: 30,
        ...(typeof body === 'string' ? { body } : {}),
        ...(typeof body === 'function'
          ? { requests: [{ method: spec.method, setupRequest: (request) => ({ ...request, body: body() }) }] }
          : {}),
      },
      (error: unknown, done: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => own.push(responseTime));
  });
  for (const value of own) latencies.push(value);
  return {
    rps: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: percentile(own, 0.5),
    p99: percentile(own, 0.99),
    seconds: result.duration,
  };
}

/** Nearest-rank percentile; sorts `values` in place. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))]!;
}

export function machineLine(): string {
  return `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()}, Node ${process.versions.node}`;
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
}
