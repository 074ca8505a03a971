/**
 * The import writer: a server user object written into a project under its own ID, through the user store (users_sync
 * in the same transaction), created, then updated only when it differs, and left alone (no version bump) when it
 * matches. On each store.
 */
import bcrypt from 'bcryptjs';
import { expect, it } from 'vitest';
import { writeUser } from '../../src/import/write-user.js';
import { createProject } from '../../src/projects/projects.js';
import { addMember } from '../../src/teams/memberships.js';
import { createTeam } from '../../src/teams/teams.js';
import { describeOnEachStore } from '../helpers/server.js';

const ALICE = {
  id: 'A1B2C3D4-0000-4000-8000-000000000001',
  primary_email: 'Alice@Example.com',
  primary_email_verified: true,
  primary_email_auth_enabled: true,
  display_name: 'Alice',
  profile_image_url: 'https://img.example.com/alice.png',
  signed_up_at_millis: 1_700_000_000_123,
  has_password: true,
  otp_auth_enabled: false,
  passkey_auth_enabled: false,
  client_metadata: { theme: 'dark', nested: { b: 2, a: 1 } },
  client_read_only_metadata: { plan: 'pro' },
  server_metadata: { stripe: 'cus_1' },
  selected_team_id: null,
  is_anonymous: false,
  restricted_by_admin: false,
  restricted_by_admin_reason: null,
  restricted_by_admin_private_details: null,
  country_code: 'FR',
  risk_scores: { sign_up: { bot: 3, free_trial_abuse: 4 } },
  oauth_providers: [{ id: 'github', account_id: '4242', email: 'alice@users.github.example' }],
};
const ID = ALICE.id.toLowerCase();

