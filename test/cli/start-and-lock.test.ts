/**
 * `authsync start` on the embedded database: the default project is printed on the first start only; a
 * second process on the same data directory fails with the DATA_DIR_LOCKED message and exit code 1 while
 * the first keeps serving; after SIGKILL of the holder a restart succeeds; invalid configuration is a clear
 * message and exit code 1.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';
import { runCli, startCli } from './run-cli.js';

describe('authsync start on PGlite', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  const start = async (args: string[]) => {
    const started = await startCli(args);
    children.push(started.child);
    return started;
  };
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-cli-'));
  });
  afterAll(() => {
    // A failed assertion must not leave a server behind.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // Each CLI process compiles the sources on start (a few seconds on a busy machine).
  it('prints the default project on first start only, locks the data directory, and survives SIGKILL', { timeout: 240_000 }, async () => {
    // First start: creates and prints the default project.
    const first = await start(['--data-dir', dataDir]);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    // A second process on the same directory: clear error, exit code 1.
    const second = await runCli(['start', '--port', '0', '--data-dir', dataDir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^authsync: The data directory .* is in use by another authsync process \(pid \d+\)/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    const list = await runCli(['project', 'list', '--data-dir', dataDir]);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('is in use by another authsync process');
    // The holder is unaffected.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);

    first.child.kill('SIGTERM');
    const firstOut = await first.result;
    expect(firstOut.code).toBe(0);
    const printed = /Project ID\s+(\S+)/.exec(firstOut.stdout);
    expect(printed, firstOut.stdout).not.toBeNull();
    const projectId = printed![1]!;
    expect(firstOut.stdout).toMatch(/Publishable client key\s+pck_[a-z2-7]{48}/);
    expect(firstOut.stdout).toMatch(/Secret server key\s+ssk_[a-z2-7]{48}/);
    expect(firstOut.stdout).toMatch(/Super secret admin key\s+sak_[a-z2-7]{48}/);
    expect(firstOut.stdout).toContain(`JWKS URL`);
    expect(firstOut.stdout).toContain(`/api/v1/projects/${projectId}/.well-known/jwks.json`);
    const publishable = /Publishable client key\s+(\S+)/.exec(firstOut.stdout)![1]!;

    // Second start: same project, nothing printed about keys; then SIGKILL (the lock is left behind).
    const again = await start(['--data-dir', dataDir]);
    const current = await fetch(`${again.url}/api/v1/projects/current`, {
      headers: { 'x-stack-access-type': 'client', 'x-stack-project-id': projectId, 'x-stack-publishable-client-key': publishable },
    });
    expect(current.status).toBe(200);
    again.child.kill('SIGKILL');
    const againOut = await again.result;
    expect(againOut.signal).toBe('SIGKILL');
    expect(againOut.stdout).not.toContain('Created the default project');
    expect(againOut.stdout).not.toMatch(/pck_|ssk_|sak_/);

    // After the holder's death a restart succeeds and the data is intact.
    const restarted = await start(['--data-dir', dataDir]);
    const signUp = await fetch(`${restarted.url}/api/v1/auth/password/sign-up`, {
      method: 'POST',
      headers: {
        'x-stack-access-type': 'client',
        'x-stack-project-id': projectId,
        'x-stack-publishable-client-key': publishable,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ email: 'after-crash@example.com', password: 'correct horse battery' }),
    });
    expect(signUp.status).toBe(200);
    restarted.child.kill('SIGTERM');
    const restartedOut = await restarted.result;
    expect(restartedOut.code).toBe(0);
    expect(restartedOut.stdout).not.toContain('Created the default project');

    // Stopped cleanly: the directory is free for other commands.
    const listed = await runCli(['project', 'list', '--json', '--data-dir', dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    // Besides the internal project every instance has (docs/internal-project.md).
    const listedIds = (JSON.parse(listed.stdout) as Array<{ projectId: string }>).map((p) => p.projectId);
    expect(listedIds.filter((id) => id !== INTERNAL_PROJECT_ID)).toEqual([projectId]);
  });

  it('invalid configuration is a clear message and exit code 1', { timeout: 120_000 }, async () => {
    for (const [args, env, pattern] of [
      [['start', '--port', 'abc', '--data-dir', dataDir], {}, /Invalid configuration:[\s\S]*port/],
      [['start', '--port', '70000', '--data-dir', dataDir], {}, /Invalid configuration:[\s\S]*port/],
      [['start', '--port', '0', '--data-dir', dataDir, '--log-level', 'loud'], {}, /Invalid configuration:[\s\S]*logLevel/],
      [['start', '--port', '0', '--data-dir', dataDir, '--base-url', 'not a url'], {}, /Invalid configuration:[\s\S]*baseUrl/],
      [['start', '--port', '0', '--data-dir', dataDir], { AUTHSYNC_SECRET: 'too short' }, /AUTHSYNC_SECRET must be at least 32 characters/],
    ] as Array<[string[], Record<string, string>, RegExp]>) {
      const res = await runCli(args, env);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(pattern);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
