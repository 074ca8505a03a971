/**
 * Moving a Legacy Neon Auth app whose users live only in its neon_auth.users_sync table, on PostgreSQL: project
 * creation with that database as the app database adopts the table in place (no row changes, through the first sync
 * pass too); `authsync import users-sync` reads raw_json (rows in the legacy shapes of the specs, an old one without the
 * newer fields) and creates the users under the same IDs; a soft-deleted row is skipped as deleted at source and stays
 * as it was; the app's foreign keys keep holding; a second import and a resync change no row.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { useTestServer } from '../helpers/server.js';
import { call, eventually, expectTargetEqualsSource, withClient } from '../sync/sync-helpers.js';

const LEGACY_DDL = fs.readFileSync(new URL('../../migrations/users-sync/20261206100000_users_sync_table.sql', import.meta.url), 'utf8');
const PROJECT_ID = '5b0a6a38-8f0e-4b4c-9d51-2d7a1f0c9e11';

// The client-shape example of the Stack API spec (§5), as a row of a user who signed up with a password.
const CAROL = {
  id: '477b9310-a202-4760-b339-0052b4ba7383',
  primary_email: 'carol@example.com',
  primary_email_verified: false,
  display_name: 'Carol',
  client_metadata: { a: 1 },
  client_read_only_metadata: null,
  profile_image_url: null,
  signed_up_at_millis: 1795910582797,
  has_password: true,
  auth_with_email: true,
  oauth_providers: [],
  selected_team_id: null,
  requires_totp_mfa: false,
  otp_auth_enabled: false,
  passkey_auth_enabled: false,
  is_anonymous: false,
  is_restricted: false,
  restricted_reason: null,
  restricted_by_admin: false,
  restricted_by_admin_reason: null,
  selected_team: null,
};
// A full server object with OAuth, metadata and risk scores.
const DAVE = {
  ...CAROL,
  id: '0d7c2d1e-55aa-4f7e-8b43-6a4f4a3b2c01',
  primary_email: 'dave@example.com',
  primary_email_verified: true,
  primary_email_auth_enabled: true,
  display_name: 'Dave',
  server_metadata: { plan: 'team' },
  client_read_only_metadata: { role: 'owner' },
  signed_up_at_millis: 1735689600000,
  oauth_providers: [{ id: 'github', account_id: '9001', email: 'dave@users.github.example' }],
  country_code: 'NL',
  risk_scores: { sign_up: { bot: 1, free_trial_abuse: 2 } },
};
// A row of August 2025: no is_restricted, restricted_*, country_code, risk_scores.
const ERIN = {
  id: '9a3e8c55-1b2d-4e6f-a7b8-c9d0e1f2a3b4',
  primary_email: 'erin@example.com',
  primary_email_verified: true,
  display_name: 'Erin',
  profile_image_url: 'https://img.example.com/erin.png',
  signed_up_at_millis: 1754000000000,
  has_password: false,
  otp_auth_enabled: true,
  passkey_auth_enabled: false,
  client_metadata: null,
  client_read_only_metadata: null,
  server_metadata: null,
  selected_team_id: null,
  is_anonymous: false,
};
// Deleted at the source: soft-deleted, as Legacy deleted.
const FRANK = { ...ERIN, id: 'f7a1b2c3-d4e5-4f60-8172-839405a6b7c8', primary_email: 'frank@example.com', display_name: 'Frank' };

describe('import users-sync on PostgreSQL', () => {
  const t = useTestServer({ mode: 'postgres' });
  let legacy: TestDatabase;
  let keys: { secretServerKey: string };
  const project = { projectId: PROJECT_ID, keys: {} as never };
  const db = () => ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
  const cli = async (args: string[]) => {
    const res = await runCli([...args, ...db(), '--json']);
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as Record<string, unknown>;
  };
  const rows = () =>
    withClient(
      legacy.url,
      async (c) => (await c.query('SELECT id, xmin::text, raw_json, updated_at, deleted_at FROM neon_auth.users_sync ORDER BY id')).rows,
    );

  beforeAll(async () => {
    legacy = await createTestDatabase('authsync_legacy');
    await withClient(legacy.url, async (c) => {
      await c.query(LEGACY_DDL);
      for (const user of [CAROL, DAVE, ERIN, FRANK]) await c.query('INSERT INTO neon_auth.users_sync (raw_json) VALUES ($1)', [user]);
      await c.query(
        "UPDATE neon_auth.users_sync SET deleted_at = '2025-09-01T00:00:00Z', updated_at = '2025-09-01T00:00:00Z' WHERE id = $1",
        [FRANK.id],
      );
      await c.query(
        'CREATE TABLE todos (id serial PRIMARY KEY, user_id text NOT NULL REFERENCES neon_auth.users_sync (id) ON DELETE CASCADE)',
      );
      for (const user of [CAROL, DAVE, ERIN, FRANK]) await c.query('INSERT INTO todos (user_id) VALUES ($1)', [user.id]);
    });
  });
  afterAll(async () => {
    await t.stop();
    await legacy?.drop();
  });

  it('project creation adopts the legacy table in place: no row changes, through the first sync pass', async () => {
    const before = await rows();
    const created = await cli(['project', 'create', '--name', 'Legacy app', '--id', PROJECT_ID, '--app-database-url', legacy.url]);
    keys = { secretServerKey: created.secretServerKey as string };
    Object.assign(project, { keys });
    await t.server.sync.refresh();
    expect(await cli(['sync', 'resync', '--project', PROJECT_ID])).toEqual([expect.objectContaining({ compared: 0, repaired: 0 })]);
    expect(await rows()).toEqual(before);
  });

  it('imports the live rows under the same IDs and fields; a deleted row is skipped and stays', async () => {
    const summary = await cli(['import', 'users-sync', '--project', PROJECT_ID, '--from-database-url', legacy.url]);
    expect(summary).toMatchObject({
      imported: 3,
      updated: 0,
      unchanged: 0,
      skipped: [{ id: FRANK.id, reason: 'deleted at source (2025-09-01T00:00:00.000Z)' }],
    });
    for (const source of [CAROL, DAVE, ERIN]) {
      const user = (await call(t, project as never, 'GET', `/users/${source.id}`)).json;
      expect(user).toMatchObject({
        id: source.id,
        primary_email: source.primary_email,
        primary_email_verified: source.primary_email_verified,
        display_name: source.display_name,
        profile_image_url: source.profile_image_url,
        signed_up_at_millis: source.signed_up_at_millis,
        client_metadata: source.client_metadata,
        client_read_only_metadata: source.client_read_only_metadata,
        otp_auth_enabled: source.otp_auth_enabled,
        is_anonymous: false,
        // Not kept: passwords (raw_json has none).
        has_password: false,
      });
    }
    expect((await call(t, project as never, 'GET', `/users/${DAVE.id}`)).json).toMatchObject({
      primary_email_auth_enabled: true,
      server_metadata: { plan: 'team' },
      country_code: 'NL',
      risk_scores: DAVE.risk_scores,
      oauth_providers: DAVE.oauth_providers,
    });
    expect((await call(t, project as never, 'GET', `/users/${FRANK.id}`)).status).toBe(404);

    await eventually(() => expectTargetEqualsSource(t.server.ctx.db, legacy.url, PROJECT_ID));
    const frank = (await rows()).find((r) => r.id === FRANK.id);
    expect(frank).toMatchObject({ raw_json: FRANK, deleted_at: new Date('2025-09-01T00:00:00Z') });
    expect(await withClient(legacy.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM todos')).rows[0].n)).toBe(4);
  });

  it('a second import and a resync change no row', async () => {
    const before = await rows();
    const summary = await cli(['import', 'users-sync', '--project', PROJECT_ID, '--from-database-url', legacy.url]);
    expect(summary).toMatchObject({ imported: 0, updated: 0, unchanged: 3, resumed: false });
    expect(await cli(['sync', 'resync', '--project', PROJECT_ID])).toEqual([expect.objectContaining({ repaired: 0 })]);
    expect(await rows()).toEqual(before);
  });

  it('a database without the table, or unreachable: a message and exit code 1', async () => {
    const noTable = await runCli([
      'import',
      'users-sync',
      '--project',
      PROJECT_ID,
      '--from-database-url',
      t.databaseUrl!.replace(/\/[^/]*$/, '/postgres'),
      ...db(),
    ]);
    expect(noTable.code).toBe(1);
    expect(noTable.stderr).toContain('has no neon_auth.users_sync table');
    const down = await runCli([
      'import',
      'users-sync',
      '--project',
      PROJECT_ID,
      '--from-database-url',
      'postgres://127.0.0.1:1/none',
      ...db(),
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Cannot connect to the legacy database');
  });
});
