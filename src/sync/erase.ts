/**
 * Erasing a user: the user is deleted (as DELETE /users/{id} does) and its users_sync row is removed, in
 * every target, so foreign keys with ON DELETE CASCADE or SET NULL fire. The tombstone stays, marked
 * erased, so a resync removes the row again rather than bringing back a soft-deleted one. Also erases a
 * user deleted earlier (soft). Idempotent.
 */
import type { AppContext } from '../context/app-context.js';
import { RANK } from './changes.js';
import { deliver } from './capture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns false when the project has no such user, live or deleted. */
export async function eraseUser(ctx: AppContext, projectId: string, userId: string): Promise<boolean> {
  if (!UUID.test(userId)) return false;
  const id = userId.toLowerCase();
  return ctx.db.transaction(async (tx) => {
    await ctx.users.delete(projectId, id, { tx });
    const { rows } = await tx.query<{ version: number; updated_at: Date | null; deleted_at: Date }>(
      `UPDATE authsync.sync_tombstones SET kind = 'erased' WHERE project_id = $1 AND user_id = $2 RETURNING version, updated_at, deleted_at`,
      [projectId, id],
    );
    const tombstone = rows[0];
    if (!tombstone) return false;
    await deliver(
      tx,
      projectId,
      {
        id,
        rank: RANK.erased,
        version: Number(tombstone.version),
        raw_json: null,
        updated_at: tombstone.updated_at?.toISOString() ?? null,
        deleted_at: tombstone.deleted_at.toISOString(),
      },
      'erase',
    );
    return true;
  });
}
