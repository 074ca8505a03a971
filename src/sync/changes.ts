/**
 * One users_sync change, in the form every writer applies (same-transaction hook, outbox worker, resync):
 * the target row's full state, ranked and versioned. Ranks order the life of a user: live (0), then
 * soft-deleted (1), then erased (2); within a rank the user's version orders states. A target applies a
 * change only if its (rank, version) is greater than the one it holds, so replays and stale deliveries
 * change nothing.
 */
import type { UserChange } from '../users/user-store.js';
import { toServerUser, type UserRow } from '../users/user-object.js';

export type Rank = 0 | 1 | 2;
export const RANK = { live: 0, deleted: 1, erased: 2 } as const;
export type OutboxOp = 'upsert' | 'delete' | 'erase';
export const OP_RANK: Record<OutboxOp, Rank> = { upsert: 0, delete: 1, erase: 2 };

export interface SyncChange {
  id: string;
  rank: Rank;
  version: number;
  /** The server user object; null only for an erase. */
  raw_json: Record<string, unknown> | null;
  /** ISO time; null for a user never updated (as in the legacy docs' sample rows). */
  updated_at: string | null;
  deleted_at: string | null;
}

/** users_sync.updated_at for a user row: null until its first update, then the time of its last change. */
export function expectedUpdatedAt(user: Pick<UserRow, 'version' | 'updated_at'>): string | null {
  return Number(user.version) <= 1 ? null : user.updated_at.toISOString();
}

export function liveChange(user: UserRow): SyncChange {
  return {
    id: user.id,
    rank: RANK.live,
    version: Number(user.version),
    raw_json: toServerUser(user) as unknown as Record<string, unknown>,
    updated_at: expectedUpdatedAt(user),
    deleted_at: null,
  };
}

/** The change a user-store event stands for; deletions need the user as it was (`previous`). */
export function fromUserChange(change: UserChange, previous: UserRow | undefined, deletedAt: Date): SyncChange {
  if (change.user) return liveChange(change.user);
  if (!previous) throw new Error(`users_sync: the deletion of user ${change.userId} arrived without the user's last state`);
  return { ...liveChange(previous), rank: RANK.deleted, deleted_at: deletedAt.toISOString() };
}
