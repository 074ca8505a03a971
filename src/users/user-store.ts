/**
 * Users of a project: create, read, update, delete, list. Every change runs in one transaction, bumps the
 * user's `version`, and calls the registered change hooks inside that transaction, which is how users_sync
 * stays exactly in step with the users (see src/sync).
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import type { UserInput } from './user-fields.js';
import { USER_COLUMNS, userColumns, type UserRow } from './user-object.js';

export interface UserChange {
  op: 'created' | 'updated' | 'deleted';
  projectId: string;
  userId: string;
  /** The user after the change; null after a deletion. */
  user: UserRow | null;
  /** After a deletion: the user as it was (users_sync keeps it as the soft-deleted row). */
  previous?: UserRow;
}

/** Called inside the transaction of every user change. A hook that throws aborts the change. */
export type UserChangeHook = (tx: Queryable, change: UserChange) => Promise<void>;

/**
 * Called inside a new user's transaction, before the creator's own work (`within`: the first session, whose token then
 * carries what the hook added) and the change hooks, for what comes with every new user whichever path created it (a
 * personal team). A hook that changed the user returns true, and the user is read again.
 */
export type UserCreateHook = (tx: Queryable, user: UserRow) => Promise<boolean>;

/** Called inside the transaction that turns an anonymous user into a regular one, before the change hooks. */
export type UserUpgradeHook = (tx: Queryable, user: UserRow) => Promise<void>;

/**
 * Columns a create or an update may set directly: the writable fields (users/user-fields.ts), with the password
 * only as its hash, and the team as the column holds it.
 */
export type UserFields = Omit<UserInput, 'password' | 'password_hash' | 'selected_team_id'> & {
  /** An already computed hash (argon2id, or an imported bcrypt hash); null removes the password. */
  password_hash?: string | null;
  selected_team_id?: string | null;
  /** Set only by imports, which keep the sign-up time of the user's old server; otherwise the time of the create. */
  signed_up_at?: Date;
};

/** How `UserStore.create` makes the user; the defaults are those of a sign-up. */
export interface CreateOptions {
  /** The user's ID (an import keeps the old server's). @default a random UUID */
  id?: string;
  /** Run in this transaction instead of a new one. */
  tx?: Queryable;
  /** Run the create hooks (a personal team). An import brings the user's teams itself. @default true */
  createHooks?: boolean;
}

const JSON_COLUMNS = new Set(['client_metadata', 'client_read_only_metadata', 'server_metadata', 'risk_scores']);
const METADATA_FIELDS = ['client_metadata', 'client_read_only_metadata', 'server_metadata'] as const;

export interface ListUsersOptions {
  limit?: number;
  cursor?: string;
  desc?: boolean;
  query?: string;
  /** Anonymous and restricted users too. @default false */
  includeAnonymous?: boolean;
  /** Anonymous users only (with `includeAnonymous`). @default false */
  onlyAnonymous?: boolean;
  /** Restricted users too (not the anonymous ones): see `restrictedReason`. @default false */
  includeRestricted?: boolean;
  /** Only the members of this team. */
  teamId?: string;
}

export interface UserStoreOptions {
  /**
   * Largest JSON text (bytes, UTF-8) of each of `client_metadata`, `client_read_only_metadata` and `server_metadata`;
   * a larger one is refused with SCHEMA_ERROR before anything is written. Every copy of a user (users_sync, the
   * outbox) carries its metadata, so this bounds them too. @default 65536
   */
  maxMetadataBytes?: number;
}

export class UserStore {
  private readonly hooks: UserChangeHook[] = [];
  private readonly createHooks: UserCreateHook[] = [];
  private readonly upgradeHooks: UserUpgradeHook[] = [];
  private readonly maxMetadataBytes: number;

  constructor(
    private readonly db: Database,
    options: UserStoreOptions = {},
  ) {
    this.maxMetadataBytes = options.maxMetadataBytes ?? 64 * 1024;
  }

  /** Registers a hook called inside every user-changing transaction. */
  onChange(hook: UserChangeHook): void {
    this.hooks.push(hook);
  }

  /** Registers a hook called inside every user-creating transaction, before the change hooks. */
  onCreate(hook: UserCreateHook): void {
    this.createHooks.push(hook);
  }

  /** Registers a hook called when an anonymous user is upgraded (`is_anonymous` set to false), before the change hooks. */
  onUpgrade(hook: UserUpgradeHook): void {
    this.upgradeHooks.push(hook);
  }

