/**
 * `authsync import file` on PostgreSQL: a Supabase-shaped `auth.users` and a Better Auth-shaped `user`/`account` in a
 * database of the test's own, converted to JSON lines by the queries docs/migration.md gives (read from it),
 * then imported: same IDs, e-mails and verification, names, metadata, sign-up times, provider links; bcrypt passwords
 * sign in (and become argon2id); a re-run changes nothing; a dry run writes nothing; bad lines are skipped with reasons.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import bcrypt from 'bcryptjs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importUsersFile } from '../../src/import/file-import.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { runCli } from '../cli/run-cli.js';
import { api, clientHeaders, serverHeaders, useTestServer } from '../helpers/server.js';

/** The first SQL block after `heading` in docs/migration.md: the test runs the queries the docs give, as written. */
function docsQuery(heading: string): string {
  const docs = fs.readFileSync(path.join(process.cwd(), 'docs/migration.md'), 'utf8');
  const section = docs.slice(docs.indexOf(heading));
  const match = /```sql\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`no SQL block after ${heading}`);
  return match[1]!;
}

const SUPABASE_QUERY = docsQuery('### From Supabase');
const BETTER_AUTH_QUERY = docsQuery('### From Better Auth');

const SAM = '0b6a3f8e-1c2d-4e5f-8a9b-000000000001';
const SUE = '0b6a3f8e-1c2d-4e5f-8a9b-000000000002';
const GUS = '0b6a3f8e-1c2d-4e5f-8a9b-000000000003';
const ANON = '0b6a3f8e-1c2d-4e5f-8a9b-000000000004';
const GONE = '0b6a3f8e-1c2d-4e5f-8a9b-000000000005';
const BEA = '7d1e2c3b-4a59-4687-9a0b-00000000000a';
const BO = 'Xk29sd9QpLm3VbN7rT1yZ0aWcE5uH8jF'; // Better Auth's default: not a UUID

const t = useTestServer();
let source: TestDatabase;
let client: pg.Client;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-file-import-'));

async function createSamples(): Promise<void> {
  const hash = (password: string) => bcrypt.hash(password, 4);
  await client.query(`
    CREATE SCHEMA auth;
    CREATE TABLE auth.users (id uuid PRIMARY KEY, email text, email_confirmed_at timestamptz, encrypted_password text,
      raw_user_meta_data jsonb, raw_app_meta_data jsonb, created_at timestamptz, is_anonymous boolean, deleted_at timestamptz);
    CREATE TABLE auth.identities (user_id uuid, provider text, provider_id text, email text);
    CREATE TABLE "user" (id text PRIMARY KEY, name text, email text, "emailVerified" boolean, image text, "createdAt" timestamp);
    CREATE TABLE account (id text PRIMARY KEY, "accountId" text, "providerId" text, "userId" text, password text);`);
  await client.query(
    `INSERT INTO auth.users VALUES
      ($1, 'sam@example.com', '2023-05-01T10:05:00Z', $6, '{"full_name": "Sam Supa", "theme": "dark"}', '{"provider": "email", "providers": ["email"]}', '2023-05-01T10:00:00.123Z', false, null),
      ($2, 'sue@example.com', null, $7, '{}', '{"provider": "email"}', '2023-05-02T10:00:00Z', false, null),
      ($3, 'gus@example.com', '2023-05-03T10:00:00Z', '', '{"name": "Gus Hub"}', '{"provider": "github"}', '2023-05-03T10:00:00Z', null, null),
      ($4, null, null, '', '{}', '{}', '2023-05-04T10:00:00Z', true, null),
      ($5, 'gone@example.com', '2023-05-05T10:00:00Z', $6, '{}', '{}', '2023-05-05T10:00:00Z', false, '2023-06-01T00:00:00Z')`,
    [SAM, SUE, GUS, ANON, GONE, await hash('sam-password-1'), await hash('sue-password-1')],
  );
  await client.query(
    `INSERT INTO auth.identities VALUES ($1, 'email', $3, 'sam@example.com'), ($2, 'github', '777', 'gus@users.github.example')`,
    [SAM, GUS, SAM],
  );
  await client.query(
    `INSERT INTO "user" VALUES ($1, 'Bea Better', 'bea@example.com', true, 'https://img.example.com/bea.png', '2024-02-01 08:00:00.5'),
                               ($2, '', 'bo@example.com', false, null, '2024-02-02 08:00:00')`,
    [BEA, BO],
  );
  await client.query(
    `INSERT INTO account VALUES ('a1', $1, 'credential', $1, $3),
                                ('a2', $2, 'credential', $2, 'c0ffee00c0ffee00c0ffee00c0ffee00:' || repeat('ab', 64)),
                                ('a3', '4242', 'github', $2, null)`,
    [BEA, BO, await hash('bea-password-1')],
  );
}

/** Runs a conversion query and writes its rows as a JSONL file, as `psql -At -c '…' > file` does. */
async function convert(query: string, name: string): Promise<string> {
  const { rows } = await client.query<{ json_build_object: unknown }>(query);
  const file = path.join(dir, name);
  fs.writeFileSync(file, rows.map((row) => JSON.stringify(row.json_build_object)).join('\n') + '\n');
  return file;
}

function importFile(file: string, options: { dryRun?: boolean } = {}) {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  return importUsersFile(t.server.ctx, t.projectId, lines, { dryRun: options.dryRun ?? false });
}

const signIn = (email: string, password: string) =>
  api(t, 'POST', '/auth/password/sign-in', { headers: clientHeaders(t), body: { email, password } });

async function serverUser(id: string) {
  const read = await api(t, 'GET', `/users/${id}`, { headers: serverHeaders(t) });
  expect(read.status).toBe(200);
  return read.json;
}

beforeAll(async () => {
  source = await createTestDatabase('authsync_file_import_source');
  client = new pg.Client({ connectionString: source.url });
  await client.connect();
  await createSamples();
});
afterAll(async () => {
  await client.end();
  await source.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('import file', () => {
  it('imports a Supabase auth.users export with the same IDs, and bcrypt passwords sign in', async () => {
    const file = await convert(SUPABASE_QUERY, 'supabase.jsonl');
    const summary = await importFile(file);
    expect(summary).toMatchObject({ imported: 4, updated: 0, unchanged: 0, skipped: [] });

    expect(await serverUser(SAM)).toMatchObject({
      id: SAM,
      primary_email: 'sam@example.com',
      primary_email_verified: true,
      display_name: 'Sam Supa',
      has_password: true,
      client_metadata: { full_name: 'Sam Supa', theme: 'dark' },
      client_read_only_metadata: { provider: 'email', providers: ['email'] },
      signed_up_at_millis: Date.parse('2023-05-01T10:00:00.123Z'),
      oauth_providers: [],
    });
    expect(await serverUser(SUE)).toMatchObject({ primary_email_verified: false, display_name: null, has_password: true });
    expect(await serverUser(GUS)).toMatchObject({
      display_name: 'Gus Hub',
      has_password: false,
      oauth_providers: [{ id: 'github', account_id: '777' }],
    });
    expect(await serverUser(ANON)).toMatchObject({ is_anonymous: true, primary_email: null });
    expect((await api(t, 'GET', `/users/${GONE}`, { headers: serverHeaders(t) })).status).toBe(404);

    const sam = await signIn('sam@example.com', 'sam-password-1');
    expect(sam.status).toBe(200);
    expect(sam.json.user_id).toBe(SAM);
    expect((await signIn('sue@example.com', 'sue-password-1')).json.user_id).toBe(SUE);
    expect((await signIn('sam@example.com', 'sue-password-1')).status).toBe(400);
    // The bcrypt hash became argon2id at the sign-in.
    expect((await t.server.ctx.users.get(t.projectId, SAM))?.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('imports a Better Auth user/account export: UUIDs kept, other IDs mapped by md5, bcrypt only', async () => {
    const file = await convert(BETTER_AUTH_QUERY, 'better-auth.jsonl');
    expect(await importFile(file)).toMatchObject({ imported: 2, skipped: [] });

    expect(await serverUser(BEA)).toMatchObject({
      primary_email: 'bea@example.com',
      primary_email_verified: true,
      display_name: 'Bea Better',
      profile_image_url: 'https://img.example.com/bea.png',
      signed_up_at_millis: Date.parse('2024-02-01T08:00:00.500Z'),
      has_password: true,
    });
    const { rows } = await client.query<{ id: string }>('SELECT md5($1)::uuid::text AS id', [BO]);
    const boId = rows[0]!.id;
    expect(await serverUser(boId)).toMatchObject({
      primary_email: 'bo@example.com',
      display_name: null,
      has_password: false, // Better Auth's default scrypt hash is not carried over
      oauth_providers: [{ id: 'github', account_id: '4242' }],
    });

    const bea = await signIn('bea@example.com', 'bea-password-1');
    expect(bea.status).toBe(200);
    expect(bea.json.user_id).toBe(BEA);
  });

  it('changes nothing when run again, and keeps the passwords users signed in with since', async () => {
    const versions = async () =>
      (await t.server.ctx.db.query<{ id: string; version: string }>('SELECT id, version::text FROM authsync.users ORDER BY id')).rows;
    const before = await versions();
    expect(await importFile(path.join(dir, 'supabase.jsonl'))).toMatchObject({ imported: 0, updated: 0, unchanged: 4 });
    expect(await importFile(path.join(dir, 'better-auth.jsonl'))).toMatchObject({ imported: 0, updated: 0, unchanged: 2 });
    expect(await versions()).toEqual(before);
    expect((await signIn('sam@example.com', 'sam-password-1')).status).toBe(200);
  });

  it('writes nothing on a dry run', async () => {
    const file = path.join(dir, 'dry.jsonl');
    const ids = ['d1d1d1d1-0000-4000-8000-0000000000d1', 'd1d1d1d1-0000-4000-8000-0000000000d2'];
    fs.writeFileSync(file, ids.map((id, i) => JSON.stringify({ id, primary_email: `dry${i}@example.com` })).join('\n'));
    expect(await importFile(file, { dryRun: true })).toMatchObject({ imported: 2, dryRun: true, skipped: [] });
    const { rows } = await t.server.ctx.db.query('SELECT 1 FROM authsync.users WHERE id = ANY($1::uuid[])', [ids]);
    expect(rows).toHaveLength(0);
  });

  it('skips bad lines with their number and reason, and imports the others', async () => {
    const good = { id: 'c3d4e5f6-0000-4000-8000-0000000000c1', primary_email: 'cleo@example.com' };
    const file = path.join(dir, 'bad.jsonl');
    const lines = [
      JSON.stringify(good),
      '{not json',
      JSON.stringify({ id: 'c3d4e5f6-0000-4000-8000-0000000000c2', email: 'typo@example.com' }),
      JSON.stringify({ id: 'c3d4e5f6-0000-4000-8000-0000000000c3', signed_up_at: '2024-01-01T00:00:00' }),
      JSON.stringify({ id: 'c3d4e5f6-0000-4000-8000-0000000000c4', password_hash: 'c0ffee:abab' }),
      '',
      JSON.stringify({ id: 'not-a-uuid' }),
    ];
    fs.writeFileSync(file, lines.join('\n'));
    const summary = await importFile(file);
    expect(summary.imported).toBe(1);
    expect(summary.skipped.map((skip) => [skip.line, skip.reason])).toEqual([
      [2, 'not JSON'],
      [3, expect.stringMatching(/^email: /)],
      [4, expect.stringMatching(/time zone/)],
      [5, expect.stringMatching(/bcrypt/)],
      [7, expect.stringMatching(/UUID/)],
    ]);
    expect((await serverUser(good.id)).primary_email).toBe('cleo@example.com');
  });

  it('runs as authsync import file: the summary, exit code 1 when a line was skipped, a missing file refused', async () => {
    const db = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
    const file = path.join(dir, 'cli.jsonl');
    fs.writeFileSync(
      file,
      `${JSON.stringify({ id: 'e5e5e5e5-0000-4000-8000-0000000000e1', primary_email: 'cli@example.com' })}\n{"id": 1}\n`,
    );
    const res = await runCli(['import', 'file', '--project', t.projectId, file, '--json', ...db]);
    expect(res.code, res.stderr).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ imported: 1, skipped: [{ line: 2, id: null }] });
    expect((await serverUser('e5e5e5e5-0000-4000-8000-0000000000e1')).primary_email).toBe('cli@example.com');

    const again = await runCli(['import', 'file', '--project', t.projectId, path.join(dir, 'supabase.jsonl'), ...db]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('users: 0 imported, 0 updated, 4 unchanged, 0 skipped');

    const missing = await runCli(['import', 'file', '--project', t.projectId, path.join(dir, 'nope.jsonl'), ...db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such file/);
  }, 60_000);
});
