/**
 * users_sync cannot be stalled by an end user. The attack: through /sql, in the project's app database (where the
 * worker applies the outbox), hold the advisory key the worker took (pg_advisory_lock(73456003, hashtext(project)))
 * and send hundreds of PATCH /users/me with 1 MB of client_metadata: the project's sync stuck for good ("total size
 * of jsonb array elements exceeds the maximum"). Now the worker takes its turn on a row end users cannot lock, the
 * metadata is capped, and batches are bounded in bytes.
 */
import { randomBytes } from 'node:crypto';
import { neon, neonConfig } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.js';
import { projectSqlUrls } from '../../src/sql/project-urls.js';
import { readCheckpoint } from '../../src/sync/checkpoint.js';
import { DEFAULT_BATCH_BYTES, readOutbox } from '../../src/sync/outbox.js';
import { resyncTarget } from '../../src/sync/resync.js';
import { syncTargetOnce } from '../../src/sync/target-pass.js';
import { ensureTarget } from '../../src/sync/target-schema.js';
import { useTestServer } from '../helpers/server.js';
import {
  call,
  clientHeadersFor,
  createSyncProject,
  eventually,
  expectTargetEqualsSource,
  withClient,
  type SyncProject,
} from '../sync/sync-helpers.js';

/** The advisory keys authsync used to take: the worker's (class, hashtext(project)) and provisioning's. */
const OLD_APPLY_LOCK_CLASS = 73_456_003;
const OLD_PROVISION_LOCK_KEY = 7_345_600_301;
const CAP = 65_536;

