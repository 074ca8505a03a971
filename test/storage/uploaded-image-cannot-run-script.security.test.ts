/**
 * An uploaded image can never run script on authsync's origin (where the dashboard and the API live): SVG and HTML
 * are refused at upload whatever type the data URL claims, and what is stored is served only as the raster type found
 * in its bytes, with `nosniff` and a sandbox policy, so even an image that is also an HTML document (a polyglot) is
 * neither rendered as a page nor allowed to run script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders, useTestServer } from '../helpers/server.js';
import { signUp, withToken, type SignedUp } from '../api/support.js';
import { launchBrowser, type Browser } from '../dashboard/support.js';

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

describeOnEachStore('uploaded images cannot run script on %s', (t) => {
  let user: SignedUp;
  beforeAll(async () => {
    user = await signUp(t);
  });

  const upload = (dataUrl: string) =>
    api(t, 'PATCH', '/users/me', { headers: withToken(t, user.accessToken), body: { profile_image_url: dataUrl } });

  it('refuses SVG, with or without script, and HTML, whatever type the data URL claims', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>';
    const cases: [string, string][] = [
      [
        `data:image/svg;base64,${b64(svg)}`,
        'Image type image/svg is not allowed. Allowed types: image/png, image/jpeg, image/gif, image/webp',
      ],
      [
        `data:image/png;base64,${b64(`<?xml version="1.0"?>\n${svg}`)}`,
        'Image type image/svg is not allowed. Allowed types: image/png, image/jpeg, image/gif, image/webp',
      ],
      [`data:image/gif;base64,${b64('<html><script>alert(1)</script></html>')}`, 'Invalid image format or corrupted image data'],
    ];
    for (const [dataUrl, message] of cases) {
      // A server is refused alike: the check is on the bytes, not the access type.
      const server = await api(t, 'PATCH', `/users/${user.userId}`, { headers: serverHeaders(t), body: { profile_image_url: dataUrl } });
      expect([server.status, server.text]).toEqual([400, message]);
    }
    // A client is refused too (its check on the data URL's type comes first for an SVG type).
    const client = await upload(`data:image/png;base64,${b64(svg)}`);
    expect(client.status).toBe(400);
    const { rows } = await t.server.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM authsync.stored_images WHERE user_id = $1',
      [user.userId],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('serves a GIF that is also an HTML document as image/gif, not sniffed, sandboxed, with no script allowed', async () => {
    const polyglot = Buffer.concat([
      Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64'),
      Buffer.from('<html><body><script>fetch("/dashboard")</script></body></html>'),
    ]);
    const res = await upload(`data:image/gif;base64,${b64(polyglot)}`);
    expect(res.status, res.text).toBe(200);
    const served = await fetch(res.json.profile_image_url as string);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/gif');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    const policy = served.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/(^|;\s*)sandbox(;|$)/);
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('script-src');
    expect(served.headers.get('set-cookie')).toBeNull();
  });
});

describe('in a browser', () => {
  const t = useTestServer();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('opening the URL of a GIF that is also an HTML page shows an image; its script never runs', async () => {
    const user = await signUp(t);
    const polyglot = Buffer.concat([
      Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64'),
      Buffer.from('<html><body><script>document.title = "ran"; window.ran = true;</script></body></html>'),
    ]);
    const res = await api(t, 'PATCH', '/users/me', {
      headers: withToken(t, user.accessToken),
      body: { profile_image_url: `data:image/gif;base64,${b64(polyglot)}` },
    });
    expect(res.status, res.text).toBe(200);
    const response = await browser.page.goto(res.json.profile_image_url as string);
    expect(response?.status()).toBe(200);
    expect(await browser.page.evaluate(() => document.contentType)).toBe('image/gif');
    expect(await browser.page.title()).not.toBe('ran');
    expect(await browser.page.evaluate(() => (window as unknown as { ran?: boolean }).ran)).toBeUndefined();
    // The control: the same bytes served as a page would have run (so the assertions above can fail).
    await browser.page.goto('about:blank');
    await browser.page.setContent(polyglot.toString('latin1'));
    expect(await browser.page.evaluate(() => (window as unknown as { ran?: boolean }).ran)).toBe(true);
  });
});
