/**
 * GET /storage/<folder>/<id>.<extension>: uploaded images, public (the URL is unguessable and is what the user and
 * team objects hand out). Served as the image type found in their bytes at upload, never sniffed again, and under a
 * sandbox policy, so even a file a browser took for a document could run no script on authsync's origin.
 */
import type { Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import { IMAGE_FOLDERS, readImage } from '../../storage/image-store.js';

export const STORAGE_PREFIX = '/storage';

const FILE_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([a-z]+)$/;

const IMAGE_HEADERS: Readonly<Record<string, string>> = {
  // An image's URL names one upload forever: a new image gets a new URL.
  'cache-control': 'public, max-age=31536000, immutable',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'content-disposition': 'inline',
  // Apps on other origins show these images.
  'cross-origin-resource-policy': 'cross-origin',
  'access-control-allow-origin': '*',
};

export function mountStorage(app: Hono, ctx: AppContext): void {
  app.get(`${STORAGE_PREFIX}/:folder/:file`, async (c) => {
    const folder = c.req.param('folder');
    const match = FILE_NAME.exec(c.req.param('file'));
    if (!(IMAGE_FOLDERS as readonly string[]).includes(folder) || !match) return c.text('Not found', 404);
    const image = await readImage(ctx.db, folder, match[1]!, match[2]!);
    if (!image) return c.text('Not found', 404, { 'cache-control': 'no-store' });
    return c.body(new Uint8Array(image.bytes), 200, { ...IMAGE_HEADERS, 'content-type': image.contentType });
  });
}
