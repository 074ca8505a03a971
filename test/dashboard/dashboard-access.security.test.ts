/**
 * The dashboard's guards, with plain HTTP requests: CSRF (token and Origin), sessions stored only hashed,
 * a limit on failed sign-ins, the generated admin secret kept only as a hash, bad input never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/crypto/secrets.js';
import { rotateProjectKey } from '../../src/projects/projects.js';
import { ensureAdminSecret, isAdminSecret } from '../../src/dashboard/admin-secret.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_SECRET, startDashboardServer } from './support.js';

describe('dashboard guards', () => {
  let t: TestServer;
  let cookie = '';
  const origin = () => new URL(t.url).origin;

  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: origin(), ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const csrfToken = async () => {
    const page = await (await fetch(`${t.url}/dashboard/projects/${t.projectId}/configuration`, { headers: { cookie } })).text();
    return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  };
  const projectName = async () =>
    (await t.server.ctx.db.query<{ display_name: string }>('SELECT display_name FROM authsync.projects WHERE id = $1', [t.projectId]))
      .rows[0]!.display_name;

  beforeAll(async () => {
    t = await startDashboardServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('signs in, keeping only a hash of the session ID', async () => {
    const response = await post('/dashboard/sign-in', { secret: ADMIN_SECRET });
    expect(response.status).toBe(303);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).not.toMatch(/Secure/); // http base URL
    const id = /authsync_dashboard=([^;]+)/.exec(setCookie)![1]!;
    cookie = `authsync_dashboard=${id}`;
    const { rows } = await t.server.ctx.db.query<{ id_hash: string }>('SELECT id_hash FROM authsync.dashboard_sessions');
    expect(rows.map((r) => r.id_hash)).toEqual([hashSecret(id)]);
  });

  it('refuses a cross-origin POST without a token', async () => {
    const response = await post(
      `/dashboard/projects/${t.projectId}/configuration/rename`,
      { name: 'Hijacked' },
      { origin: 'http://evil.example' },
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('did not come from a dashboard page');
    expect(await projectName()).toBe('Test project');
  });

  it('refuses a same-origin POST without the token, a cross-origin one with it, and accepts the real thing', async () => {
    const path = `/dashboard/projects/${t.projectId}/configuration/rename`;
    expect((await post(path, { name: 'No token' })).status).toBe(403);
    expect((await post(path, { name: 'Wrong token', _csrf: 'x'.repeat(43) })).status).toBe(403);
    const token = await csrfToken();
    expect((await post(path, { name: 'Foreign origin', _csrf: token }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(path, { name: 'No origin', _csrf: token }, { origin: '' })).status).toBe(403);
    expect(await projectName()).toBe('Test project');
    const ok = await post(path, { name: 'Renamed by form', _csrf: token });
    expect(ok.status).toBe(303);
    expect(await projectName()).toBe('Renamed by form');
  });

  it('answers bad input with 4xx pages, never a 500', async () => {
    const token = await csrfToken();
    const base = `/dashboard/projects/${t.projectId}`;
    const cases: Array<[string, Record<string, string>]> = [
      [`${base}/configuration/rename`, { name: '', _csrf: token }],
      [`${base}/configuration/rename`, { name: 'x'.repeat(300), _csrf: token }],
      [`${base}/configuration/domains`, { domain: 'javascript:alert(1)', _csrf: token }],
      [`${base}/users`, { primary_email: 'nope', _csrf: token }],
      [`${base}/users`, { display_name: 'x'.repeat(300), _csrf: token }],
      [`${base}/users/not-a-uuid`, { display_name: 'x', _csrf: token }],
      [`${base}/users/00000000-0000-4000-8000-000000000000/erase`, { _csrf: token }],
      [`/dashboard/projects/not-a-uuid/users`, { _csrf: token }],
    ];
    for (const [path, form] of cases) {
      const response = await post(path, form);
      expect([400, 404], `${path} ${JSON.stringify(form).slice(0, 60)}`).toContain(response.status);
    }
    for (const path of [
      `${base}/users?cursor=zzz&offset=-5&show=%00`,
      `${base}/users/%3Cscript%3E`,
      `${base}/sync/jobs/nope`,
      '/dashboard/nothing',
    ]) {
      const response = await fetch(`${t.url}${path}`, { headers: { cookie } });
      expect(response.status, path).toBeLessThan(500);
    }
  });

  it('signs out: the session no longer works', async () => {
    const response = await post('/dashboard/sign-out', { _csrf: await csrfToken() });
    expect(response.status).toBe(303);
    const after = await fetch(`${t.url}/dashboard/projects`, { headers: { cookie }, redirect: 'manual' });
    expect(after.headers.get('location')).toBe('/dashboard/sign-in');
  });

  it('refuses a sign-in from another origin, and limits failed attempts', async () => {
    expect((await post('/dashboard/sign-in', { secret: ADMIN_SECRET }, { origin: 'http://evil.example' })).status).toBe(403);
    for (let i = 0; i < 10; i++) expect((await post('/dashboard/sign-in', { secret: `wrong-${i}` })).status).toBe(401);
    const limited = await post('/dashboard/sign-in', { secret: ADMIN_SECRET });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('generates the instance admin secret once and stores only its hash', async () => {
    const db = t.server.ctx.db;
    await db.query("DELETE FROM authsync.instance_settings WHERE key = 'dashboard_admin_secret_hash'");
    const secret = await ensureAdminSecret(db, {});
    expect(secret).toMatch(/^asa_[a-z2-7]{48}$/);
    expect(await ensureAdminSecret(db, {})).toBeUndefined();
    const { rows } = await db.query<{ value: unknown }>(
      "SELECT value FROM authsync.instance_settings WHERE key = 'dashboard_admin_secret_hash'",
    );
    expect(rows[0]!.value).toBe(hashSecret(secret!));
    expect(await isAdminSecret(db, {}, secret!)).toBe(true);
    expect(await isAdminSecret(db, {}, `${secret}x`)).toBe(false);
    // A configured secret takes precedence over a generated one.
    expect(await isAdminSecret(db, { adminSecret: ADMIN_SECRET }, secret!)).toBe(false);
    expect(await isAdminSecret(db, { adminSecret: ADMIN_SECRET }, ADMIN_SECRET)).toBe(true);
  });
});

describe('project key rotation and dashboard sessions', () => {
  let t: TestServer;
  const post = (path: string, form: Record<string, string>) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(t.url).origin },
      body: new URLSearchParams(form).toString(),
    });

  beforeAll(async () => {
    t = await startDashboardServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("rotating a project's super secret admin key ends the dashboard sessions it opened, and only those", async () => {
    const signIn = async (secret: string) => {
      const response = await post('/dashboard/sign-in', { secret });
      expect(response.status, 'sign-in').toBe(303);
      return `authsync_dashboard=${/authsync_dashboard=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!}`;
    };
    const configuration = `/dashboard/projects/${t.projectId}/configuration`;
    const open = async (session: string, path: string) => fetch(`${t.url}${path}`, { headers: { cookie: session }, redirect: 'manual' });
    const projectSession = await signIn(t.keys.superSecretAdminKey);
    const adminSession = await signIn(ADMIN_SECRET);
    expect((await open(projectSession, configuration)).status).toBe(200);

    // Another kind of key leaves the sessions alone.
    await rotateProjectKey(t.server.ctx.db, t.server.ctx.box, t.projectId, 'secret_server');
    expect((await open(projectSession, configuration)).status).toBe(200);

    const newKey = await rotateProjectKey(t.server.ctx.db, t.server.ctx.box, t.projectId, 'super_secret_admin');
    const ended = await open(projectSession, configuration);
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe('/dashboard/sign-in');
    // The instance admin's session is not the project key's: it stays.
    expect((await open(adminSession, '/dashboard/projects')).status).toBe(200);
    // The old key no longer signs in; the new one does.
    expect((await post('/dashboard/sign-in', { secret: t.keys.superSecretAdminKey })).status).toBe(401);
    expect((await open(await signIn(newKey), configuration)).status).toBe(200);
  });
});
