/**
 * Real `authsync start` processes: one killed with SIGKILL while it applies a backlog to a target, then
 * started again beside a second process on the same database. The target converges to the source, and
 * the two processes share the work (advisory lock in the target) without losing or duplicating a row.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createProject, type ProjectKeys } from '../../src/projects/projects.js';
import { provisionProject } from '../../src/provisioning/provision.js';
import { openContext, type OpenedContext } from '../../src/server/app-context.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { eventually, expectTargetEqualsSource, serverHeadersFor, withClient } from './sync-helpers.js';
import { freePort } from '../helpers/free-port.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET = randomBytes(32).toString('hex');

async function startProcess(databaseUrl: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    'npx',
    [
      'tsx',
      'src/cli/main.ts',
      'start',
      '--port',
      String(port),
      '--database-url',
      databaseUrl,
      '--data-dir',
      dataDir,
      '--log-level',
      'error',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, AUTHSYNC_SECRET: SECRET },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    expect(child.exitCode, stderr).toBeNull();
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 60_000);
  return { child, url };
}

async function stopProcess(proc: { child: ChildProcess } | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  // npx runs tsx which runs node: signal the whole group of descendants through the npx process's children.
  killTree(proc.child.pid!, signal);
  await exited;
}

function killTree(pid: number, signal: NodeJS.Signals): void {
  for (const child of childPids(pid)) killTree(child, signal);
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('outbox worker processes', () => {
  let server: TestDatabase;
  let target: TestDatabase;
  let opened: OpenedContext;
  let projectId: string;
  let keys: ProjectKeys;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-sync-crash-'));
  const procs: Array<{ child: ChildProcess; url: string } | undefined> = [];

  beforeAll(async () => {
    server = await createTestDatabase('authsync_src');
    target = await createTestDatabase('authsync_target');
    opened = await openContext(loadConfig({ databaseUrl: server.url, dataDir, logLevel: 'silent' }, { AUTHSYNC_SECRET: SECRET }));
    const made = await createProject(opened.ctx.db, opened.ctx.box, { displayName: 'Crash test', syncDatabaseUrls: [target.url] });
    projectId = made.project.id;
    keys = made.keys;
    await provisionProject(opened.ctx, projectId);
  });
  afterAll(async () => {
    for (const proc of procs) await stopProcess(proc, 'SIGKILL');
    await opened?.close();
    await server?.drop();
    await target?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('converges after SIGKILL in the middle of a backlog, and two processes then share the work', { timeout: 240_000 }, async () => {
    const total = 6000;
    const count = () =>
      withClient(target.url, async (c) => Number((await c.query('SELECT count(*) AS n FROM neon_auth.users_sync')).rows[0].n));
    // A backlog: the target refuses connections while users are written (the outbox keeps them).
    await adminQuery(`ALTER DATABASE ${target.name} ALLOW_CONNECTIONS false`);
    procs[0] = await startProcess(server.url, dataDir);
    const { ctx } = opened;
    for (let i = 0; i < total; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          ctx.users.create(projectId, { display_name: `Bulk ${i + j}`, primary_email: `bulk${i + j}@example.com` }),
        ),
      );
    }
    await adminQuery(`ALTER DATABASE ${target.name} ALLOW_CONNECTIONS true`);

    // Kill the process while it is applying: some rows are in, not all.
    while ((await count()) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await stopProcess(procs[0], 'SIGKILL');
    const atKill = await count();
    expect(atKill).toBeLessThan(total);

    // Restart, with a second process on the same database; write through both while they catch up.
    procs[0] = await startProcess(server.url, dataDir);
    procs[1] = await startProcess(server.url, dataDir);
    const headers = serverHeadersFor({ projectId, keys });
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const url = procs[i % 2]!.url;
        const created = await fetch(`${url}/api/v1/users`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ display_name: `Live ${i}` }),
        });
        const id = ((await created.json()) as { id: string }).id;
        ids.push(id);
        await fetch(`${procs[(i + 1) % 2]!.url}/api/v1/users/${id}`, {
          method: 'PATCH',
          headers,
          body: JSON.stringify({ display_name: `Live ${i} renamed` }),
        });
        if (i % 5 === 0) await fetch(`${url}/api/v1/users/${id}`, { method: 'DELETE', headers });
      }),
    );
    await eventually(() => expectTargetEqualsSource(ctx.db, target.url, projectId), 90_000);
    expect(await count()).toBe(total + 40);
    // Both processes ran passes over the target (each records its progress; the errors, if any, are cleared).
    const state = await ctx.db.query<{ last_error: string | null; last_seq: number }>(
      'SELECT last_error, last_seq FROM authsync.sync_target_state',
    );
    expect(state.rows).toHaveLength(1);
    expect(state.rows[0]!.last_error).toBeNull();
  });
});
