/**
 * What the dashboard reads of users_sync: a user's row as it stands in the project's app database, and the
 * project's deleted users (authsync.sync_tombstones, kept by src/sync). Read-only; writes go through src/sync.
 */
import type { AppContext } from '../context/app-context.js';
import { getAppDatabase, withProjectDatabase } from '../projects/databases.js';

export interface UsersSyncRow {
  raw_json: unknown;
  updated_at: Date | null;
  deleted_at: Date | null;
}

export type UsersSyncLookup = { state: 'found'; row: UsersSyncRow } | { state: 'absent' } | { state: 'unavailable'; reason: string };

/** The users_sync row of a user in the project's app database. */
export async function readUsersSyncRow(ctx: AppContext, projectId: string, userId: string): Promise<UsersSyncLookup> {
  const target = await getAppDatabase(ctx.db, ctx.box, projectId);
  try {
    return await withProjectDatabase(ctx, target, async (db) => {
      const { rows } = await db.query<UsersSyncRow>('SELECT raw_json, updated_at, deleted_at FROM neon_auth.users_sync WHERE id = $1', [
        userId,
      ]);
      return rows[0] ? { state: 'found', row: rows[0] } : { state: 'absent' };
    });
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === '42P01' || e.code === '3F000')
      return { state: 'unavailable', reason: 'The app database has no neon_auth.users_sync table yet (a resync creates it).' };
    ctx.log.warn({ err: error, projectId }, 'dashboard: reading users_sync failed');
    return { state: 'unavailable', reason: `The app database (${target.key}) could not be read: ${e.message ?? 'unknown error'}` };
  }
}

export interface DeletedUser {
  id: string;
  kind: 'deleted' | 'erased';
  email: string | null;
  name: string | null;
  signedUpAt: Date | null;
  deletedAt: Date;
}

/** Deleted users of a project, newest deletion first, with an optional search on e-mail and name. */
export async function listDeletedUsers(
  ctx: AppContext,
  projectId: string,
  options: { query?: string; offset: number; limit: number },
): Promise<{ items: DeletedUser[]; more: boolean }> {
  const like = options.query ? `%${options.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const { rows } = await ctx.db
    .query<{ user_id: string; kind: 'deleted' | 'erased'; raw_json: Record<string, unknown>; deleted_at: Date }>(
      `SELECT user_id, kind, raw_json, deleted_at FROM authsync.sync_tombstones
     WHERE project_id = $1 AND ($2::text IS NULL OR raw_json ->> 'primary_email' ILIKE $2 OR raw_json ->> 'display_name' ILIKE $2)
     ORDER BY deleted_at DESC, user_id LIMIT $3 OFFSET $4`,
      [projectId, like, options.limit + 1, options.offset],
    )
    // Before the users_sync migration has run there are no tombstones to show.
    .catch((error: { code?: string }) => (error.code === '42P01' ? { rows: [] } : Promise.reject(error)));
  const items = rows.slice(0, options.limit).map((row) => {
    const signedUp = row.raw_json.signed_up_at_millis;
    return {
      id: row.user_id,
      kind: row.kind,
      email: typeof row.raw_json.primary_email === 'string' ? row.raw_json.primary_email : null,
      name: typeof row.raw_json.display_name === 'string' ? row.raw_json.display_name : null,
      signedUpAt: typeof signedUp === 'number' ? new Date(signedUp) : null,
      deletedAt: row.deleted_at,
    };
  });
  return { items, more: rows.length > options.limit };
}
