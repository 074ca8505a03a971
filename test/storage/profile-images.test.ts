/**
 * Profile images given as base64 data URLs are stored by authsync and the objects name them by URL
 * (`<storage public URL>/<folder>/<uuid>.<ext>`), as Stack answers; GET /storage serves them. Replacing or removing an
 * image deletes the stored one, and so does deleting its user or team. http(s) URLs from a server are kept as given.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders, useTestServer, type TestServer } from '../helpers/server.js';
import { expectKnownError, signUp, withToken, type SignedUp } from '../api/support.js';

const GIF = 'R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

async function storedCount(t: TestServer, column: 'user_id' | 'team_id', owner: string): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM authsync.stored_images WHERE ${column} = $1`,
    [owner],
  );
  return Number(rows[0]!.n);
}

describeOnEachStore('profile images on %s', (t) => {
  let user: SignedUp;
  beforeAll(async () => {
    user = await signUp(t);
  });

  const patchMe = (body: unknown) => api(t, 'PATCH', '/users/me', { headers: withToken(t, user.accessToken), body });

  it('stores a data URL image and answers with its URL, which serves the image', async () => {
    const res = await patchMe({ profile_image_url: `data:image/gif;base64,${GIF}` });
    expect(res.status, res.text).toBe(200);
    const url = res.json.profile_image_url as string;
    expect(url).toMatch(new RegExp(`^${t.url}/storage/user-profile-images/${UUID}\\.gif$`));

    const image = await fetch(url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/gif');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(image.headers.get('cache-control')).toContain('max-age=31536000');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(Buffer.from(GIF, 'base64'));
    // Every later read names the same URL.
    const me = await api(t, 'GET', '/users/me', { headers: withToken(t, user.accessToken) });
    expect(me.json.profile_image_url).toBe(url);
  });

  it('replacing the image deletes the old one; removing it deletes the new one', async () => {
    const first = (await patchMe({ profile_image_url: `data:image/gif;base64,${GIF}` })).json.profile_image_url as string;
    const second = await patchMe({ profile_image_url: `data:image/png;base64,${PNG}` });
    expect(second.json.profile_image_url).toMatch(/\/user-profile-images\/[0-9a-f-]+\.png$/);
    expect((await fetch(first)).status).toBe(404);
    expect((await fetch(second.json.profile_image_url as string)).status).toBe(200);
    expect(await storedCount(t, 'user_id', user.userId)).toBe(1);

    const removed = await patchMe({ profile_image_url: null });
    expect(removed.json.profile_image_url).toBeNull();
    expect((await fetch(second.json.profile_image_url as string)).status).toBe(404);
    expect(await storedCount(t, 'user_id', user.userId)).toBe(0);
  });

  it('a client may send only base64 image data: any other URL is 400 "Invalid profile image URL"', async () => {
    for (const value of ['https://example.com/a.png', 'data:image/not-valid;base64,test', 'data:text/html;base64,PGI+']) {
      const res = await patchMe({ profile_image_url: value });
      expect([res.status, res.text], value).toEqual([400, 'Invalid profile image URL']);
    }
  });

  it('data that is not an image of an allowed type is refused with the reason', async () => {
    const notImage = await patchMe({ profile_image_url: `data:image/png;base64,${Buffer.from('hello world').toString('base64')}` });
    expect([notImage.status, notImage.text]).toEqual([400, 'Invalid image format or corrupted image data']);
    // The type the data URL claims does not matter: the bytes do.
    const claimed = await patchMe({ profile_image_url: `data:image/jpeg;base64,${GIF}` });
    expect(claimed.status).toBe(200);
    expect(claimed.json.profile_image_url).toMatch(/\.gif$/);
  });

  it('an empty string or a value that is no URL is SCHEMA_ERROR; a server may keep an http(s) URL', async () => {
    const headers = serverHeaders(t);
    const empty = await api(t, 'PATCH', `/users/${user.userId}`, { headers, body: { profile_image_url: '' } });
    expectKnownError(empty, 'SCHEMA_ERROR', 400);
    expect(empty.json.error).toContain('body.profile_image_url is not a valid URL');
    const kept = await api(t, 'PATCH', `/users/${user.userId}`, { headers, body: { profile_image_url: 'https://cdn.example.com/a.png' } });
    expect(kept.json.profile_image_url).toBe('https://cdn.example.com/a.png');
    const other = await api(t, 'PATCH', `/users/${user.userId}`, { headers, body: { profile_image_url: 'ftp://example.com/a.png' } });
    expect([other.status, other.text]).toEqual([400, 'Invalid profile image URL']);
  });

  it('an image given with a new user (server) belongs to it, and deleting the user deletes it', async () => {
    const created = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { profile_image_url: `data:image/gif;base64,${GIF}` },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    expect(await storedCount(t, 'user_id', id)).toBe(1);
    await api(t, 'DELETE', `/users/${id}`, { headers: serverHeaders(t) });
    expect(await storedCount(t, 'user_id', id)).toBe(0);
    expect((await fetch(created.json.profile_image_url as string)).status).toBe(404);
  });

  it('team images are stored under team-profile-images and go with the team', async () => {
    const team = await api(t, 'POST', '/teams', {
      headers: serverHeaders(t),
      body: { display_name: 'Pictured', profile_image_url: `data:image/gif;base64,${GIF}` },
    });
    expect(team.status, team.text).toBe(201);
    const teamId = team.json.id as string;
    expect(team.json.profile_image_url).toMatch(new RegExp(`/storage/team-profile-images/${UUID}\\.gif$`));
    const updated = await api(t, 'PATCH', `/teams/${teamId}`, {
      headers: serverHeaders(t),
      body: { profile_image_url: `data:image/png;base64,${PNG}` },
    });
    expect((await fetch(team.json.profile_image_url as string)).status).toBe(404);
    expect(await storedCount(t, 'team_id', teamId)).toBe(1);
    await api(t, 'DELETE', `/teams/${teamId}`, { headers: serverHeaders(t) });
    expect(await storedCount(t, 'team_id', teamId)).toBe(0);
    expect((await fetch(updated.json.profile_image_url as string)).status).toBe(404);
  });

  it('an unknown image, folder or extension is 404', async () => {
    const url = (await patchMe({ profile_image_url: `data:image/gif;base64,${GIF}` })).json.profile_image_url as string;
    expect((await fetch(url.replace(/\.gif$/, '.png'))).status).toBe(404);
    expect((await fetch(url.replace('user-profile-images', 'team-profile-images'))).status).toBe(404);
    expect((await fetch(`${t.url}/storage/user-profile-images/${randomUUID()}.gif`)).status).toBe(404);
    expect((await fetch(`${t.url}/storage/other/${randomUUID()}.gif`)).status).toBe(404);
  });
});

describe('AUTHSYNC_STORAGE_PUBLIC_URL', () => {
  const t = useTestServer({ env: { AUTHSYNC_STORAGE_PUBLIC_URL: 'https://cdn.example.com/avatars/' } });

  it('is the start of stored images URLs (a CDN or proxy path in front of /storage)', async () => {
    const user = await signUp(t);
    const res = await api(t, 'PATCH', '/users/me', {
      headers: withToken(t, user.accessToken),
      body: { profile_image_url: `data:image/gif;base64,${GIF}` },
    });
    const url = res.json.profile_image_url as string;
    expect(url).toMatch(new RegExp(`^https://cdn\\.example\\.com/avatars/user-profile-images/${UUID}\\.gif$`));
    // The server itself still serves the path after the configured start.
    const served = await fetch(`${t.url}/storage/${url.slice('https://cdn.example.com/avatars/'.length)}`);
    expect(served.status).toBe(200);
  });
});
