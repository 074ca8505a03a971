/**
 * authsync's NOTIFY channels are not end-user controls. NOTIFY has no privilege check and pg_notify is executable by
 * PUBLIC, so an anonymous visitor running SQL through /sql (in the server's own database, the default app database)
 * can send on any channel it can name. The flood that once cut a victim's sign-ins from 1,038 to 6 in 20 s: hundreds
 * of thousands of pg_notify on the old channel names, with project IDs and RESYNC-like payloads. Now the channels are
 * named from the server secret: none of it reaches the directory or the sync worker, and the cache keeps serving.
 */
import { neon } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames } from '../../src/db/channels.js';
import { notifyProjectChange } from '../../src/projects/projects.js';
import { adminQuery } from '../helpers/databases.js';
import { api, clientHeaders, useTestServer } from '../helpers/server.js';
import { signUp, signUpAnonymous, sqlUrls, type TestUser } from '../rls/support.js';
import { createSyncProject, eventually, type SyncProject } from '../sync/sync-helpers.js';

const OLD_CHANNELS = ['authsync_project_changes', 'authsync_users_sync'];

describe('internal NOTIFY channels are not end-user controls', () => {
  const t = useTestServer({ env: { AUTHSYNC_SQL_STATEMENT_TIMEOUT_ANONYMOUS: '60000' } });
  let p: SyncProject;
  let victim: TestUser;
  let asAnonymous: ReturnType<typeof neon>;

  beforeAll(async () => {
    // A project with an extra target, so that the worker has a runner that notifications could wake.
    p = await createSyncProject(t, { targets: 1 });
    victim = await signUp(t, 'victim@example.com');
    const anonymous = await signUpAnonymous(t);
    asAnonymous = neon(sqlUrls(t).anonymousUrl, { authToken: anonymous.accessToken });
  });
  afterAll(async () => {
    await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
    for (const target of p?.targets ?? []) await target.drop();
  });

  /** /users/me requests answered per second over `ms`, 4 at a time (the directory cache path). */
  async function usersMeRate(ms: number): Promise<{ perSecond: number; failed: number }> {
    const deadline = performance.now() + ms;
    let ok = 0;
    let failed = 0;
    const worker = async () => {
      while (performance.now() < deadline) {
        const res = await api(t, 'GET', '/users/me', { headers: clientHeaders(t, { 'x-stack-access-token': victim.accessToken }) });
        if (res.status === 200) ok += 1;
        else failed += 1;
      }
    };
    const started = performance.now();
    await Promise.all([worker(), worker(), worker(), worker()]);
    return { perSecond: Math.round((ok * 1000) / (performance.now() - started)), failed };
  }

  it('a flood of pg_notify on the old channel names reaches neither the directory nor the worker; the cache serves on', async () => {
    const { directory } = t.server.ctx;
    const { sync } = t.server;
    // Warm the cache (project, key hashes, verifying key) and measure the victim's rate undisturbed.
    expect((await api(t, 'GET', '/users/me', { headers: clientHeaders(t, { 'x-stack-access-token': victim.accessToken }) })).status).toBe(
      200,
    );
    const before = await usersMeRate(2_000);

    const loads = directory.loads;
    const since = performance.now();
    const invalidations = directory.invalidations;
    const heard = { ...sync.heard };

    // The end user cannot see authsync's channels: its own session listens on nothing, other sessions' SQL is hidden.
    expect(await asAnonymous.query('SELECT pg_listening_channels() AS c')).toEqual([]);
    // (By the names themselves: other end-user sessions of the cluster, e.g. pooled connections whose last statement
    // was authsync_rls.reset_session(), may be visible to it, since they share its role.)
    const names = Object.values(channelNames(t.server.ctx.serverSecret));
    const seen = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND (${names
      .map((_, i) => `strpos(query, $${i + 1}) > 0`)
      .join(' OR ')})`;
    expect(await asAnonymous.query(seen, names)).toEqual([{ n: 0 }]);
    // The control: a superuser does see authsync's LISTEN among them, so the query above looks in the right place.
    expect((await adminQuery(seen, names)).rows[0].n).toBeGreaterThan(0);

    const projects = [t.projectId, p.projectId];
    const flood = () =>
      OLD_CHANNELS.flatMap((channel) => [
        // Distinct payloads (identical ones are folded into one by PostgreSQL): numbers, and the projects' IDs.
        asAnonymous.query('SELECT count(pg_notify($1, i::text))::int AS n FROM generate_series(1, 50000) i', [channel]),
        asAnonymous.query(
          'SELECT count(pg_notify($1, p.id || repeat(chr(32), i % 64)))::int AS n FROM generate_series(1, 64) i, unnest($2::text[]) AS p(id)',
          [channel, projects],
        ),
        // RESYNC-like payloads (the real marker starts with U+0000, which a text payload cannot hold).
        asAnonymous.query("SELECT count(pg_notify($1, 'resync' || i))::int AS n FROM generate_series(1, 10000) i", [channel]),
        asAnonymous.query("SELECT count(pg_notify($1, 'resync'))::int AS n", [channel]),
      ]);
    // The flood runs for the whole measurement, one round after another.
    let sent = 0;
    let flooding = true;
    const flooder = (async () => {
      while (flooding) for (const rows of await Promise.all(flood())) sent += (rows as Array<{ n: number }>)[0]!.n;
    })();
    const during = await usersMeRate(3_000);
    flooding = false;
    await flooder;

    // Positive control: a notification authsync sends reaches both. It was committed after the whole flood, and
    // notifications arrive in commit order, so once it is seen, any flood notification would have been seen too.
    await notifyProjectChange(t.server.ctx.db, t.projectId);
    await eventually(async () => {
      expect(directory.invalidations).toBe(invalidations + 1);
      expect(sync.heard.projectChanges).toBe(heard.projectChanges + 1);
    });
    expect(sync.heard.outbox).toBe(heard.outbox);
    // Loads: the control's reload of the project (at most project, signer and verifier), and the same again each time
    // the cached entries reach their 30 s age on a slow machine; nothing from the flood.
    expect((await api(t, 'GET', '/users/me', { headers: clientHeaders(t, { 'x-stack-access-token': victim.accessToken }) })).status).toBe(
      200,
    );
    expect(directory.loads - loads).toBeLessThanOrEqual(3 * (1 + Math.ceil((performance.now() - since) / 30_000)));
    expect(during.failed).toBe(0);

    console.log(
      `victim GET /users/me, 4 concurrent: ${before.perSecond}/s before, ${during.perSecond}/s during a flood of ${sent} notifications in about 3 s`,
    );
  });

  it('the worker coalesces refreshes: a burst of requests runs one refresh and at most one more', async () => {
    const { sync } = t.server;
    const refreshes = sync.refreshes;
    // What a burst of genuine project changes does (each notification asks for a refresh); the poll's ask joins too.
    await Promise.all(Array.from({ length: 500 }, () => sync.refresh()));
    expect(sync.refreshes - refreshes).toBeGreaterThanOrEqual(1);
    expect(sync.refreshes - refreshes).toBeLessThanOrEqual(2);
  });

  it('the CLI and other servers still reach a running server: they share the secret, hence the channel names', async () => {
    const { channelNames } = await import('../../src/db/channels.js');
    const names = channelNames('the same secret');
    expect(names).toEqual(channelNames('the same secret'));
    expect(names.project_changes).toMatch(/^authsync_project_changes_[0-9a-f]{16}$/);
    expect(names.users_sync).toMatch(/^authsync_users_sync_[0-9a-f]{16}$/);
    expect(channelNames('another secret').project_changes).not.toBe(names.project_changes);
  });
});
