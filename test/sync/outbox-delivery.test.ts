/**
 * The outbox to other databases loses nothing: a target that is unreachable while users are created,
 * updated, deleted and erased ends equal to the source once it is back (status and /metrics show the
 * backlog and the error meanwhile); concurrent updates of one user end in the latest state; and a
 * transaction that commits after a later-numbered one is not skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.js';
import { syncStatus } from '../../src/sync/status.js';
import { readCheckpoint } from '../../src/sync/checkpoint.js';
import { readOutbox } from '../../src/sync/outbox.js';
import { syncTargetOnce } from '../../src/sync/target-pass.js';
import { adminQuery } from '../helpers/databases.js';
import { useTestServer } from '../helpers/server.js';
import { call, createSyncProject, eventually, expectTargetEqualsSource, withClient, type SyncProject } from './sync-helpers.js';

describe('users_sync outbox delivery', () => {
  const t = useTestServer();
  let p: SyncProject;
  beforeAll(async () => {
    p = await createSyncProject(t, { targets: 1 });
  });
  afterAll(async () => {
    await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
    for (const target of p?.targets ?? []) await target.drop();
  });

  it('keeps every change made while the target is unreachable and applies it when the target is back', async () => {
    const target = p.targets[0]!;
    const before = await call(t, p, 'POST', '/users', { display_name: 'Before outage' });
    await eventually(() => expectTargetEqualsSource(t.server.ctx.db, target.url, p.projectId));

    await adminQuery(`ALTER DATABASE ${target.name} ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [target.name]);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++)
        ids.push(
          (await call(t, p, 'POST', '/users', { display_name: `User ${i}`, primary_email: `outage${i}@example.com` })).json.id as string,
        );
      for (const id of ids.slice(0, 10))
        expect((await call(t, p, 'PATCH', `/users/${id}`, { display_name: 'Renamed', server_metadata: { n: 1 } })).status).toBe(200);
      for (const id of ids.slice(10, 15)) expect((await call(t, p, 'DELETE', `/users/${id}`)).status).toBe(200);
      for (const id of [...ids.slice(15, 17), ids[10]!]) expect((await call(t, p, 'POST', `/users/${id}/erase`)).status).toBe(200);
      expect((await call(t, p, 'DELETE', `/users/${before.json.id}`)).status).toBe(200);

      // The outage is visible: pending changes, an error, and the same in /metrics.
      await eventually(async () => {
        const status = (await syncStatus(t.server.ctx.db, p.projectId)).find((s) => s.mode === 'outbox')!;
        expect(status.pending).toBeGreaterThanOrEqual(36);
        expect(status.lastError).toBeTruthy();
        expect(status.lagSeconds).toBeGreaterThan(0);
      });
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(
        new RegExp(`authsync_users_sync_last_error\\{project="${p.projectId}",target="[^"]+${target.name}",mode="outbox"\\} 1`),
      );
      expect(metrics).toMatch(new RegExp(`authsync_users_sync_pending\\{project="${p.projectId}",target="[^"]+",mode="outbox"\\} [1-9]`));
    } finally {
      await adminQuery(`ALTER DATABASE ${target.name} ALLOW_CONNECTIONS true`);
    }
    await eventually(() => expectTargetEqualsSource(t.server.ctx.db, target.url, p.projectId), 60_000);
    await eventually(async () => {
      const status = (await syncStatus(t.server.ctx.db, p.projectId)).find((s) => s.mode === 'outbox')!;
      expect(status).toMatchObject({ pending: 0, lagSeconds: 0, lastError: null });
    });
    // Nothing duplicated, the erased rows are gone and the soft-deleted ones kept.
    const counts = await withClient(
      target.url,
      async (c) => (await c.query('SELECT count(*)::int AS all, count(deleted_at)::int AS deleted FROM neon_auth.users_sync')).rows[0],
    );
    // 21 users; 3 erased (one of them soft-deleted first); 5 soft-deleted remain (4 of the 5, and the first user).
    expect(counts).toEqual({ all: 18, deleted: 5 });
  });

  it('ends with the latest state after many concurrent updates of one user', async () => {
    const target = p.targets[0]!;
    const id = (await call(t, p, 'POST', '/users', { display_name: 'Busy' })).json.id as string;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => call(t, p, 'PATCH', `/users/${id}`, { display_name: `Busy ${i}`, client_metadata: { i } })),
    );
    const source = await call(t, p, 'GET', `/users/${id}`);
    expect(source.json.display_name).toMatch(/^Busy \d+$/);
    await eventually(async () => {
      const row = await withClient(
        target.url,
        async (c) => (await c.query('SELECT raw_json FROM neon_auth.users_sync WHERE id = $1', [id])).rows[0],
      );
      expect(row?.raw_json).toEqual(source.json);
    });
    const version = await withClient(
      target.url,
      async (c) => (await c.query('SELECT version FROM authsync_sync.user_versions WHERE id = $1', [id])).rows[0].version,
    );
    expect(Number(version)).toBe(41);
  });

  it('does not skip a transaction that commits after a later-numbered one', async () => {
    await t.server.sync.stop(); // this test drives the passes itself
    const { ctx } = t.server;
    const target = openPostgres(p.targets[0]!.url, { max: 2 });
    try {
      const a = (await call(t, p, 'POST', '/users', { display_name: 'A0' })).json.id as string;
      const b = (await call(t, p, 'POST', '/users', { display_name: 'B0' })).json.id as string;
      await syncTargetOnce(ctx.db, target, p.projectId);

      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const wroteA = new Promise<void>((resolve) => (written = resolve));
      const slow = ctx.db.transaction(async (tx) => {
        await ctx.users.update(p.projectId, a, { display_name: 'A1' }, { tx }); // takes the smaller outbox seq
        written();
        await gate;
      });
      await wroteA;
      await ctx.users.update(p.projectId, b, { display_name: 'B1' }); // larger seq, commits first
      const seqs = (
        await ctx.db.query<{ user_id: string; seq: number }>(
          'SELECT user_id, seq FROM authsync.sync_outbox WHERE project_id = $1 AND user_id = ANY($2) ORDER BY seq DESC LIMIT 1',
          [p.projectId, [a, b]],
        )
      ).rows;
      expect(seqs[0]!.user_id).toBe(b);

      await syncTargetOnce(ctx.db, target, p.projectId); // sees B1 only; A1 is not committed yet
      const names = async () =>
        Object.fromEntries(
          (
            await target.query<{ id: string; name: string }>('SELECT id, name FROM neon_auth.users_sync WHERE id = ANY($1)', [[a, b]])
          ).rows.map((r) => [r.id, r.name]),
        );
      expect(await names()).toEqual({ [a]: 'A0', [b]: 'B1' });
      const checkpoint = (
        await target.query<{ last_seq: number }>('SELECT last_seq FROM authsync_sync.checkpoints WHERE project_id = $1', [p.projectId])
      ).rows[0]!;
      expect(Number(checkpoint.last_seq)).toBeGreaterThan(0);
      // The open transaction holds the oldest-running horizon back, but what was applied is not read again.
      const stored = (await readCheckpoint(target, p.projectId))!;
      expect((await readOutbox(ctx.db, p.projectId, stored.snapshot, { xid: 0, seq: 0 }, 100)).rows).toEqual([]);

      release();
      await slow;
      // Now committed, A1 is exactly what is left to read.
      const left = (await readOutbox(ctx.db, p.projectId, stored.snapshot, { xid: 0, seq: 0 }, 100)).rows;
      expect(left.map((r) => r.change.id)).toEqual([a]);
      await syncTargetOnce(ctx.db, target, p.projectId);
      expect(await names()).toEqual({ [a]: 'A1', [b]: 'B1' });
    } finally {
      await target.close();
    }
  });
});
