/**
 * `authsync import stack --lazy-passwords` and `authsync import lazy-passwords` end to end on PostgreSQL, through the
 * CLI: the import registers the old server (a second authsync server behind a counting proxy) and marks the users who
 * have a password there; the status counts them down as they sign in; a re-run does not mark a migrated user again;
 * --disable and --until turn the old server off; bad input is a message and exit code 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { api, serverHeaders, useTestServer } from '../helpers/server.js';
import { isMarked, oldUser, signIn, startCountingProxy, type CountingProxy } from './lazy-passwords-support.js';

const old = useTestServer();
const t = useTestServer();
let proxy: CountingProxy;
let db: string[];
let alice: Record<string, unknown>;
let olga: Record<string, unknown>;

beforeAll(async () => {
  proxy = await startCountingProxy(old.url);
  db = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
  alice = await oldUser(old, 'alice@example.com', 'alice-old-password-1');
  // A user without a password at the old server (created by its backend).
  const created = await api(old, 'POST', '/users', { headers: serverHeaders(old), body: { primary_email: 'olga@example.com' } });
  expect(created.status).toBe(201);
  olga = created.json;
});
afterAll(async () => {
  await proxy.close();
});

async function status() {
  const res = await runCli(['import', 'lazy-passwords', '--project', t.projectId, '--json', ...db]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as { source: Record<string, unknown> | null; remaining: number };
}

const importStack = () =>
  runCli([
    'import',
    'stack',
    '--project',
    t.projectId,
    '--from-url',
    proxy.url,
    '--from-project-id',
    old.projectId,
    '--from-secret-server-key',
    old.keys.secretServerKey,
    '--lazy-passwords',
    '--json',
    ...db,
  ]);

describe('import stack --lazy-passwords', () => {
  it('registers the old server and marks the users who have a password there', async () => {
    expect((await status()).source).toBeNull();
    const res = await importStack();
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ imported: 2 });
    expect(await isMarked(t, alice.id as string)).toBe(true);
    expect(await isMarked(t, olga.id as string)).toBe(false);
    expect(await status()).toEqual({
      source: {
        baseUrl: proxy.url,
        oldProjectId: old.projectId,
        keyKind: 'secret_server',
        enabledUntil: null,
        disabledAt: null,
        active: true,
      },
      remaining: 1,
    });
    const text = await runCli(['import', 'lazy-passwords', '--project', t.projectId, ...db]);
    expect(text.stdout).toMatch(/remaining\s+1/);
    expect(text.stdout).not.toContain(old.keys.secretServerKey);
  });

  it('counts a user down once they signed in, and a re-run does not mark them again', async () => {
    const before = proxy.signIns;
    expect((await signIn(t, 'alice@example.com', 'alice-old-password-1')).status).toBe(200);
    expect(proxy.signIns).toBe(before + 1);
    expect((await status()).remaining).toBe(0);
    expect((await importStack()).code).toBe(0);
    expect(await isMarked(t, alice.id as string)).toBe(false);
    expect((await status()).remaining).toBe(0);
  });

  it('turns the old server off with --disable, and at a date with --until', async () => {
    const disabled = await runCli(['import', 'lazy-passwords', '--project', t.projectId, '--disable', '--json', ...db]);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(JSON.parse(disabled.stdout).source).toMatchObject({ active: false, disabledAt: expect.any(String) });

    const until = await runCli([
      'import',
      'lazy-passwords',
      '--project',
      t.projectId,
      '--enable',
      '--until',
      '2099-01-01',
      '--json',
      ...db,
    ]);
    expect(until.code, until.stderr).toBe(0);
    expect(JSON.parse(until.stdout).source).toMatchObject({ active: true, disabledAt: null, enabledUntil: '2099-01-01T00:00:00.000Z' });
  });

  it('sets or replaces the old server with --from-…, the key never printed', async () => {
    const res = await runCli([
      'import',
      'lazy-passwords',
      '--project',
      t.projectId,
      '--from-url',
      `${proxy.url}/api/v1`,
      '--from-project-id',
      old.projectId,
      '--from-publishable-client-key',
      old.keys.publishableClientKey,
      '--json',
      ...db,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toContain(old.keys.publishableClientKey);
    expect(JSON.parse(res.stdout).source).toMatchObject({ baseUrl: proxy.url, keyKind: 'publishable_client', active: true });
  });

  it('refuses bad input with a message and exit code 1', async () => {
    const badDate = await runCli(['import', 'lazy-passwords', '--project', t.projectId, '--until', 'next week', ...db]);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/--until must be a date/);
    const halfSource = await runCli(['import', 'lazy-passwords', '--project', t.projectId, '--from-url', 'https://old.example', ...db]);
    expect(halfSource.code).toBe(1);
    expect(halfSource.stderr).toMatch(/--from-project-id/);
    const badUrl = await runCli([
      'import',
      'lazy-passwords',
      '--project',
      t.projectId,
      '--from-url',
      'ftp://old.example',
      '--from-project-id',
      old.projectId,
      '--from-publishable-client-key',
      'pck',
      ...db,
    ]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/http or https/);
  });
});