  async get(projectId: string, id: string, db: Queryable = this.db): Promise<UserRow | undefined> {
    const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM authsync.users WHERE id = $1 AND project_id = $2`, [
      id,
      projectId,
    ]);
    return rows[0];
  }

  /** The user who signs in with `email`: as the primary e-mail or as any other contact channel used for auth. */
  async findByAuthEmail(projectId: string, email: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM authsync.users
       WHERE project_id = $1 AND ((primary_email = $2 AND primary_email_auth_enabled)
         OR id = (SELECT user_id FROM authsync.contact_channels c
                  WHERE c.project_id = $1 AND c.type = 'email' AND c.value = $2 AND c.used_for_auth))`,
      [projectId, email],
    );
    return rows[0];
  }

  /**
   * Creates a user; `within` lets a caller add work to the same transaction (the first session, a provider account),
   * after which the user is read again, so the change hooks see what `within` added to the user object.
   */
  async create(
    projectId: string,
    fields: UserFields,
    within?: (tx: Queryable, user: UserRow) => Promise<void>,
    options: CreateOptions = {},
  ): Promise<UserRow> {
    this.checkMetadata(fields);
    const run = async (tx: Queryable) => {
      const id = options.id ?? randomUUID();
      const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
      const columns = ['id', 'project_id', ...entries.map(([key]) => key)];
      const values = [id, projectId, ...entries.map(([key, value]) => encode(key, value))];
      const { rows } = await writeErrors(
        { email: fields.primary_email, teamId: fields.selected_team_id, userId: id },
        tx.query<UserRow>(
          `INSERT INTO authsync.users (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING ${USER_COLUMNS}`,
          values,
        ),
      );
      let user = rows[0]!;
      let changed = false;
      if (options.createHooks !== false) for (const hook of this.createHooks) changed = (await hook(tx, user)) || changed;
      if (changed) user = (await this.get(projectId, id, tx)) ?? user;
      if (within) {
        await within(tx, user);
        user = (await this.get(projectId, id, tx)) ?? user;
      }
      await this.emit(tx, { op: 'created', projectId, userId: id, user });
      return user;
    };
    return options.tx ? run(options.tx) : this.db.transaction(run);
  }

  /**
   * Updates a user. Returns undefined when no such user exists. Setting a new password hash (or removing
   * the password) revokes every session of the user in the same transaction, except `keepSessionId`'s (the session of
   * a user who changed their own password).
   */
  async update(
    projectId: string,
    id: string,
    fields: UserFields,
    options: { tx?: Queryable; keepSessionId?: string } = {},
  ): Promise<UserRow | undefined> {
    this.checkMetadata(fields);
    const run = async (tx: Queryable) => {
      if (typeof fields.primary_email === 'string' && fields.primary_email_verified === undefined) {
        fields = { ...fields, primary_email_verified: await this.newPrimaryVerified(tx, projectId, id, fields.primary_email) };
      }
      const upgrading = fields.is_anonymous === false && this.upgradeHooks.length > 0 && (await this.isAnonymous(tx, projectId, id));
      const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
      const sets = entries.map(([key], i) => `${key} = $${i + 3}`);
      sets.push('version = version + 1', 'updated_at = now()');
      const { rows } = await writeErrors(
        { email: fields.primary_email, teamId: fields.selected_team_id, userId: id },
        tx.query<UserRow>(`UPDATE authsync.users SET ${sets.join(', ')} WHERE id = $1 AND project_id = $2 RETURNING ${USER_COLUMNS}`, [
          id,
          projectId,
          ...entries.map(([key, value]) => encode(key, value)),
        ]),
      );
      let user = rows[0];
      if (!user) return undefined;
      if (upgrading) {
        for (const hook of this.upgradeHooks) await hook(tx, user);
        user = (await this.get(projectId, id, tx)) ?? user;
      }
      if (fields.password_hash !== undefined) {
        await tx.query('DELETE FROM authsync.refresh_tokens WHERE user_id = $1 AND id IS DISTINCT FROM $2::uuid', [
          id,
          options.keepSessionId ?? null,
        ]);
      }
      await this.emit(tx, { op: 'updated', projectId, userId: id, user });
      return user;
    };
    return options.tx ? run(options.tx) : this.db.transaction(run);
  }

  /**
   * Whether a user's primary address becomes verified when it changes to `email` without saying so: as Stack does,
   * as verified as the user's contact channel with that address (which then becomes the primary one), else not. The
   * same address as now: as it is.
   */
  private async newPrimaryVerified(tx: Queryable, projectId: string, id: string, email: string): Promise<boolean | undefined> {
    const { rows } = await tx.query<{ primary_email: string | null; primary_email_verified: boolean; channel_verified: boolean | null }>(
      `SELECT u.primary_email, u.primary_email_verified,
              (SELECT c.is_verified FROM authsync.contact_channels c WHERE c.user_id = u.id AND c.value = $3) AS channel_verified
         FROM authsync.users u WHERE u.id = $1 AND u.project_id = $2`,
      [id, projectId, email],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.primary_email === email) return row.primary_email_verified;
    return row.channel_verified ?? false;
  }

  /** Deletes a user and (by cascade) its sessions. Returns false when no such user exists. */
  async delete(projectId: string, id: string, options: { tx?: Queryable } = {}): Promise<boolean> {
    const run = async (tx: Queryable) => {
      const { rows } = await tx.query<UserRow>(`DELETE FROM authsync.users WHERE id = $1 AND project_id = $2 RETURNING ${USER_COLUMNS}`, [
        id,
        projectId,
      ]);
      if (rows.length === 0) return false;
      await this.emit(tx, { op: 'deleted', projectId, userId: id, user: null, previous: rows[0]! });
      return true;
    };
    return options.tx ? run(options.tx) : this.db.transaction(run);
  }

  /** Records activity (token refresh). Not a change of the user object: no version bump, no hooks. */
  async touchLastActive(id: string): Promise<void> {
    await this.db.query('UPDATE authsync.users SET last_active_at = now() WHERE id = $1', [id]);
  }

  async list(projectId: string, options: ListUsersOptions = {}): Promise<{ items: UserRow[]; nextCursor: string | null }> {
    const params: unknown[] = [projectId];
    const where = ['u.project_id = $1'];
    // As Stack: no flag lists normal users only; include_restricted adds the restricted ones (never the anonymous);
    // include_anonymous lists everyone; only_anonymous (with include_anonymous) the anonymous only. Restricted is
    // restrictedReason() in SQL: by an administrator, or an unverified primary e-mail where the project requires one.
    if (options.onlyAnonymous) where.push('u.is_anonymous');
    else if (!options.includeAnonymous) {
      where.push('NOT u.is_anonymous');
      if (!options.includeRestricted) {
        where.push('NOT u.restricted_by_admin');
        where.push(`(u.primary_email_verified OR NOT coalesce((SELECT p.config -> 'require_email_verification' = 'true'::jsonb
          FROM authsync.projects p WHERE p.id = $1), false))`);
      }
    }
    if (options.query) {
      params.push(`%${options.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const like = `$${params.length}`;
      const stripped = options.query.replace(/[^a-zA-Z0-9\-_.]/g, '');
      const idMatch = UUID.test(stripped) ? (params.push(stripped.toLowerCase()), ` OR u.id = $${params.length}::uuid`) : '';
      where.push(`(u.display_name ILIKE ${like} OR u.primary_email ILIKE ${like}${idMatch})`);
    }
    if (options.teamId) {
      params.push(options.teamId);
      where.push(`EXISTS (SELECT 1 FROM authsync.team_members m WHERE m.team_id = $${params.length}::uuid AND m.user_id = u.id)`);
    }
    const dir = options.desc ? 'DESC' : 'ASC';
    if (options.cursor) {
      params.push(options.cursor);
      const c = `$${params.length}::uuid`;
      where.push(
        `(u.signed_up_at, u.id) ${options.desc ? '<=' : '>='} (SELECT signed_up_at, id FROM authsync.users WHERE id = ${c} AND project_id = $1)`,
      );
    }
    let limitClause = '';
    if (options.limit !== undefined) {
      params.push(options.limit + 1);
      limitClause = `LIMIT $${params.length}`;
    }
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${userColumns('u')} FROM authsync.users u WHERE ${where.join(' AND ')}
       ORDER BY u.signed_up_at ${dir}, u.id ${dir} ${limitClause}`,
      params,
    );
    if (options.limit !== undefined && rows.length > options.limit) {
      const next = rows.pop()!;
      return { items: rows, nextCursor: next.id };
    }
    return { items: rows, nextCursor: null };
  }

  private async isAnonymous(tx: Queryable, projectId: string, id: string): Promise<boolean> {
    const { rows } = await tx.query<{ is_anonymous: boolean }>(
      'SELECT is_anonymous FROM authsync.users WHERE id = $1 AND project_id = $2 FOR UPDATE',
      [id, projectId],
    );
    return rows[0]?.is_anonymous ?? false;
  }

  /** SCHEMA_ERROR naming the field and the cap when a metadata object's JSON text is over `maxMetadataBytes`. */
  private checkMetadata(fields: UserFields): void {
    for (const field of METADATA_FIELDS) {
      const value = fields[field];
      if (value === undefined || value === null) continue;
      const bytes = Buffer.byteLength(JSON.stringify(value));
      if (bytes > this.maxMetadataBytes) {
        throw errors.schemaError(
          `Request validation failed:\n  - ${field}: must be at most ${this.maxMetadataBytes} bytes as JSON text (this one has ${bytes})`,
        );
      }
    }
  }

  private async emit(tx: Queryable, change: UserChange): Promise<void> {
    for (const hook of this.hooks) await hook(tx, change);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encode(column: string, value: unknown): unknown {
  return JSON_COLUMNS.has(column) && value !== null ? JSON.stringify(value) : value;
}

async function writeErrors<T>(
  write: { email: string | null | undefined; teamId: string | null | undefined; userId: string },
  pending: Promise<T>,
): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    const e = error as { code?: string; constraint?: string; message?: string };
    if (e.code === '23505' && (e.constraint === 'users_auth_email_idx' || e.message?.includes('users_auth_email_idx'))) {
      throw errors.userEmailAlreadyExists(write.email ?? '');
    }
    if (
      e.code === '23503' &&
      (e.constraint === 'users_selected_team_membership_fk' || e.message?.includes('users_selected_team_membership_fk'))
    ) {
      throw errors.teamMembershipNotFound(write.teamId ?? '', write.userId);
    }
    throw error;
  }
}
