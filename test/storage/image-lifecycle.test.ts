/**
 * When stored images go: a project's logos (replaced, removed, with the project), a member profile's image (when the
 * member leaves), and an image whose object was never written (a day later, at a later upload).
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { signUp } from '../api/support.js';
import { imageTarget, saveImage } from '../../src/storage/image-store.js';
import { parseImageDataUrl } from '../../src/storage/image-data.js';
import { readProjectLogos, writeProjectLogos } from '../../src/storage/project-logos.js';
import { createProject } from '../../src/projects/projects.js';

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAD0lEQVR4AQEEAPv/ALHBwQRaAjRgT7lCAAAAAElFTkSuQmCC';
const GIF = 'data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==';

async function imageCount(t: TestServer, where: string, params: unknown[]): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM authsync.stored_images WHERE ${where}`,
    params,
  );
  return Number(rows[0]!.n);
}

describeOnEachStore('stored images lifecycle on %s', (t) => {
  it("a project's logos: data URLs stored, http(s) URLs kept, replaced or removed ones deleted", async () => {
    const target = imageTarget(t.server.ctx, t.projectId);
    await writeProjectLogos(target, { logo_url: PNG, logo_full_url: 'https://example.com/full.png' });
    const logos = await readProjectLogos(t.server.ctx.db, t.projectId);
    expect(logos.logo_url).toMatch(new RegExp(`^${t.url}/storage/project-logos/[0-9a-f-]{36}\\.png$`));
    expect(logos).toMatchObject({ logo_full_url: 'https://example.com/full.png', logo_dark_mode_url: null, logo_full_dark_mode_url: null });
    expect((await fetch(logos.logo_url!)).headers.get('content-type')).toBe('image/png');

    await writeProjectLogos(target, { logo_url: GIF });
    expect((await fetch(logos.logo_url!)).status).toBe(404);
    const replaced = await readProjectLogos(t.server.ctx.db, t.projectId);
    expect(replaced.logo_url).toMatch(/\.gif$/);
    expect(replaced.logo_full_url).toBe('https://example.com/full.png');

    await writeProjectLogos(target, { logo_url: null, logo_full_url: null });
    expect(await readProjectLogos(t.server.ctx.db, t.projectId)).toEqual({
      logo_url: null,
      logo_full_url: null,
      logo_dark_mode_url: null,
      logo_full_dark_mode_url: null,
    });
    expect(await imageCount(t, 'project_id = $1 AND folder = $2', [t.projectId, 'project-logos'])).toBe(0);
  });

  it('PATCH /internal/projects/current: an uploaded logo is answered by its URL, an http(s) one kept, "" a schema error', async () => {
    const headers = {
      'x-stack-access-type': 'admin',
      'x-stack-project-id': t.projectId,
      'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
      'content-type': 'application/json',
    };
    const res = await api(t, 'PATCH', '/internal/projects/current', {
      headers,
      body: { logo_url: PNG, logo_full_dark_mode_url: 'https://example.com/dark.png' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.logo_url).toMatch(new RegExp(`^${t.url}/storage/project-logos/[0-9a-f-]{36}\\.png$`));
    expect(res.json.logo_full_dark_mode_url).toBe('https://example.com/dark.png');
    const read = await api(t, 'GET', '/internal/projects/current', { headers });
    expect(read.json.logo_url).toBe(res.json.logo_url);
    const empty = await api(t, 'PATCH', '/internal/projects/current', { headers, body: { logo_url: '' } });
    expect(empty.json.code).toBe('SCHEMA_ERROR');
    const notImage = await api(t, 'PATCH', '/internal/projects/current', { headers, body: { logo_url: 'data:image/png;base64,dGVzdA==' } });
    expect([notImage.status, notImage.text]).toEqual([400, 'Invalid image format or corrupted image data']);
    await api(t, 'PATCH', '/internal/projects/current', { headers, body: { logo_url: null, logo_full_dark_mode_url: null } });
    expect((await fetch(res.json.logo_url as string)).status).toBe(404);
  });

  it("deleting a project deletes its logos and its users' images", async () => {
    const { project } = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Doomed' });
    await writeProjectLogos(imageTarget(t.server.ctx, project.id), { logo_url: PNG });
    const user = await t.server.ctx.users.create(project.id, {});
    await t.server.ctx.db.query('UPDATE authsync.users SET profile_image_url = $1 WHERE id = $2', [
      await saveImage(imageTarget(t.server.ctx, project.id), 'user-profile-images', parseImageDataUrl(GIF)),
      user.id,
    ]);
    expect(await imageCount(t, 'project_id = $1', [project.id])).toBe(2);
    expect(await imageCount(t, 'user_id = $1', [user.id])).toBe(1);
    await t.server.ctx.db.query('DELETE FROM authsync.projects WHERE id = $1', [project.id]);
    expect(await imageCount(t, 'project_id = $1', [project.id])).toBe(0);
  });

  it("a member profile's image is stored, and goes when the member leaves the team", async () => {
    const user = await signUp(t);
    const team = await api(t, 'POST', '/teams', {
      headers: serverHeaders(t),
      body: { display_name: 'Members', creator_user_id: user.userId },
    });
    const teamId = team.json.id as string;
    const profile = await api(t, 'PATCH', `/team-member-profiles/${teamId}/${user.userId}`, {
      headers: serverHeaders(t),
      body: { profile_image_url: GIF },
    });
    expect(profile.status, profile.text).toBe(200);
    expect(profile.json.profile_image_url).toMatch(/\/storage\/team-member-profile-images\/[0-9a-f-]{36}\.gif$/);
    expect(await imageCount(t, 'team_id = $1 AND user_id = $2', [teamId, user.userId])).toBe(1);
    const left = await api(t, 'DELETE', `/team-memberships/${teamId}/${user.userId}`, { headers: serverHeaders(t) });
    expect(left.status, left.text).toBe(200);
    expect(await imageCount(t, 'team_id = $1 AND user_id = $2', [teamId, user.userId])).toBe(0);
  });

  it('an image no object came to name is deleted a day later, at a later upload; a logo in use never is', async () => {
    const target = imageTarget(t.server.ctx, t.projectId);
    const orphan = await saveImage(target, 'user-profile-images', parseImageDataUrl(GIF));
    await writeProjectLogos(target, { logo_dark_mode_url: PNG });
    const logo = (await readProjectLogos(t.server.ctx.db, t.projectId)).logo_dark_mode_url!;
    await t.server.ctx.db.query("UPDATE authsync.stored_images SET created_at = now() - interval '2 days' WHERE project_id = $1", [
      t.projectId,
    ]);
    await saveImage(target, 'user-profile-images', parseImageDataUrl(GIF));
    expect((await fetch(orphan)).status).toBe(404);
    expect((await fetch(logo)).status).toBe(200);
  });
});