describeOnEachStore('import writer (%s)', (t) => {
  const ctx = () => t.server.ctx;
  const row = async (id = ID) =>
    (
      await ctx().db.query<{ version: string; raw_json: Record<string, unknown>; email: string; created_at: Date }>(
        `SELECT u.version::text AS version, s.raw_json, s.email, s.created_at
         FROM authsync.users u JOIN neon_auth.users_sync s ON s.id = u.id::text WHERE u.id = $1`,
        [id],
      )
    ).rows[0];

  it('creates the user with the same ID and fields, users_sync included, and no personal team', async () => {
    await ctx().db.query(`UPDATE authsync.projects SET config = config || '{"create_team_on_sign_up": true}' WHERE id = $1`, [t.projectId]);
    const hash = await bcrypt.hash('alice-password-1', 4);
    expect(await writeUser(ctx(), t.projectId, ALICE, { passwordHash: hash })).toBe('imported');
    const user = (await ctx().users.get(t.projectId, ID))!;
    expect(user).toMatchObject({
      primary_email: 'alice@example.com',
      primary_email_verified: true,
      primary_email_auth_enabled: true,
      display_name: 'Alice',
      profile_image_url: ALICE.profile_image_url,
      client_metadata: ALICE.client_metadata,
      client_read_only_metadata: { plan: 'pro' },
      server_metadata: { stripe: 'cus_1' },
      country_code: 'FR',
      risk_scores: ALICE.risk_scores,
      password_hash: hash,
      selected_team_id: null,
      oauth_providers: [{ id: 'github', account_id: '4242', email: 'alice@users.github.example' }],
    });
    expect(user.signed_up_at.getTime()).toBe(ALICE.signed_up_at_millis);
    const synced = (await row())!;
    expect(synced.email).toBe('alice@example.com');
    expect(synced.created_at.getTime()).toBe(ALICE.signed_up_at_millis);
    expect(synced.raw_json).toMatchObject({ id: ID, has_password: true, oauth_providers: ALICE.oauth_providers });
    const channels = await ctx().db.query('SELECT value, is_verified, used_for_auth FROM authsync.contact_channels WHERE user_id = $1', [
      ID,
    ]);
    expect(channels.rows).toEqual([{ value: 'alice@example.com', is_verified: true, used_for_auth: true }]);
    const teams = await ctx().db.query('SELECT 1 FROM authsync.team_members WHERE user_id = $1', [ID]);
    expect(teams.rowCount).toBe(0);
  });

  it('leaves a matching user alone: no write, no version bump', async () => {
    const before = (await row())!;
    expect(await writeUser(ctx(), t.projectId, ALICE)).toBe('unchanged');
    expect(await writeUser(ctx(), t.projectId, { ...ALICE, client_metadata: { nested: { a: 1, b: 2 }, theme: 'dark' } })).toBe('unchanged');
    expect((await row())!.version).toBe(before.version);
  });

  it('updates a changed user once, keeping its password when the source brings none', async () => {
    const before = (await row())!;
    const changed = { ...ALICE, display_name: 'Alice B', primary_email_verified: false, server_metadata: { stripe: 'cus_2' } };
    expect(await writeUser(ctx(), t.projectId, changed, { dryRun: true })).toBe('updated');
    expect((await row())!.version).toBe(before.version);
    expect(await writeUser(ctx(), t.projectId, changed)).toBe('updated');
    const after = (await row())!;
    expect(Number(after.version)).toBe(Number(before.version) + 1);
    expect(after.raw_json).toMatchObject({ display_name: 'Alice B', primary_email_verified: false, server_metadata: { stripe: 'cus_2' } });
    expect((await ctx().users.get(t.projectId, ID))!.password_hash).not.toBeNull();
    expect(await writeUser(ctx(), t.projectId, changed)).toBe('unchanged');
  });

  it('keeps anonymous users anonymous, and the selected team once the membership exists', async () => {
    const anon = { id: '00000000-0000-4000-8000-0000000000aa', is_anonymous: true, signed_up_at_millis: 1_700_000_001_000 };
    expect(await writeUser(ctx(), t.projectId, anon)).toBe('imported');
    expect((await ctx().users.get(t.projectId, anon.id))!).toMatchObject({ is_anonymous: true, primary_email: null });

    const team = await createTeam(ctx(), t.projectId, { display_name: 'Team' }, null);
    const withTeam = { ...ALICE, display_name: 'Alice B', primary_email_verified: false, server_metadata: { stripe: 'cus_2' } };
    expect(await writeUser(ctx(), t.projectId, { ...withTeam, selected_team_id: team.id })).toBe('unchanged');
    await addMember(ctx(), t.projectId, team.id, ID);
    expect(await writeUser(ctx(), t.projectId, { ...withTeam, selected_team_id: team.id })).toBe('updated');
    expect((await ctx().users.get(t.projectId, ID))!.selected_team_id).toBe(team.id);
  });

  it('skips with a reason: a clash of sign-in e-mail, an ID of another project, a bad object, a non-bcrypt hash', async () => {
    const bob = { id: '00000000-0000-4000-8000-0000000000b0', primary_email: 'alice@example.com', primary_email_auth_enabled: true };
    expect(await writeUser(ctx(), t.projectId, bob)).toEqual({ skipped: expect.stringContaining('alice@example.com') as unknown });
    expect(await ctx().users.get(t.projectId, bob.id)).toBeUndefined();

    const other = await createProject(ctx().db, ctx().box, { displayName: 'Other' });
    expect(await writeUser(ctx(), other.project.id, ALICE)).toEqual({ skipped: 'the user ID is taken by a user of another project' });
    expect(await writeUser(ctx(), t.projectId, { id: 'not-a-uuid' })).toEqual({
      skipped: expect.stringContaining('id must be a UUID') as unknown,
    });
    expect(await writeUser(ctx(), t.projectId, { id: '00000000-0000-4000-8000-0000000000b1' }, { passwordHash: 'plain' })).toEqual({
      skipped: 'the password hash is not a bcrypt hash',
    });
    const thief = { id: '00000000-0000-4000-8000-0000000000b2', oauth_providers: [{ id: 'github', account_id: '4242', email: null }] };
    expect(await writeUser(ctx(), t.projectId, thief)).toEqual({ skipped: expect.stringContaining('belongs to another user') as unknown });
  });
});
