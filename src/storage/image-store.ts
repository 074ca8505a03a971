/**
 * Uploaded images in `authsync.stored_images`, each under a random UUID in one of Stack's folders, and their public
 * URLs (`<storage public URL>/<folder>/<id>.<extension>`). Who owns an image, and deleting the one it replaced, is the
 * migration's triggers' work, in the transaction that writes the URL (migrations/20261207020000_stored_images.sql).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Queryable } from '../db/database.js';
import { invalidImageUrl, isHttpUrl, isImageDataUrl, parseImageDataUrl, type ImageData } from './image-data.js';

export const IMAGE_FOLDERS = ['user-profile-images', 'team-profile-images', 'team-member-profile-images', 'project-logos'] as const;
export type ImageFolder = (typeof IMAGE_FOLDERS)[number];

/** An ownerless image (its object's write failed) older than this is deleted at the next upload. */
const OWNERLESS_GRACE = '1 day';

/** Where a project's images go: the database, the project, and the start of their URLs. */
export interface ImageTarget {
  db: Queryable;
  projectId: string;
  publicUrl: string;
}

/** The start of stored images' URLs: AUTHSYNC_STORAGE_PUBLIC_URL, else the server's `/storage`. */
export function storagePublicUrl(config: Pick<Config, 'baseUrl' | 'storagePublicUrl'>): string {
  return (config.storagePublicUrl ?? `${config.baseUrl}/storage`).replace(/\/+$/, '');
}

export function imageTarget(ctx: { db: Queryable; config: Pick<Config, 'baseUrl' | 'storagePublicUrl'> }, projectId: string): ImageTarget {
  return { db: ctx.db, projectId, publicUrl: storagePublicUrl(ctx.config) };
}

/**
 * An image field's value as written (Stack's upload step): a data URL is checked and stored, and its URL returned; an
 * http(s) URL is kept; anything else is refused (400 "Invalid profile image URL"). null and undefined pass unchanged.
 */
export async function storedImageUrl<T extends string | null | undefined>(
  target: ImageTarget,
  folder: ImageFolder,
  value: T,
): Promise<string | Exclude<T, string>> {
  if (value === null || value === undefined) return value as Exclude<T, string>;
  if (isImageDataUrl(value)) return saveImage(target, folder, parseImageDataUrl(value));
  if (isHttpUrl(value)) return value;
  throw invalidImageUrl();
}

/** Stores a checked image and returns its URL. Also sweeps the ownerless images whose write failed long ago. */
export async function saveImage(target: ImageTarget, folder: ImageFolder, image: ImageData): Promise<string> {
  const id = randomUUID();
  await target.db.query(
    `INSERT INTO authsync.stored_images (id, project_id, folder, extension, content_type, bytes) VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, target.projectId, folder, image.format, image.contentType, image.bytes],
  );
  // A logo has no owner but its project: it is ownerless while no logo of the project names it.
  await target.db.query(
    `DELETE FROM authsync.stored_images s
      WHERE s.user_id IS NULL AND s.team_id IS NULL AND s.created_at < now() - $1::interval
        AND (s.folder <> 'project-logos' OR NOT EXISTS (
              SELECT 1 FROM authsync.project_logos l
               WHERE l.project_id = s.project_id AND authsync.stored_image_id(l.url, 'project-logos') = s.id))`,
    [OWNERLESS_GRACE],
  );
  return `${target.publicUrl}/${folder}/${id}.${image.format}`;
}

export interface StoredImage {
  contentType: string;
  bytes: Buffer;
}

/** The image a storage path names (`<folder>/<id>.<extension>`), or undefined. */
export async function readImage(db: Queryable, folder: string, id: string, extension: string): Promise<StoredImage | undefined> {
  const { rows } = await db.query<{ content_type: string; bytes: Buffer | Uint8Array }>(
    'SELECT content_type, bytes FROM authsync.stored_images WHERE id = $1 AND folder = $2 AND extension = $3',
    [id, folder, extension],
  );
  const row = rows[0];
  return row ? { contentType: row.content_type, bytes: Buffer.from(row.bytes) } : undefined;
}
