/** `authsync rls install|providers …` and the /sql fields of `authsync project create --json`, as a user runs them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

let server: TestDatabase;
let app: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  server = await createTestDatabase();
  app = await createTestDatabase('authsync_app');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-rls-cli-'));
});

afterAll(async () => {
  await server?.drop();
  await app?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('authsync rls', () => {
  it('install puts the kit into an app database and writes the pg_session_jwt shim', { timeout: 60_000 }, async () => {
    const extDir = path.join(dataDir, 'ext');
    fs.mkdirSync(extDir);
    const result = await runCli(['rls', 'install', '--database-url', app.url, '--data-dir', dataDir, '--extension-dir', extDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readdirSync(extDir).sort()).toEqual(['pg_session_jwt--0.3.1.sql', 'pg_session_jwt.control']);
    const client = new pg.Client(app.url);
    await client.connect();
    try {
      const { rows } =
        await client.query(`SELECT auth.user_id() AS uid, auth.session() AS s, has_schema_privilege('authenticated', 'auth', 'USAGE') AS usage,
        has_table_privilege('anonymous', 'neon_auth.users_sync', 'SELECT') AS users_sync,
        (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'authenticated') AS powerful`);
      // Since kit 7 the end-user roles cannot read users_sync (the public-profiles opt-in grants a few columns).
      expect(rows).toEqual([{ uid: null, s: null, usage: true, users_sync: false, powerful: false }]);
    } finally {
      await client.end();
    }
  });

  it(
    "with the shim in the server's extension directory, CREATE EXTENSION pg_session_jwt succeeds where the kit is installed and says what to run where it is not",
    { timeout: 60_000 },
    async (ctx) => {
      const client = new pg.Client(app.url);
      await client.connect();
      const bare = await createTestDatabase('authsync_nokit');
      const bareClient = new pg.Client(bare.url);
      await bareClient.connect();
      const written: string[] = [];
      try {
        const { rows } = await client.query<{ setting: string }>(`SELECT setting FROM pg_config WHERE name = 'SHAREDIR'`);
        const extDir = path.join(rows[0]!.setting, 'extension');
        let writable = true;
        try {
          fs.accessSync(extDir, fs.constants.W_OK);
        } catch {
          writable = false;
        }
        // The server's files must be ours to write (a server on another host, or a read-only install, is not), and a real
        // pg_session_jwt must never be overwritten.
        if (!writable) return ctx.skip(`${extDir} is not writable from here`);
        if (fs.existsSync(path.join(extDir, 'pg_session_jwt.control'))) return ctx.skip(`${extDir} already has a pg_session_jwt extension`);
        written.push(path.join(extDir, 'pg_session_jwt.control'), path.join(extDir, 'pg_session_jwt--0.3.1.sql'));
        const result = await runCli(['rls', 'install', '--database-url', app.url, '--data-dir', dataDir, '--extension-dir', extDir]);
        expect(result.code, result.stderr).toBe(0);
        await client.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
        await client.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
        expect((await client.query(`SELECT extversion FROM pg_extension WHERE extname = 'pg_session_jwt'`)).rows).toEqual([
          { extversion: '0.3.1' },
        ]);
        expect((await client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: null }]);
        const refused = (await bareClient
          .query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt')
          .catch((e: unknown) => e)) as pg.DatabaseError;
        expect(refused.message).toBe('pg_session_jwt is provided by the authsync RLS kit, which is not installed in this database');
        expect(refused.hint).toBe("Run: authsync rls install --database-url <this database's URL>");
        await client.query('DROP EXTENSION pg_session_jwt');
        expect((await client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: null }]);
      } finally {
        for (const file of written) fs.rmSync(file, { force: true });
        await client.end();
        await bareClient.end();
        await bare.drop();
      }
    },
  );

  it('providers add, list and remove', { timeout: 120_000 }, async () => {
    const created = await runCli([
      'project',
      'create',
      '--name',
      'P',
      '--json',
      '--database-url',
      server.url,
      '--data-dir',
      dataDir,
      '--app-database-url',
      app.url,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const project = JSON.parse(created.stdout) as Record<string, string>;
    expect(project.sqlEndpoint).toMatch(/\/sql$/);
    expect(project.databaseUrl).toBe(app.url);
    expect(project.databaseAuthenticatedUrl).toBe(`postgresql://authenticated@${project.projectId}.localhost/${app.name}`);
    const common = ['--project', project.projectId!, '--database-url', server.url, '--data-dir', dataDir];
    expect(
      (
        await runCli([
          'rls',
          'providers',
          'add',
          ...common,
          '--jwks-url',
          'https://example.com/.well-known/jwks.json',
          '--audience',
          'aud1',
        ])
      ).code,
    ).toBe(0);
    const listed = await runCli(['rls', 'providers', 'list', ...common, '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ jwksUrl: 'https://example.com/.well-known/jwks.json', audience: 'aud1' }]);
    const insecure = await runCli(['rls', 'providers', 'add', ...common, '--jwks-url', 'http://example.com/jwks.json']);
    expect(insecure.code).toBe(1);
    expect(insecure.stderr).toMatch(/must use https/);
    expect((await runCli(['rls', 'providers', 'remove', ...common, '--jwks-url', 'https://example.com/.well-known/jwks.json'])).code).toBe(
      0,
    );
    expect(JSON.parse((await runCli(['rls', 'providers', 'list', ...common, '--json'])).stdout)).toEqual([]);
  });
});
