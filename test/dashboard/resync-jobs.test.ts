/**
 * Dashboard resync jobs live in the server's database, so that servers sharing it behave as one (scale-out is
 * stateless servers): a job started on one is followed on another, a second start on any server follows the running
 * job instead of starting another, and a job whose server stopped is reported failed and can be started again.
 * Plain HTTP against two real servers on one PostgreSQL database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { ADMIN_SECRET, startDashboardServer } from './support.js';
import { startSecondServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../sync/sync-helpers.js';

let a: TestServer;
let b: RunningServer;

interface Session {
  url: string;
  cookie: string;
  csrf: string;
}

async function signIn(url: string, projectId: string): Promise<Session> {
  const origin = new URL(url).origin;
  const response = await fetch(`${url}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ secret: ADMIN_SECRET }).toString(),
  });
  expect(response.status).toBe(303);
  const cookie = `authsync_dashboard=${/authsync_dashboard=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!}`;
  const page = await (await fetch(`${url}/dashboard/projects/${projectId}/sync`, { headers: { cookie } })).text();
  return { url, cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! };
}

async function startResync(s: Session, projectId: string): Promise<string> {
  const response = await fetch(`${s.url}/dashboard/projects/${projectId}/sync/resync`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(s.url).origin, cookie: s.cookie },
    body: new URLSearchParams({ _csrf: s.csrf }).toString(),
  });
  expect(response.status).toBe(303);
  return new URL(response.headers.get('location')!, s.url).searchParams.get('job')!;
}

async function job(s: Session, projectId: string, id: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${s.url}/dashboard/projects/${projectId}/sync/jobs/${id}`, { headers: { cookie: s.cookie } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  a = await startDashboardServer();
  // A second server on the same database, as a load balancer would spread them.
  b = await startSecondServer(a, { env: { AUTHSYNC_ADMIN_SECRET: ADMIN_SECRET } });
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('dashboard resync jobs across servers', () => {
  it('a job started on one server is followed to the end on another', async () => {
    const onA = await signIn(a.url, a.projectId);
    const onB = await signIn(b.url, a.projectId);
    const id = await startResync(onA, a.projectId);
    await eventually(async () => {
      const seen = await job(onB, a.projectId, id);
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ id, state: 'done' });
      expect(seen.body.message).toMatch(/^Resync finished: compared \d+ users in 1 database, repaired 0\.$/);
    });
  });

  it('a start on any server follows the running job; a job whose server stopped is reported failed and can be restarted', async () => {
    const onA = await signIn(a.url, a.projectId);
    const onB = await signIn(b.url, a.projectId);
    // A job running on a third server, which writes its heartbeat.
    const { rows } = await a.server.ctx.db.query<{ id: string }>(
      `INSERT INTO authsync.resync_jobs (id, project_id, state, message) VALUES (gen_random_uuid(), $1, 'running', 'Comparing elsewhere…') RETURNING id::text`,
      [a.projectId],
    );
    const elsewhere = rows[0]!.id;
    expect(await startResync(onA, a.projectId)).toBe(elsewhere);
    expect(await startResync(onB, a.projectId)).toBe(elsewhere);
    expect((await job(onB, a.projectId, elsewhere)).body).toMatchObject({ state: 'running', message: 'Comparing elsewhere…' });

    // That server stops: its heartbeat ages past a minute.
    await a.server.ctx.db.query(`UPDATE authsync.resync_jobs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [elsewhere]);
    expect((await job(onB, a.projectId, elsewhere)).body).toMatchObject({
      state: 'failed',
      message: 'Resync stopped: the server running it stopped before it finished. Start it again.',
    });
    const again = await startResync(onB, a.projectId);
    expect(again).not.toBe(elsewhere);
    await eventually(async () => expect((await job(onA, a.projectId, again)).body).toMatchObject({ state: 'done' }));
  });

  it('an unknown or malformed job ID is a 404, never a 500', async () => {
    const onA = await signIn(a.url, a.projectId);
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', "1' OR '1'='1"]) {
      const response = await fetch(`${a.url}/dashboard/projects/${a.projectId}/sync/jobs/${encodeURIComponent(id)}`, {
        headers: { cookie: onA.cookie },
      });
      expect(response.status, id).toBe(404);
    }
    const page = await fetch(`${a.url}/dashboard/projects/${a.projectId}/sync?job=not-a-uuid`, { headers: { cookie: onA.cookie } });
    expect(page.status).toBe(200);
  });
});
