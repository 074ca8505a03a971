/**
 * Set-up in the order a new user may take: `authsync rls install` as a superuser first (to take a power away from an
 * old role, say), then `project create` with the app database owner's URL. The superuser's install hands the schemas
 * it created to the database's owner, so authsync, connecting as the owner, can write users_sync. When the objects
 * belong to another role all the same (taken back by hand here), the sync worker says so once, with the fix, instead
 * of logging the same "permission denied" at every retry, and carries on when the fix is applied.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKey } from '../../src/projects/databases.js';
import { createProject } from '../../src/projects/projects.js';
import { provisionProject } from '../../src/provisioning/provision.js';
import { TargetRunner } from '../../src/sync/target-runner.js';
import { runCli } from '../cli/run-cli.js';
import { adminQuery, databaseUrl } from '../helpers/databases.js';
import { api, clientHeaders, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, withClient } from './sync-helpers.js';

const suffix = randomBytes(6).toString('hex');
const owner = `authsync_owner_${suffix}`;
const appDb = `authsync_owned_app_${suffix}`;
const ownerUrl = databaseUrl(appDb, { name: owner, password: 'owner-password' });

let t: TestServer;
let cliDataDir: string;
/** The test server, addressed as the project created on the owner's URL. */
let projectOnServer: TestServer;

/** A query in the app database, as the cluster's superuser. */
function appQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return withClient(databaseUrl(appDb), (client) => client.query(sql, params));
}

async function usersSyncEmails(): Promise<string[]> {
  const { rows } = await appQuery(`SELECT email FROM neon_auth.users_sync ORDER BY email`);
  return rows.map((row: { email: string }) => row.email);
}

beforeAll(async () => {
  await adminQuery(`CREATE ROLE ${owner} LOGIN CREATEROLE NOSUPERUSER PASSWORD 'owner-password'`);
  await adminQuery(`CREATE DATABASE ${appDb} OWNER ${owner}`);
  t = await startTestServer({ mode: 'postgres' });
  cliDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-hand-over-'));
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await adminQuery(`DROP DATABASE IF EXISTS ${appDb} WITH (FORCE)`);
  await adminQuery(`DROP OWNED BY ${owner}`).catch(() => undefined);
  await adminQuery(`DROP ROLE IF EXISTS ${owner}`).catch(() => undefined);
  fs.rmSync(cliDataDir, { recursive: true, force: true });
});

describe('ownership conflicts in a users_sync target', () => {
  it("rls install as a superuser hands the schemas it created to the database's owner", async () => {
    const result = await runCli(['rls', 'install', '--database-url', databaseUrl(appDb), '--data-dir', cliDataDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`neon_auth, authsync_sync and authsync_kit belong to ${owner}`);
    const { rows } = await appQuery(
      `SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN ('neon_auth', 'authsync_sync', 'authsync_kit') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { nspname: 'authsync_kit', owner },
      { nspname: 'authsync_sync', owner },
      { nspname: 'neon_auth', owner },
    ]);
    const tables = await appQuery(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('neon_auth', 'authsync_sync', 'authsync_kit') AND c.relkind IN ('r', 'v') AND pg_get_userbyid(c.relowner) <> $1`,
      [owner],
    );
    expect(tables.rows[0].n).toBe(0);
  });

  it("then the project, created with the owner's URL, provisions and its users reach users_sync", async () => {
    const { project, keys } = await createProject(t.server.ctx.db, t.server.ctx.box, {
      displayName: 'Owner after a superuser install',
      appDatabaseUrl: ownerUrl,
    });
    await provisionProject(t.server.ctx, project.id);
    const p = { ...t, projectId: project.id, keys };
    projectOnServer = p;
    const signUp = await api(p, 'POST', '/auth/password/sign-up', {
      headers: clientHeaders(p),
      body: { email: 'first@example.com', password: 'a-long-enough-password' },
    });
    expect(signUp.status, signUp.text).toBe(200);
    await eventually(async () => expect(await usersSyncEmails()).toContain('first@example.com'));
  });

  it('a conflict that remains is logged once with the fix, retried quietly, and the target recovers once fixed', async () => {
    // The superuser takes users_sync back: the owner may no longer write it.
    await appQuery(`ALTER TABLE neon_auth.users_sync OWNER TO CURRENT_USER`);
    // A new user: the next pass has a row to write into users_sync.
    const signUp = await api(projectOnServer, 'POST', '/auth/password/sign-up', {
      headers: clientHeaders(projectOnServer),
      body: { email: 'second@example.com', password: 'a-long-enough-password' },
    });
    expect(signUp.status, signUp.text).toBe(200);
    const lines: { level: number; msg: string; err?: string }[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const errors: string[] = [];
    const target = { id: 'test', projectId: projectOnServer.projectId, purpose: 'app' as const, url: ownerUrl, key: databaseKey(ownerUrl) };
    const runner = new TargetRunner(t.server.ctx.db, target, {
      log,
      maxBackoffMs: 200,
      onProgress: async () => undefined,
      onError: async (message) => void errors.push(message),
    });
    try {
      runner.wake();
      const failures = () => lines.filter((line) => line.msg === 'users_sync: target failed');
      await eventually(async () => expect(failures().length).toBeGreaterThanOrEqual(5));
      const warned = failures().filter((line) => line.level === 40);
      expect(warned).toHaveLength(1);
      expect(
        failures()
          .slice(1)
          .every((line) => line.level === 20),
      ).toBe(true);
      expect(warned[0]!.err).toContain('permission denied for table users_sync');
      expect(warned[0]!.err).toContain(`authsync connects to ${appDb} as ${owner}`);
      expect(warned[0]!.err).toContain(`authsync rls install --database-url <a superuser's URL of ${appDb}> --owner ${owner}`);
      expect(errors.at(-1)).toBe(warned[0]!.err);

      // The fix the message names: the target is reachable again, and a new failure would be reported again.
      const fixed = await runCli(['rls', 'install', '--database-url', databaseUrl(appDb), '--data-dir', cliDataDir, '--owner', owner]);
      expect(fixed.code, fixed.stderr).toBe(0);
      await eventually(async () => expect(lines.some((line) => line.msg === 'users_sync: target reachable again')).toBe(true));
      await eventually(async () => expect(await usersSyncEmails()).toContain('second@example.com'));
    } finally {
      await runner.stop();
    }
  });
});