describe('users_sync cannot be stalled by an end user', () => {
  const t = useTestServer({ env: { AUTHSYNC_SQL_STATEMENT_TIMEOUT_AUTHENTICATED: '60000', AUTHSYNC_RATE_LIMITS: 'off' } });
  let p: SyncProject;
  let token: string;
  let userId: string;
  let asUser: ReturnType<typeof neon>;

  beforeAll(async () => {
    // The app database elsewhere: users_sync there is written by the worker, and /sql runs there too.
    p = await createSyncProject(t, { externalApp: true, targets: 1 });
    const res = await fetch(`${t.apiUrl}/auth/password/sign-up`, {
      method: 'POST',
      headers: clientHeadersFor(p),
      body: JSON.stringify({ email: 'attacker@example.com', password: 'correct horse battery staple' }),
    });
    const json = (await res.json()) as { user_id: string; access_token: string };
    ({ user_id: userId, access_token: token } = json);
    const urls = projectSqlUrls(t.server.ctx.config, p.projectId, p.app!.url);
    neonConfig.fetchEndpoint = urls.sqlEndpoint;
    asUser = neon(urls.databaseAuthenticatedUrl, { authToken: token });
  });
  afterAll(async () => {
    await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
    for (const db of [p?.app, ...(p?.targets ?? [])]) await db?.drop();
  });

  const targets = () => [p.app!.url, p.targets[0]!.url];

  it("an end user cannot take the worker's turn: the target catches up while it holds the old keys", async () => {
    // The new lock is out of reach: no privilege on authsync_sync at all.
    for (const attempt of [
      () => asUser.query('SELECT 1 FROM authsync_sync.checkpoints WHERE project_id = $1::uuid FOR UPDATE', [p.projectId]),
      () => asUser.query("SELECT * FROM authsync_sync.apply_outbox_batch($1::uuid, '[]'::jsonb, '1:1:', 0)", [p.projectId]),
      () => asUser.transaction([asUser.query('LOCK TABLE authsync_sync.checkpoints IN ACCESS EXCLUSIVE MODE')]),
    ]) {
      await expect(attempt()).rejects.toThrow(/permission denied for schema authsync_sync/);
    }

    // The old keys, held in a long request (the statement timeout is raised for this test).
    let done = false;
    const holding = asUser
      .query('SELECT pg_advisory_lock($1::int, hashtext($2)), pg_advisory_lock($3::bigint), pg_sleep(15)', [
        OLD_APPLY_LOCK_CLASS,
        p.projectId,
        OLD_PROVISION_LOCK_KEY,
      ])
      .finally(() => (done = true));
    await eventually(async () => {
      const held = await withClient(
        p.app!.url,
        async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted")).rows[0].n,
      );
      expect(held).toBeGreaterThanOrEqual(2);
    });

    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push((await call(t, p, 'POST', '/users', { display_name: `During ${i}`, server_metadata: { i } })).json.id as string);
    for (const id of ids.slice(0, 5)) expect((await call(t, p, 'PATCH', `/users/${id}`, { display_name: 'Renamed' })).status).toBe(200);
    const patched = await fetch(`${t.apiUrl}/users/me`, {
      method: 'PATCH',
      headers: { ...clientHeadersFor(p), 'x-stack-access-token': token },
      body: JSON.stringify({ client_metadata: { note: 'while holding the lock' } }),
    });
    expect(patched.status).toBe(200);

    for (const url of targets()) await eventually(() => expectTargetEqualsSource(t.server.ctx.db, url, p.projectId), 12_000);
    console.log(
      `16 changes written and applied to both databases in ${Math.round(performance.now() - started)} ms while the end user held the old keys`,
    );
    // Provisioning (every runner start, every server start on that database) is not held back either.
    const app = openPostgres(p.app!.url, { max: 1 });
    try {
      await ensureTarget(app);
    } finally {
      await app.close();
    }
    expect(done).toBe(false); // all of it while the end user still held the keys
    await holding;
  }, 60_000);

  it('metadata over the cap is SCHEMA_ERROR on every path, and nothing is written', async () => {
    const huge = 'x'.repeat(1_000_000);
    const before = await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authsync.sync_outbox WHERE project_id = $1', [
      p.projectId,
    ]);
    const users = await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authsync.users WHERE project_id = $1', [
      p.projectId,
    ]);
    const me = { ...clientHeadersFor(p), 'x-stack-access-token': token };

    const attempts: Array<{ status: number; code: string | null; body: { error?: string } }> = [];
    const send = async (method: string, route: string, headers: Record<string, string>, body: unknown) => {
      const res = await fetch(`${t.apiUrl}${route}`, { method, headers, body: JSON.stringify(body) });
      attempts.push({ status: res.status, code: res.headers.get('x-stack-known-error'), body: (await res.json()) as { error?: string } });
    };
    await send('PATCH', '/users/me', me, { client_metadata: { blob: huge } });
    await send('PATCH', '/users/me', me, { display_name: 'Half', client_metadata: { blob: 'y'.repeat(CAP) } });
    await send('POST', '/users', serverHeaders(), { display_name: 'Big', server_metadata: { blob: huge } });
    await send('PATCH', `/users/${userId}`, serverHeaders(), { display_name: 'Half', client_read_only_metadata: { blob: huge } });
    await send('PATCH', '/users/me', { ...serverHeaders(), 'x-stack-access-token': token }, { server_metadata: huge });

    for (const [i, a] of attempts.entries()) {
      expect(a.status, `attempt ${i}`).toBe(400);
      expect(a.code, `attempt ${i}`).toBe('SCHEMA_ERROR');
      expect(a.body.error).toMatch(/(client_metadata|client_read_only_metadata|server_metadata): must be at most 65536 bytes as JSON text/);
    }
    // Nothing half-written: the user is unchanged, no user was created, no outbox row was written.
    const current = await call(t, p, 'GET', `/users/${userId}`);
    expect(current.json).toMatchObject({
      display_name: null,
      client_metadata: { note: 'while holding the lock' },
      client_read_only_metadata: null,
    });
    expect(
      (await t.server.ctx.db.query('SELECT count(*)::int AS n FROM authsync.users WHERE project_id = $1', [p.projectId])).rows,
    ).toEqual(users.rows);
    expect(
      (await t.server.ctx.db.query('SELECT count(*)::int AS n FROM authsync.sync_outbox WHERE project_id = $1', [p.projectId])).rows,
    ).toEqual(before.rows);
    // Just under the cap is fine.
    const ok = await fetch(`${t.apiUrl}/users/me`, {
      method: 'PATCH',
      headers: me,
      body: JSON.stringify({ client_metadata: 'z'.repeat(CAP - 2) }),
    });
    expect(ok.status).toBe(200);
  });

  it('300 users with metadata just under the cap reach the targets in batches bounded in bytes', async () => {
    for (const url of targets()) await eventually(() => expectTargetEqualsSource(t.server.ctx.db, url, p.projectId));
    await t.server.sync.idle();
    await t.server.sync.stop(); // this test drives the passes itself, to see the batches
    const { ctx } = t.server;
    const rssBefore = process.memoryUsage().rss;
    const from = new Map<string, Awaited<ReturnType<typeof readCheckpoint>>>();
    for (const url of targets()) {
      const db = openPostgres(url, { max: 1 });
      from.set(url, await readCheckpoint(db, p.projectId));
      await db.close();
    }
    // 300 × 60 KB of random text (incompressible), written with server access, 5 at a time.
    for (let i = 0; i < 300; i += 5) {
      await Promise.all(
        Array.from({ length: 5 }, async (_, j) => {
          const res = await call(t, p, 'POST', '/users', {
            display_name: `Big ${i + j}`,
            server_metadata: { blob: randomBytes(30_000).toString('hex') },
          });
          expect(res.status).toBe(201);
        }),
      );
    }
    // What one read returns: cut by bytes, not at 2000 rows.
    const first = await readOutbox(ctx.db, p.projectId, from.get(p.app!.url)!.snapshot, { xid: 0, seq: 0 }, 2000);
    const bytes = first.rows.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r.change.raw_json)), 0);
    expect(first.full).toBe(true);
    expect(first.rows.length).toBeGreaterThan(1);
    expect(first.rows.length).toBeLessThan(300);
    expect(bytes).toBeLessThanOrEqual(DEFAULT_BATCH_BYTES);

    const report: string[] = [];
    for (const url of targets()) {
      const target = openPostgres(url, { max: 2 });
      try {
        const pass = await syncTargetOnce(ctx.db, target, p.projectId, { from: from.get(url)! });
        expect(pass.applied).toBe(300);
        expect(pass.batches).toBeGreaterThanOrEqual(Math.ceil((300 * 60_000) / DEFAULT_BATCH_BYTES));
        report.push(`${pass.batches} batches`);
      } finally {
        await target.close();
      }
      await expectTargetEqualsSource(ctx.db, url, p.projectId);
    }
    // Resync (the backfill of a new target, `authsync sync resync`) compares in pages bounded in bytes too.
    const target = openPostgres(p.targets[0]!.url, { max: 2 });
    let pages = 0;
    try {
      const resync = await resyncTarget(ctx.db, target, p.projectId, { outbox: true, onProgress: () => (pages += 1) });
      expect(resync.repaired).toBe(0);
      expect(resync.compared).toBeGreaterThan(300);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil((300 * 60_000) / DEFAULT_BATCH_BYTES));
      report.push(`resync ${resync.compared} users in ${pages} pages`);
    } finally {
      await target.close();
    }
    const rss = process.memoryUsage().rss;
    console.log(
      `300 users × 60 KB: first page ${first.rows.length} rows, ${(bytes / 1024 / 1024).toFixed(2)} MiB; passes and resync: ${report.join(', ')}; ` +
        `test process (server included) RSS ${Math.round(rssBefore / 1e6)} MB before, ${Math.round(rss / 1e6)} MB after`,
    );
  }, 120_000);

  function serverHeaders(): Record<string, string> {
    return {
      'x-stack-access-type': 'server',
      'x-stack-project-id': p.projectId,
      'x-stack-secret-server-key': p.keys.secretServerKey,
      'content-type': 'application/json',
    };
  }
});
