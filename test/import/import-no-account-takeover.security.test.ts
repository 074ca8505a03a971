/**
 * An import cannot take over accounts: a source user (whatever the source sends) never gets a provider account or a
 * sign-in e-mail that belongs to another user of the project, never overwrites a user of another project that has
 * its ID, and the old server's key is not kept anywhere by the import's run state.
 */
import { describe, expect, it } from 'vitest';
import { importFromStack } from '../../src/import/stack-import.js';
import { writeUser } from '../../src/import/write-user.js';
import { upsertOAuthAccount } from '../../src/oauth/accounts.js';
import { createProject } from '../../src/projects/projects.js';
import { api, serverHeaders, useTestServer } from '../helpers/server.js';

describe('imports cannot take over accounts', () => {
  const target = useTestServer({ mode: 'pglite' });
  const source = useTestServer({ mode: 'postgres' });
  const ctx = () => target.server.ctx;

  async function victim(email: string, accountId: string) {
    const user = await ctx().users.create(target.projectId, {
      primary_email: email,
      primary_email_auth_enabled: true,
      display_name: 'Victim',
    });
    await ctx().db.transaction((tx) =>
      upsertOAuthAccount(tx, ctx().box, { projectId: target.projectId, providerId: 'github', accountId, userId: user.id, email }),
    );
    return (await ctx().users.get(target.projectId, user.id))!;
  }

  it("an imported user does not get another user's provider account or sign-in e-mail", async () => {
    const before = await victim('victim@example.com', '777');
    const byAccount = { id: '00000000-0000-4000-8000-00000000a001', oauth_providers: [{ id: 'GitHub', account_id: '777', email: null }] };
    expect(await writeUser(ctx(), target.projectId, byAccount)).toEqual({
      skipped: expect.stringContaining('belongs to another user') as unknown,
    });
    const byEmail = { id: '00000000-0000-4000-8000-00000000a002', primary_email: 'VICTIM@example.com', primary_email_auth_enabled: true };
    expect(await writeUser(ctx(), target.projectId, byEmail)).toMatchObject({ skipped: expect.any(String) as unknown });
    for (const id of [byAccount.id, byEmail.id]) expect(await ctx().users.get(target.projectId, id)).toBeUndefined();
    expect(await ctx().users.get(target.projectId, before.id)).toEqual(before);
  });

  it('an import into one project does not overwrite a user of another project with the same ID', async () => {
    const other = await createProject(ctx().db, ctx().box, { displayName: 'Other' });
    const user = await ctx().users.create(other.project.id, { primary_email: 'owner@example.com', display_name: 'Owner' });
    const outcome = await writeUser(ctx(), target.projectId, {
      id: user.id,
      primary_email: 'attacker@example.com',
      display_name: 'Attacker',
    });
    expect(outcome).toEqual({ skipped: 'the user ID is taken by a user of another project' });
    expect(await ctx().users.get(other.project.id, user.id)).toEqual(user);
    expect(await ctx().users.get(target.projectId, user.id)).toBeUndefined();
  });

  it("the old server's key is not kept in the import's run state", async () => {
    const created = await api(source, 'POST', '/users', { headers: serverHeaders(source), body: { primary_email: 'src@example.com' } });
    expect(created.status).toBe(201);
    const key = source.keys.secretServerKey;
    const summary = await importFromStack(ctx(), target.projectId, { url: source.url, projectId: source.projectId, secretServerKey: key });
    expect(summary.imported).toBe(1);
    const { rows } = await ctx().db.query<{ row: string }>('SELECT to_jsonb(r)::text AS row FROM authsync.import_runs r');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.row).toContain(source.projectId);
    expect(rows[0]!.row).not.toContain(key);
    expect(rows[0]!.row).not.toContain(key.slice(-16));
  });
});
