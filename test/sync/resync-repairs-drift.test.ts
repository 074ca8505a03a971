/**
 * Resync (authsync sync resync) repairs any drift between the users and a users_sync table: a row edited
 * by hand, a row deleted by hand, a soft-deleted row un-deleted by hand, an erased user put back by hand,
 * the table dropped. It also backfills a target added after users exist. A touch of last_active_at
 * (token refresh) is not drift. Checked through the CLI, in the server's own database and in a target.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SyncWorker } from '../../src/sync/worker.js';
import { addProjectDatabase } from '../../src/projects/databases.js';
import { useTestServer } from '../helpers/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { call, eventually, expectTargetEqualsSource, withClient } from './sync-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('resync', () => {
  const t = useTestServer();
  let target: TestDatabase;
  const ids: string[] = [];
  const cli = async (...args: string[]) =>
    JSON.parse(
      (await run('npx', ['tsx', 'src/cli/main.ts', ...args, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir], { cwd: ROOT }))
        .stdout,
    );

  beforeAll(async () => {
    const p = { projectId: t.projectId, keys: t.keys };
    for (let i = 0; i < 6; i++)
      ids.push((await call(t, p, 'POST', '/users', { display_name: `R${i}`, primary_email: `r${i}@example.com` })).json.id as string);
    await call(t, p, 'DELETE', `/users/${ids[4]}`);
    await call(t, p, 'POST', `/users/${ids[5]}/erase`);
    // A target added after the users exist.
    target = await createTestDatabase('authsync_target');
    await t.server.ctx.db.transaction((tx) => addProjectDatabase(tx, t.server.ctx.box, t.projectId, 'sync_target', target.url));
  }, 60_000);
  afterAll(async () => {
    await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
    await target?.drop();
  });

  it('backfills a target added after users exist', async () => {
    await t.server.sync.refresh();
    await eventually(() => expectTargetEqualsSource(t.server.ctx.db, target.url, t.projectId));
  });

  it(
    'repairs hand-made edits, deletions, un-deletions and resurrections, in the own database and in a target',
    { timeout: 120_000 },
    async () => {
      const vandalise = async (url: string) =>
        withClient(url, async (c) => {
          await c.query(`UPDATE neon_auth.users_sync SET raw_json = jsonb_set(raw_json, '{display_name}', '"Mallory"') WHERE id = $1`, [
            ids[0],
          ]);
          await c.query('UPDATE neon_auth.users_sync SET updated_at = now() WHERE id = $1', [ids[1]]);
          await c.query('DELETE FROM neon_auth.users_sync WHERE id = $1', [ids[2]]);
          await c.query('UPDATE neon_auth.users_sync SET deleted_at = NULL WHERE id = $1', [ids[4]]);
          await c.query(
            `INSERT INTO neon_auth.users_sync (raw_json) VALUES (jsonb_build_object('id', $1::text, 'display_name', 'ghost'))`,
            [ids[5]],
          );
          // Not drift: last_active_at_millis moves on token refresh, which is not a user change.
          await c.query(`UPDATE neon_auth.users_sync SET raw_json = jsonb_set(raw_json, '{last_active_at_millis}', '1') WHERE id = $1`, [
            ids[3],
          ]);
        });
      await vandalise(t.databaseUrl!);
      await vandalise(target.url);
      await expect(expectTargetEqualsSource(t.server.ctx.db, t.databaseUrl!, t.projectId)).rejects.toThrow();

      const reports = await cli('sync', 'resync', '--project', t.projectId, '--json');
      expect(reports).toEqual([
        expect.objectContaining({ target: 'server', compared: 6, repaired: 5 }),
        expect.objectContaining({ compared: 6, repaired: 5 }),
      ]);
      await expectTargetEqualsSource(t.server.ctx.db, t.databaseUrl!, t.projectId);
      await expectTargetEqualsSource(t.server.ctx.db, target.url, t.projectId);
      // A second run finds nothing to do.
      expect((await cli('sync', 'resync', '--project', t.projectId, '--json')).map((r: { repaired: number }) => r.repaired)).toEqual([
        0, 0,
      ]);
    },
  );

  it('re-creates a dropped table and refills it (in a target, also the bookkeeping schema)', { timeout: 120_000 }, async () => {
    await t.server.sync.stop(); // so that the repair below is resync's, not the worker's self-healing
    await withClient(t.databaseUrl!, (c) => c.query('DROP TABLE neon_auth.users_sync'));
    await withClient(target.url, (c) => c.query('DROP SCHEMA neon_auth CASCADE; DROP SCHEMA authsync_sync CASCADE'));
    const reports = await cli('sync', 'resync', '--project', t.projectId, '--target', target.url, '--json');
    expect(reports).toEqual([expect.objectContaining({ compared: 6, repaired: 5 })]);
    await expectTargetEqualsSource(t.server.ctx.db, target.url, t.projectId);
    await cli('sync', 'resync', '--project', t.projectId, '--json');
    await expectTargetEqualsSource(t.server.ctx.db, t.databaseUrl!, t.projectId);
    // The outbox still flows to the target afterwards.
    const worker = new SyncWorker(t.server.ctx);
    await worker.start();
    onTestFinished(() => worker.stop());
    const later = await call(t, { projectId: t.projectId, keys: t.keys }, 'POST', '/users', { display_name: 'After repair' });
    await eventually(async () => {
      const row = await withClient(
        target.url,
        async (c) => (await c.query('SELECT name FROM neon_auth.users_sync WHERE id = $1', [later.json.id])).rows[0],
      );
      expect(row?.name).toBe('After repair');
    });
  });

  it('status reports both databases; bad input is a clear error', async () => {
    const status = await cli('sync', 'status', '--project', t.projectId, '--json');
    expect(status).toEqual([
      expect.objectContaining({ target: 'server', mode: 'same-transaction', pending: 0, lagSeconds: 0 }),
      expect.objectContaining({ mode: 'outbox', pending: 0, lastError: null }),
    ]);
    await expect(cli('sync', 'status', '--project', 'nope', '--json')).rejects.toMatchObject({
      stderr: expect.stringContaining('No project with the ID "nope"'),
    });
    await expect(cli('users', 'erase', '--project', t.projectId, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      stderr: expect.stringMatching(/^authsync: The project has no user/),
    });
  });
});
