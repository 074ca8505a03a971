/**
 * `authsync start --workers 2` on PostgreSQL, as an operator runs it (real processes): two server processes answer on
 * one port, the start-up output is printed once, a users_sync change is written once in the server's database and once
 * in an external target, a SIGKILLed process is restarted while the port keeps answering, and SIGTERM to the primary
 * stops every process with exit code 0, and a crash loop stops the set with exit code 1. On the embedded database, more
 * than one process is a clear error and `auto` is one process.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { runCli, startCli } from './run-cli.js';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';

interface Health {
  status: string;
  pid: number;
  worker: number;
  workers: number;
}

/** GET /health on a new connection each time (a kept-alive connection stays with the process that accepted it). */
function health(url: string): Promise<Health> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/health`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(body) as Health) : reject(new Error(`/health ${res.statusCode}: ${body}`)),
      );
    });
    req.on('error', reject);
    // A connection handed to a process as it is killed gets no answer, as from any server that dies.
    req.setTimeout(3000, () => req.destroy(new Error('/health: no answer in 3 s')));
  });
}

async function healthMany(url: string, count: number): Promise<Health[]> {
  const answers: Health[] = [];
  for (let i = 0; i < count; i++) answers.push(await health(url));
  return answers;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Records every row written to neon_auth.users_sync in a database. */
const WRITE_LOG = `
  CREATE TABLE public.users_sync_writes (id text, op text, name text);
  CREATE FUNCTION public.log_users_sync_write() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO public.users_sync_writes VALUES (coalesce(NEW.id, OLD.id), TG_OP, NEW.name);
    RETURN NULL;
  END $$;
  CREATE TRIGGER log_write AFTER INSERT OR UPDATE OR DELETE ON neon_auth.users_sync
    FOR EACH ROW EXECUTE FUNCTION public.log_users_sync_write();`;

describe('authsync start --workers', () => {
  let db: TestDatabase;
  let target: TestDatabase;
  let dataDir: string;
  const pids = new Set<number>();
  beforeAll(async () => {
    db = await createTestDatabase('authsync_workers');
    target = await createTestDatabase('authsync_workers_target');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-workers-'));
  });
  afterAll(async () => {
    // A failed assertion must not leave a process behind.
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
    await target?.drop();
  });

  it('serves from two processes on one port, restarts a killed one, and stops them all on SIGTERM', { timeout: 300_000 }, async () => {
    const started = await startCli(['--workers', '2', '--database-url', db.url, '--data-dir', dataDir], { AUTHSYNC_LOG_LEVEL: 'warn' });
    pids.add(started.child.pid!);
    const url = started.url;

    // Two processes, neither of them the primary, both answering on the one port.
    const answers = await healthMany(url, 30);
    for (const a of answers) pids.add(a.pid);
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set([1, 2]));
    expect(new Set(answers.map((a) => a.pid)).size).toBe(2);
    expect(answers.every((a) => a.status === 'ok' && a.workers === 2 && a.pid !== started.child.pid)).toBe(true);

    // The start-up output, once.
    await until('the start-up output', async () => (started.result.output().includes('Dashboard:') ? true : undefined));
    const out = started.result.output();
    expect(out).toContain('(database: PostgreSQL, 2 server processes)');
    expect(out.match(/authsync listening on/g)).toHaveLength(1);
    expect(out.match(/Created the default project/g)).toHaveLength(1);
    expect(out.match(/Generated the dashboard's admin secret/g)).toHaveLength(1);
    const projectId = /Project ID\s+(\S+)/.exec(out)![1]!;
    const publishable = /Publishable client key\s+(\S+)/.exec(out)![1]!;
    const secretKey = /Secret server key\s+(\S+)/.exec(out)![1]!;
    expect(await query(db.url, `SELECT id FROM authsync.projects WHERE id <> '${INTERNAL_PROJECT_ID}'`)).toEqual([{ id: projectId }]);

    // users_sync: an external target, then a sign-up and a change, each written once in each database.
    const added = await runCli([
      'sync',
      'targets',
      'add',
      '--project',
      projectId,
      '--target',
      target.url,
      '--database-url',
      db.url,
      '--data-dir',
      dataDir,
    ]);
    expect(added.code, added.stderr).toBe(0);
    await query(db.url, WRITE_LOG);
    await query(target.url, WRITE_LOG);
    const client = { 'x-stack-access-type': 'client', 'x-stack-project-id': projectId, 'x-stack-publishable-client-key': publishable };
    const signUp = await fetch(`${url}/api/v1/auth/password/sign-up`, {
      method: 'POST',
      headers: { ...client, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'workers@example.com', password: 'correct horse battery' }),
    });
    expect(signUp.status, await signUp.clone().text()).toBe(200);
    const { user_id: userId } = (await signUp.json()) as { user_id: string };
    const server = { 'x-stack-access-type': 'server', 'x-stack-project-id': projectId, 'x-stack-secret-server-key': secretKey };
    const renamed = await fetch(`${url}/api/v1/users/${userId}`, {
      method: 'PATCH',
      headers: { ...server, 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'Two Processes' }),
    });
    expect(renamed.status, await renamed.text()).toBe(200);
    const writes = (u: string) =>
      query<{ op: string; name: string | null }>(u, 'SELECT op, name FROM users_sync_writes WHERE id = $1', [userId]);
    await until('the change in the target', async () =>
      (await writes(target.url)).some((w) => w.name === 'Two Processes') ? true : undefined,
    );
    // Time for a second applier, if there were one, to write again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const expected = [
      { op: 'INSERT', name: null },
      { op: 'UPDATE', name: 'Two Processes' },
    ];
    expect(await writes(db.url)).toEqual(expected);
    expect(await writes(target.url)).toEqual(expected);

    // SIGKILL of process 2: the port keeps answering (process 1), and process 2 comes back with a new pid.
    const killed = answers.find((a) => a.worker === 2)!.pid;
    process.kill(killed, 'SIGKILL');
    await until('the killed process to be gone', async () => (alive(killed) ? undefined : true));
    for (const a of await healthMany(url, 10)) expect(a.pid).not.toBe(killed);
    const restarted = await until('process 2 restarted', async () => {
      const found = (await healthMany(url, 6)).find((a) => a.worker === 2);
      return found ? found.pid : undefined;
    });
    pids.add(restarted);
    expect(restarted).not.toBe(killed);
    expect(started.result.output()).not.toMatch(/Created the default project[\s\S]*Created the default project/);
    // The primary logged it.
    const logged = started.result
      .output()
      .split('\n')
      .filter((line) => line.includes('server process exited; restarting it'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ worker: 2, pid: killed, signal: 'SIGKILL', crashes: 1, restartInMs: 250 })]);

    // SIGTERM to the primary: every process stops, exit code 0, none left behind.
    const before = await healthMany(url, 10);
    const live = new Set(before.map((a) => a.pid));
    expect(live.size).toBe(2);
    started.child.kill('SIGTERM');
    const result = await started.result;
    expect(result.code, result.stderr).toBe(0);
    await until('every server process to exit', async () => ([...live].some(alive) ? undefined : true), 10_000);
    await expect(health(url)).rejects.toThrow();
  });

  it('a process that keeps crashing stops the set: exit code 1, no process left', { timeout: 240_000 }, async () => {
    const started = await startCli(['--workers', '2', '--database-url', db.url, '--data-dir', dataDir]);
    pids.add(started.child.pid!);
    const seen = new Set<number>();
    for (let crash = 1; crash <= 6; crash++) {
      // Each restart comes after a longer pause (250 ms, 500 ms, … 4 s): kill process 2 again as soon as it is back.
      const pid = await until(`process 2, start ${crash}`, async () => {
        const found = (await healthMany(started.url, 4).catch(() => [])).find((a) => a.worker === 2 && !seen.has(a.pid));
        return found?.pid;
      });
      seen.add(pid);
      pids.add(pid);
      process.kill(pid, 'SIGKILL');
    }
    const result = await started.result;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('authsync: server process 2 crashed 6 times in a row; stopping.');
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  });

  it(
    'more than one process on the embedded database is a clear error, exit code 1; auto is one process',
    { timeout: 180_000 },
    async () => {
      const embeddedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-workers-embedded-'));
      try {
        for (const [args, env] of [
          [['--workers', '2'], {}],
          [[], { AUTHSYNC_WORKERS: '3' }],
        ] as Array<[string[], Record<string, string>]>) {
          const res = await runCli(['start', '--port', '0', '--data-dir', embeddedDir, ...args], env);
          expect(res.code).toBe(1);
          expect(res.stderr).toMatch(
            /^authsync: --workers \d needs PostgreSQL: the embedded database \(PGlite\) can be opened by one process only/,
          );
          expect(res.stderr).not.toMatch(/\n\s+at /);
        }
        const bad = await runCli(['start', '--port', '0', '--data-dir', embeddedDir, '--workers', 'many']);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/Invalid configuration:[\s\S]*workers: expected a number from 1 to 1024, or auto/);
        // Nothing was started: the data directory holds no database.
        expect(fs.existsSync(path.join(embeddedDir, 'pgdata'))).toBe(false);
        // auto is one process there, served as without the flag.
        const auto = await startCli(['--data-dir', embeddedDir, '--workers', 'auto']);
        pids.add(auto.child.pid!);
        expect(await healthMany(auto.url, 3)).toEqual(Array(3).fill({ status: 'ok', pid: auto.child.pid, worker: 1, workers: 1 }));
        auto.child.kill('SIGTERM');
        const stopped = await auto.result;
        expect(stopped.code, stopped.stderr).toBe(0);
        expect(stopped.stdout).toContain('(database: embedded PGlite in ');
        expect(stopped.stdout).not.toContain('server processes');
      } finally {
        fs.rmSync(embeddedDir, { recursive: true, force: true });
      }
    },
  );
});
