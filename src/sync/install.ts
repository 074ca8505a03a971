/**
 * Wires users_sync into a server or CLI context: the server's own database gets neon_auth.users_sync (the
 * default app database of every project) and the change hook is registered on the user store.
 */
import type { Database } from '../db/database.js';
import type { UserStore } from '../users/user-store.js';
import { captureUserChange } from './capture.js';
import { ensureTarget } from './target-schema.js';
import { captureUserRemoval } from './team-data.js';

export async function installUsersSync(db: Database, users: UserStore): Promise<void> {
  await ensureTarget(db);
  users.onChange(captureUserChange);
  users.onChange(captureUserRemoval);
}
