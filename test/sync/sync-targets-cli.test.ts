/**
 * `authsync sync targets add|remove`, run as a user would (the CLI in a child process) against a running server:
 * an added database gets neon_auth.users_sync filled with the users that already exist and then every change;
 * a removed one is written no more, no longer holds back the outbox, and its table is left in place. The app
 * database cannot be removed, and an unknown target or a bad URL is a clear error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKey } from '../../src/projects/databases.js';
import { runCli } from '../cli/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { useTestServer } from '../helpers/server.js';
import { call, createSyncProject, eventually, expectTargetEqualsSource, targetRows, withClient } from './sync-helpers.js';

const t = useTestServer();
let target: TestDatabase;
let common: string[];

beforeAll(async () => {
  target = await createTestDatabase('authsync_target');
  common = ['--project', t.projectId, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
});

afterAll(async () => {
  await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
  await target?.drop();
});

const project = () => ({ projectId: t.projectId, keys: t.keys });

async function createUser(email: string): Promise<string> {
  const { status, json } = await call(t, project(), 'POST', '/users', { primary_email: email, primary_email_auth_enabled: true });
  expect(status, JSON.stringify(json)).toBe(201);
  return json.id as string;
}

describe('authsync sync targets', { timeout: 120_000 }, () => {
  it('add: the new database is filled with the existing users, then kept up to date', async () => {
    await createUser('before-1@example.com');
    await createUser('before-2@example.com');
    const added = await runCli(['sync', 'targets', 'add', ...common, '--target', target.url, '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({
      projectId: t.projectId,
      target: databaseKey(target.url),
      purpose: 'sync_target',
      tableReady: true,
    });

    await eventually(() => expectTargetEqualsSource(t.server.ctx.db, target.url, t.projectId));
    const later = await createUser('after-add@example.com');
    const { rows: connected } = await t.server.ctx.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'authsync-sync'`,
      [target.name],
    );
    expect(Number(connected[0]!.n)).toBeGreaterThan(0);
    await eventually(async () => expect((await targetRows(target.url, [later])).size).toBe(1));
    const status = await runCli(['sync', 'status', ...common, '--json']);
    expect((JSON.parse(status.stdout) as { target: string }[]).map((s) => s.target)).toContain(databaseKey(target.url));
  });

  it('remove: the database is written no more and stops holding back the outbox; its table stays', async () => {
    const removed = await runCli(['sync', 'targets', 'remove', ...common, '--target', target.url, '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ projectId: t.projectId, removed: databaseKey(target.url) });
    const status = await runCli(['sync', 'status', ...common, '--json']);
    expect((JSON.parse(status.stdout) as { target: string }[]).map((s) => s.target)).not.toContain(databaseKey(target.url));

    // The server's runner for it stops (on the change notice, or at the latest at its next poll) and closes its
    // connections to the database...
    await eventually(async () => {
      const { rows } = await t.server.ctx.db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'authsync-sync'`,
        [target.name],
      );
      expect(rows[0]!.n).toBe('0');
    });
    const before = await withClient(target.url, async (c) =>
      Number((await c.query('SELECT count(*) FROM neon_auth.users_sync')).rows[0].count),
    );
    expect(before).toBe(3);
    const afterRemoval = await createUser('after-remove@example.com');
    // ...and with no external target left, the outbox is pruned down to nothing.
    await eventually(async () => {
      const { rows } = await t.server.ctx.db.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM authsync.sync_outbox WHERE project_id = $1',
        [t.projectId],
      );
      expect(rows[0]!.n).toBe('0');
    });
    expect((await targetRows(target.url, [afterRemoval])).size).toBe(0);
    expect(
      await withClient(target.url, async (c) => Number((await c.query('SELECT count(*) FROM neon_auth.users_sync')).rows[0].count)),
    ).toBe(before);
  });

  it('refuses the app database, an unknown target and a bad URL, with a clear message', async () => {
    const own = await runCli(['sync', 'targets', 'remove', ...common, '--target', t.databaseUrl!]);
    expect(own.code).toBe(1);
    expect(own.stderr).toContain("is the server's own database, which keeps users_sync for its projects: it is not an extra target.");
    const external = await createSyncProject(t, { externalApp: true });
    const app = await runCli([
      'sync',
      'targets',
      'remove',
      '--project',
      external.projectId,
      ...common.slice(2),
      '--target',
      external.app!.url,
    ]);
    expect(app.code).toBe(1);
    expect(app.stderr).toContain("is the project's app database, not an extra target: it cannot be removed.");
    await external.app!.drop();
    const unknown = await runCli(['sync', 'targets', 'remove', ...common, '--target', 'postgres://db.example.com/nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('db.example.com:5432/nowhere is not a users_sync database of that project');
    const bad = await runCli(['sync', 'targets', 'add', ...common, '--target', 'not a url']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"not a url" is not a database URL.');
    const noProject = await runCli([
      'sync',
      'targets',
      'add',
      '--project',
      '00000000-0000-4000-8000-000000000000',
      '--target',
      target.url,
      '--database-url',
      t.databaseUrl!,
      '--data-dir',
      t.dataDir,
    ]);
    expect(noProject.code).toBe(1);
    expect(noProject.stderr).toContain('No project with the ID');
  });
});
