/**
 * `authsync project create|list` and `authsync migrate` against a PostgreSQL database that a running server
 * uses: the server serves a project created by the CLI at once, with the ID and keys given on the command line.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { api, useTestServer } from '../helpers/server.js';
import { runCli } from './run-cli.js';

describe('project and migrate commands on PostgreSQL', () => {
  const t = useTestServer({ mode: 'postgres' });
  let cliArgs: string[];
  beforeAll(async () => {
    // The CLI shares the server's database and secret (the data dir holds the generated secret).
    cliArgs = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--base-url', t.url];
  });

  it('project create --json keeps --id and the keys, and the running server serves the project at once', async () => {
    const id = randomUUID();
    const keys = { pck: `pck_${'a1'.repeat(12)}`, ssk: `ssk_${'b2'.repeat(12)}`, sak: `sak_${'c3'.repeat(12)}` };
    const res = await runCli([
      'project',
      'create',
      '--name',
      'Legacy app',
      '--id',
      id,
      '--json',
      '--publishable-client-key',
      keys.pck,
      '--secret-server-key',
      keys.ssk,
      '--super-secret-admin-key',
      keys.sak,
      ...cliArgs,
    ]);
    expect(res.code, res.stderr).toBe(0);
    const created = JSON.parse(res.stdout) as Record<string, string>;
    expect(created).toMatchObject({
      projectId: id,
      publishableClientKey: keys.pck,
      secretServerKey: keys.ssk,
      superSecretAdminKey: keys.sak,
      jwksUrl: `${t.url}/api/v1/projects/${id}/.well-known/jwks.json`,
    });

    const client = {
      'x-stack-access-type': 'client',
      'x-stack-project-id': id,
      'x-stack-publishable-client-key': keys.pck,
      'content-type': 'application/json',
    };
    const signUp = await api(t, 'POST', '/auth/password/sign-up', {
      headers: client,
      body: { email: 'first@example.com', password: 'correct horse battery' },
    });
    expect(signUp.status, signUp.text).toBe(200);
    const server = { 'x-stack-access-type': 'server', 'x-stack-project-id': id, 'x-stack-secret-server-key': keys.ssk };
    const list = await api(t, 'GET', '/users', { headers: server });
    expect(list.status).toBe(200);
    expect((list.json.items as Array<{ id: string }>).map((u) => u.id)).toEqual([signUp.json.user_id]);
    const jwks = await fetch(created.jwksUrl!);
    expect(jwks.status).toBe(200);
    // The keys of the other project do not open this one.
    expect((await api(t, 'GET', '/users', { headers: { ...server, 'x-stack-secret-server-key': t.keys.secretServerKey } })).json.code).toBe(
      'INVALID_SECRET_SERVER_KEY',
    );
  });

  it('project create without key flags generates keys in the Stack formats', async () => {
    const res = await runCli(['project', 'create', '--name', 'Fresh', '--json', ...cliArgs]);
    expect(res.code, res.stderr).toBe(0);
    const created = JSON.parse(res.stdout) as Record<string, string>;
    expect(created.projectId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.publishableClientKey).toMatch(/^pck_[a-z2-7]{48}$/);
    expect(created.secretServerKey).toMatch(/^ssk_[a-z2-7]{48}$/);
    expect(created.superSecretAdminKey).toMatch(/^sak_[a-z2-7]{48}$/);
    const current = await api(t, 'GET', '/projects/current', {
      headers: {
        'x-stack-access-type': 'client',
        'x-stack-project-id': created.projectId!,
        'x-stack-publishable-client-key': created.publishableClientKey!,
      },
    });
    expect(current.status).toBe(200);
    expect(current.json.display_name).toBe('Fresh');
  });

  it('project create refuses a taken or malformed ID and bad keys, exit code 1, clear message', async () => {
    const taken = await runCli(['project', 'create', '--name', 'Again', '--id', t.projectId, ...cliArgs]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already exists');
    expect(taken.stderr).not.toMatch(/\n\s+at /);
    const malformed = await runCli(['project', 'create', '--name', 'Bad', '--id', 'not-a-uuid', ...cliArgs]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('not a UUID');
    const shortKey = await runCli(['project', 'create', '--name', 'Bad key', '--secret-server-key', 'short', ...cliArgs]);
    expect(shortKey.code).toBe(1);
    expect(shortKey.stderr).toMatch(/16 to 256 characters/);
    const noName = await runCli(['project', 'create', ...cliArgs]);
    expect(noName.code).not.toBe(0);
    expect(noName.stderr).toMatch(/--name/);
  });

  it('project list --json lists every project', async () => {
    const res = await runCli(['project', 'list', '--json', ...cliArgs]);
    expect(res.code, res.stderr).toBe(0);
    const projects = JSON.parse(res.stdout) as Array<{ projectId: string; displayName: string; jwksUrl: string }>;
    expect(projects.map((p) => p.projectId)).toContain(t.projectId);
    expect(projects.find((p) => p.projectId === t.projectId)).toMatchObject({
      displayName: 'Test project',
      jwksUrl: `${t.url}/api/v1/projects/${t.projectId}/.well-known/jwks.json`,
    });
    expect(projects.length).toBeGreaterThanOrEqual(3);
    expect(res.stdout).not.toMatch(/ssk_|sak_/);
  });

  it("without --base-url, project create and list print the running server's URLs (recorded at its start); --base-url and AUTHSYNC_BASE_URL win", async () => {
    const port = new URL(t.url).port;
    expect(port).not.toBe('8102');
    const bare = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
    const created = await runCli(['project', 'create', '--name', 'No base URL', '--json', ...bare]);
    expect(created.code, created.stderr).toBe(0);
    const urls = JSON.parse(created.stdout) as Record<string, string>;
    expect(urls).toMatchObject({
      apiUrl: t.url,
      jwksUrl: `${t.url}/api/v1/projects/${urls.projectId}/.well-known/jwks.json`,
      sqlEndpoint: `${t.url}/sql`,
    });
    // The printed URLs work: the running server answers them.
    expect((await fetch(urls.jwksUrl!)).status).toBe(200);
    const listed = await runCli(['project', 'list', '--json', ...bare]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as Array<{ projectId: string; jwksUrl: string }>).find((p) => p.projectId === urls.projectId)?.jwksUrl,
    ).toBe(urls.jwksUrl);

    const given = 'https://auth.example.com';
    const flag = await runCli(['project', 'create', '--name', 'Flag', '--json', ...bare, '--base-url', given]);
    expect((JSON.parse(flag.stdout) as Record<string, string>).apiUrl).toBe(given);
    const env = await runCli(['project', 'create', '--name', 'Env', '--json', ...bare], { AUTHSYNC_BASE_URL: given });
    expect((JSON.parse(env.stdout) as Record<string, string>).sqlEndpoint).toBe(`${given}/sql`);
  });

  describe('migrate', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('authsync_cli_migrate');
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('applies the migrations to an empty database once, then reports it up to date', async () => {
      const first = await runCli(['migrate', '--database-url', db.url]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/Applied \d+ migration/);
      const second = await runCli(['migrate', '--database-url', db.url]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('up to date');
      // The running server's database is up to date too.
      const serverDb = await runCli(['migrate', '--database-url', t.databaseUrl!]);
      expect(serverDb.stdout).toContain('up to date');
    });

    it('project create on a database no server has started on prints the default URLs', async () => {
      const res = await runCli([
        'project',
        'create',
        '--name',
        'Before any start',
        '--json',
        '--database-url',
        db.url,
        '--data-dir',
        t.dataDir,
      ]);
      expect(res.code, res.stderr).toBe(0);
      const urls = JSON.parse(res.stdout) as Record<string, string>;
      expect(new URL(urls.apiUrl!).port).toBe('8102');
      expect(new URL(urls.sqlEndpoint!).port).toBe('8102');
    });

    it('an unreachable database is exit code 1 with a message', async () => {
      const res = await runCli(['migrate', '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^authsync: /);
    });
  });
});
