/**
 * `authsync import stack` on PostgreSQL: one authsync server plays the old Stack Auth server (its API is Stack's), a
 * second one on another database receives the users. Every listed user arrives with the same ID and fields (a deleted
 * one does not), teams and memberships with theirs; an app table's foreign key to users_sync made before the import is
 * satisfied after it; a second run changes nothing; a run cut off by the old server failing mid-way continues where
 * it stopped; a wrong key or an unreachable server ends with a message and exit code 1.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, serverHeaders, useTestServer, type TestServer } from '../helpers/server.js';
import { runCli } from '../cli/run-cli.js';
import type { ImportSummary } from '../../src/import/summary.js';

/** A proxy in front of the old server that can be told to fail every request (the old server going away mid-run). */
function startProxy(target: string) {
  const state = { failing: false, paths: [] as string[] };
  const server = http.createServer((req, res) => {
    state.paths.push(req.url ?? '');
    if (state.failing) return void req.socket.destroy();
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  return new Promise<{ url: string; state: typeof state; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        state,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

describe('import stack on PostgreSQL', () => {
  const source = useTestServer({ mode: 'postgres' });
  const target = useTestServer({ mode: 'postgres' });
  const ids: Record<string, string> = {};
  let teamId = '';

  const post = async (t: TestServer, route: string, body: unknown) => {
    const res = await api(t, 'POST', route, { headers: serverHeaders(t), body });
    expect(res.status, res.text).toBeLessThan(300);
    return res.json;
  };

  beforeAll(async () => {
    const users: Record<string, unknown> = {
      alice: {
        primary_email: 'alice@example.com',
        primary_email_verified: true,
        primary_email_auth_enabled: true,
        password: 'alice-password-1',
        display_name: 'Alice',
        profile_image_url: 'https://img.example.com/a.png',
        client_metadata: { theme: 'dark' },
        client_read_only_metadata: { plan: 'pro' },
        server_metadata: { stripe: 'cus_1' },
      },
      bob: { primary_email: 'bob@example.com', primary_email_auth_enabled: true, password: 'bob-password-1', display_name: 'Bob' },
      anon: { is_anonymous: true },
      dan: { primary_email: 'dan@example.com', restricted_by_admin: true, restricted_by_admin_reason: 'spam', country_code: 'DE' },
      carol: { primary_email: 'carol@example.com', primary_email_auth_enabled: true },
    };
    for (const [name, body] of Object.entries(users)) ids[name] = (await post(source, '/users', body)).id as string;
    for (let i = 0; i < 4; i++) ids[`filler${i}`] = (await post(source, '/users', { display_name: `Filler ${i}` })).id as string;
    expect((await api(source, 'DELETE', `/users/${ids.carol}`, { headers: serverHeaders(source) })).status).toBe(200);
    teamId = (await post(source, '/teams', { display_name: 'Acme', creator_user_id: ids.alice, server_metadata: { tier: 2 } }))
      .id as string;
    await post(source, `/team-memberships/${teamId}/${ids.bob}`, {});
    const select = await api(source, 'PATCH', `/users/${ids.alice}`, {
      headers: serverHeaders(source),
      body: { selected_team_id: teamId },
    });
    expect(select.status, select.text).toBe(200);

    // The app's table references users_sync before any user is there (a foreign key to check once they are).
    await target.server.ctx.db.exec(`CREATE TABLE public.notes (owner_id text NOT NULL, body text)`);
    for (const id of Object.values(ids).filter((id) => id !== ids.carol))
      await target.server.ctx.db.query('INSERT INTO public.notes VALUES ($1, $2)', [id, 'note']);
    await target.server.ctx.db.exec(
      'ALTER TABLE public.notes ADD CONSTRAINT notes_owner_fk FOREIGN KEY (owner_id) REFERENCES neon_auth.users_sync (id) NOT VALID',
    );
  });

  const stackArgs = (key: string, url = source.url) => [
    'import',
    'stack',
    '--project',
    target.projectId,
    '--database-url',
    target.databaseUrl!,
    '--data-dir',
    target.dataDir,
    '--from-url',
    url,
    '--from-project-id',
    source.projectId,
    '--from-secret-server-key',
    key,
  ];
  const cli = (args: string[], from: { url: string; key?: string } = { url: source.url }) =>
    runCli([...stackArgs(from.key ?? source.keys.secretServerKey, from.url), ...args]);

  async function run(args: string[], from?: { url: string }): Promise<ImportSummary> {
    const res = await cli([...args, '--json'], from);
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as ImportSummary;
  }

  const listAll = async (t: TestServer) =>
    ((await api(t, 'GET', '/users?include_anonymous=true', { headers: serverHeaders(t) })).json.items as Record<string, unknown>[]).map(
      // Not kept: the password (Stack does not export hashes) and the last activity.
      ({ has_password, auth_with_email, last_active_at_millis, ...rest }) => (
        void [has_password, auth_with_email, last_active_at_millis],
        rest
      ),
    );
  const versions = async () =>
    (
      await target.server.ctx.db.query<{ id: string; version: string; updated_at: Date }>(
        `SELECT u.id, u.version::text, s.updated_at FROM authsync.users u JOIN neon_auth.users_sync s ON s.id = u.id::text
         WHERE u.project_id = $1 ORDER BY u.id`,
        [target.projectId],
      )
    ).rows;

  it('a dry run reports what would be imported and writes nothing', async () => {
    const summary = await run(['--dry-run']);
    expect(summary).toMatchObject({ imported: 8, updated: 0, unchanged: 0, skipped: [], teams: { imported: 1 } });
    expect(await versions()).toEqual([]);
  });

  it('imports every listed user with the same ID and fields, the team and its members; the foreign key holds', async () => {
    const summary = await run([]);
    expect(summary).toMatchObject({
      imported: 8,
      updated: 0,
      unchanged: 0,
      skipped: [],
      teams: { imported: 1 },
      memberships: { added: 2 },
    });
    const expected = await listAll(source);
    expect(expected.map((u) => u.id)).not.toContain(ids.carol);
    expect(await listAll(target)).toEqual(expected);
    expect((await listAll(target)).find((u) => u.id === ids.alice)).toMatchObject({
      primary_email_verified: true,
      selected_team_id: teamId,
      server_metadata: { stripe: 'cus_1' },
    });

    const teams = (await api(target, 'GET', '/teams', { headers: serverHeaders(target) })).json.items as { id: string }[];
    expect(teams).toEqual((await api(source, 'GET', '/teams', { headers: serverHeaders(source) })).json.items);
    const grants = async (t: TestServer) =>
      (await api(t, 'GET', `/team-permissions?team_id=${teamId}`, { headers: serverHeaders(t) })).json.items as unknown[];
    expect(await grants(target)).toEqual(await grants(source));

    await target.server.ctx.db.exec('ALTER TABLE public.notes VALIDATE CONSTRAINT notes_owner_fk');
  });

  it('a second run changes nothing: no users_sync row or version moves', async () => {
    const before = await versions();
    const summary = await run([]);
    expect(summary).toMatchObject({ imported: 0, updated: 0, unchanged: 8, teams: { unchanged: 1 }, memberships: { unchanged: 2 } });
    expect(await versions()).toEqual(before);
  });

  it('continues an interrupted run where it stopped, and picks up changes at the source', async () => {
    const proxy = await startProxy(source.url);
    try {
      await post(source, '/users', { primary_email: 'erin@example.com', display_name: 'Erin' });
      // The first run through the proxy: the old server goes away after the teams and two pages of users.
      let served = 0;
      proxy.state.paths = [];
      const failAfter = setInterval(() => {
        served = proxy.state.paths.filter((p) => p.startsWith('/api/v1/users?limit')).length;
        if (served >= 2) proxy.state.failing = true;
      }, 1);
      const broken = await cli(['--page-size', '1'], { url: proxy.url });
      clearInterval(failAfter);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain('Cannot reach the old server');

      proxy.state.failing = false;
      proxy.state.paths = [];
      const summary = await run(['--page-size', '1'], { url: proxy.url });
      expect(summary.resumed).toBe(true);
      // It did not start over: its first page of users starts at a saved cursor.
      expect(proxy.state.paths.find((p) => p.startsWith('/api/v1/users?limit'))).toContain('cursor=');
      expect(summary.imported).toBe(1);
      expect(await listAll(target)).toEqual(await listAll(source));
      // A finished run is not resumed again.
      expect((await run([], { url: proxy.url })).resumed).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('a wrong key or an unreachable old server: a message and exit code 1', async () => {
    const wrongKey = await cli([], { url: source.url, key: 'ssk_wrong' });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/The old server refused GET \/teams .*Check --from-project-id and --from-secret-server-key/);
    const closed = await startProxy(source.url);
    await closed.close();
    const unreachable = await cli([], { url: closed.url });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach the old server at ${closed.url}/api/v1`);
    const badUrl = await cli([], { url: 'not a url' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('--from-url');
  });

  it('reads the key from standard input with --from-secret-server-key -', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...stackArgs('-'), '--json'], {
      env: { ...process.env, AUTHSYNC_LOG_LEVEL: 'silent', AUTHSYNC_SECRET: '', DATABASE_URL: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(`${source.keys.secretServerKey}\n`);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ imported: 0, updated: 0, unchanged: 9 });
  });

  afterAll(async () => {
    await target.server.ctx.db.exec('DROP TABLE IF EXISTS public.notes');
  });
});
