/**
 * A project's four logos (Stack's admin project fields): each an http(s) URL as given or an image uploaded as a data
 * URL and stored (folder `project-logos`), kept in `authsync.project_logos`. A replaced or removed logo's stored image
 * is deleted by the migration's trigger; the project's deletion deletes them all.
 */
import type { Queryable } from '../db/database.js';
import { storedImageUrl, type ImageTarget } from './image-store.js';

export const LOGO_FIELDS = ['logo_url', 'logo_full_url', 'logo_dark_mode_url', 'logo_full_dark_mode_url'] as const;
export type LogoField = (typeof LOGO_FIELDS)[number];
export type ProjectLogos = Record<LogoField, string | null>;

/** The project's logos, null where none is set. */
export async function readProjectLogos(db: Queryable, projectId: string): Promise<ProjectLogos> {
  const { rows } = await db.query<{ field: LogoField; url: string }>(
    'SELECT field, url FROM authsync.project_logos WHERE project_id = $1',
    [projectId],
  );
  const logos = Object.fromEntries(LOGO_FIELDS.map((field) => [field, null])) as ProjectLogos;
  for (const row of rows) logos[row.field] = row.url;
  return logos;
}

/**
 * Writes the logos given (undefined: unchanged, null: removed). Data URLs are checked and stored first, all of them,
 * so that a refused image changes no logo.
 */
export async function writeProjectLogos(target: ImageTarget, given: Partial<Record<LogoField, string | null | undefined>>): Promise<void> {
  const changes: [LogoField, string | null][] = [];
  for (const field of LOGO_FIELDS) {
    const value = given[field];
    if (value !== undefined) changes.push([field, await storedImageUrl(target, 'project-logos', value)]);
  }
  for (const [field, url] of changes) {
    if (url === null) {
      await target.db.query('DELETE FROM authsync.project_logos WHERE project_id = $1 AND field = $2', [target.projectId, field]);
    } else {
      await target.db.query(
        `INSERT INTO authsync.project_logos (project_id, field, url) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, field) DO UPDATE SET url = excluded.url`,
        [target.projectId, field, url],
      );
    }
  }
}
