/**
 * A user's contact channels (`authsync.contact_channels`): every e-mail address of the user, the primary one included.
 *
 * The user's `primary_email`, `primary_email_verified` and `primary_email_auth_enabled` columns are what the user object
 * and users_sync read, and they always equal the primary channel. Two rules keep them so:
 * - `syncPrimaryChannel`, a change hook of the user store, makes the primary channel match those columns after every
 *   user change (so every writer of users, the users API and the sign-ups among them, stays right without knowing about
 *   channels); as on Stack, an address that stops being the primary one stays as a non-primary channel;
 * - the channel operations below write channels directly and, when the primary channel changed, copy it onto the user
 *   through `UserStore.update` in the same transaction, so users_sync sees the change at once.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { hasCode } from '../errors/app-error.js';
import { errors, TextError } from '../errors/known-errors.js';
import { normalizeEmail } from './email.js';
import type { UserChangeHook, UserStore } from './user-store.js';

export interface ContactChannelRow {
  id: string;
  project_id: string;
  user_id: string;
  type: 'email';
  value: string;
  is_verified: boolean;
  used_for_auth: boolean;
  is_primary: boolean;
}

/** A channel as the API shows it. */
export interface ContactChannel {
  user_id: string;
  id: string;
  type: 'email';
  value: string;
  is_primary: boolean;
  is_verified: boolean;
  used_for_auth: boolean;
}

const COLUMNS = 'id, project_id, user_id, type, value, is_verified, used_for_auth, is_primary';

export function toContactChannel(row: ContactChannelRow): ContactChannel {
  return {
    user_id: row.user_id,
    id: row.id,
    type: row.type,
    value: row.value,
    is_primary: row.is_primary,
    is_verified: row.is_verified,
    used_for_auth: row.used_for_auth,
  };
}

export const contactChannelExists = () => new TextError('CONTACT_CHANNEL_EXISTS', 400, 'Contact channel already exists');
/** What PATCH, DELETE and the verify step answer for a channel that is not there (GET answers 404). */
export const contactChannelNotFound = (status: 400 | 404 = 400) =>
  new TextError('CONTACT_CHANNEL_NOT_FOUND', status, 'Contact channel not found');

/** The user store's change hook: the primary channel follows the user's primary_email* columns. */
export const syncPrimaryChannel: UserChangeHook = async (tx, change) => {
  const user = change.user;
  if (!user) return; // deleted: the channels go by cascade
  const { rows } = await tx.query<ContactChannelRow>(
    `SELECT ${COLUMNS} FROM authsync.contact_channels WHERE user_id = $1 AND (is_primary OR value = $2) FOR UPDATE`,
    [user.id, user.primary_email],
  );
  const primary = rows.find((row) => row.is_primary);
  // As Stack: removing the primary address, or changing it, keeps the old channel as a non-primary one (with its
  // verification and sign-in use); a non-primary channel with the new address becomes the primary one.
  if (user.primary_email === null) {
    if (primary) await tx.query('UPDATE authsync.contact_channels SET is_primary = false WHERE id = $1', [primary.id]);
    return;
  }
  const wanted = { value: user.primary_email, is_verified: user.primary_email_verified, used_for_auth: user.primary_email_auth_enabled };
  if (
    primary &&
    primary.value === wanted.value &&
    primary.is_verified === wanted.is_verified &&
    primary.used_for_auth === wanted.used_for_auth
  ) {
    return;
  }
  const twin = rows.find((row) => !row.is_primary && row.value === wanted.value);
  const keep = primary?.value === wanted.value ? primary : twin;
  if (primary && primary !== keep) await tx.query('UPDATE authsync.contact_channels SET is_primary = false WHERE id = $1', [primary.id]);
  await authValueIsFree(wanted.value, async () => {
    if (keep) {
      await tx.query('UPDATE authsync.contact_channels SET is_verified = $2, used_for_auth = $3, is_primary = true WHERE id = $1', [
        keep.id,
        wanted.is_verified,
        wanted.used_for_auth,
      ]);
    } else {
      await tx.query(
        `INSERT INTO authsync.contact_channels (id, project_id, user_id, value, is_verified, used_for_auth, is_primary)
         VALUES ($1, $2, $3, $4, $5, $6, true)`,
        [randomUUID(), change.projectId, user.id, wanted.value, wanted.is_verified, wanted.used_for_auth],
      );
    }
  });
};

/** Turns a violation of the per-project auth address index into USER_EMAIL_ALREADY_EXISTS (a user change's error). */
async function authValueIsFree(value: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (violates(error, 'contact_channels_auth_value_idx')) throw errors.userEmailAlreadyExists(value);
    throw error;
  }
}

function violates(error: unknown, index: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  return e.code === '23505' && (e.constraint === index || e.message?.includes(index) === true);
}

export async function listContactChannels(db: Queryable, projectId: string, userId: string): Promise<ContactChannelRow[]> {
  const { rows } = await db.query<ContactChannelRow>(
    `SELECT ${COLUMNS} FROM authsync.contact_channels WHERE project_id = $1 AND user_id = $2 ORDER BY created_at, id`,
    [projectId, userId],
  );
  return rows;
}

export async function getContactChannel(db: Queryable, projectId: string, userId: string, id: string, lock = false) {
  if (!UUID.test(id)) return undefined;
  const { rows } = await db.query<ContactChannelRow>(
    `SELECT ${COLUMNS} FROM authsync.contact_channels WHERE project_id = $1 AND user_id = $2 AND id = $3${lock ? ' FOR UPDATE' : ''}`,
    [projectId, userId, id.toLowerCase()],
  );
  return rows[0];
}

/** The channel of a user with this address, if any (the verify step's match: user id + value). */
export async function findContactChannelByValue(db: Queryable, projectId: string, userId: string, value: string) {
  if (!UUID.test(userId)) return undefined;
  const { rows } = await db.query<ContactChannelRow>(
    `SELECT ${COLUMNS} FROM authsync.contact_channels WHERE project_id = $1 AND user_id = $2 AND type = 'email' AND value = $3 FOR UPDATE`,
    [projectId, userId, normalizeEmail(value)],
  );
  return rows[0];
}

export interface ChannelWrite {
  value?: string;
  used_for_auth?: boolean;
  is_primary?: boolean;
  /** Server access only; otherwise a new value is unverified and an unchanged one keeps its state. */
  is_verified?: boolean;
}

/** Where a channel operation writes: the database and the user store (for the primary channel). */
export interface ChannelStores {
  db: Database;
  users: UserStore;
}

export async function createContactChannel(
  stores: ChannelStores,
  projectId: string,
  userId: string,
  input: ChannelWrite & { value: string; used_for_auth: boolean },
): Promise<ContactChannelRow> {
  const value = normalizeEmail(input.value);
  return stores.db.transaction((tx) =>
    channelErrors({ value }, async () => {
      const id = randomUUID();
      if (input.used_for_auth) await ensureAuthValueFree(tx, projectId, userId, value);
      if (input.is_primary)
        await tx.query('UPDATE authsync.contact_channels SET is_primary = false WHERE user_id = $1 AND is_primary', [userId]);
      await tx.query(
        `INSERT INTO authsync.contact_channels (id, project_id, user_id, value, is_verified, used_for_auth, is_primary)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, projectId, userId, value, input.is_verified ?? false, input.used_for_auth, input.is_primary ?? false],
      );
      if (input.is_primary) await copyPrimaryToUser(stores.users, tx, projectId, userId);
      return (await getContactChannel(tx, projectId, userId, id))!;
    }),
  );
}

export async function updateContactChannel(
  stores: ChannelStores,
  projectId: string,
  userId: string,
  id: string,
  input: ChannelWrite,
): Promise<ContactChannelRow> {
  const value = input.value === undefined ? undefined : normalizeEmail(input.value);
  const target = { value: value ?? '' };
  return stores.db.transaction((tx) =>
    channelErrors(target, async () => {
      const current = await getContactChannel(tx, projectId, userId, id, true);
      if (!current) throw contactChannelNotFound();
      target.value = value ?? current.value;
      const next = {
        value: value ?? current.value,
        used_for_auth: input.used_for_auth ?? current.used_for_auth,
        is_primary: input.is_primary ?? current.is_primary,
        is_verified: input.is_verified ?? (value !== undefined && value !== current.value ? false : current.is_verified),
      };
      if (next.used_for_auth && (next.value !== current.value || !current.used_for_auth)) {
        await ensureAuthValueFree(tx, projectId, userId, next.value);
      }
      if (next.is_primary && !current.is_primary) {
        await tx.query('UPDATE authsync.contact_channels SET is_primary = false WHERE user_id = $1 AND is_primary', [userId]);
      }
      await tx.query(
        'UPDATE authsync.contact_channels SET value = $2, is_verified = $3, used_for_auth = $4, is_primary = $5 WHERE id = $1',
        [current.id, next.value, next.is_verified, next.used_for_auth, next.is_primary],
      );
      if (current.is_primary || next.is_primary) await copyPrimaryToUser(stores.users, tx, projectId, userId);
      return (await getContactChannel(tx, projectId, userId, current.id))!;
    }),
  );
}

export async function deleteContactChannel(stores: ChannelStores, projectId: string, userId: string, id: string): Promise<void> {
  await stores.db.transaction(async (tx) => {
    const current = await getContactChannel(tx, projectId, userId, id, true);
    if (!current) throw contactChannelNotFound();
    await tx.query('DELETE FROM authsync.contact_channels WHERE id = $1', [current.id]);
    if (current.is_primary) await copyPrimaryToUser(stores.users, tx, projectId, userId);
  });
}

/** Marks a channel verified in `tx`; a primary channel through the user store, so users_sync shows it at once. */
export async function markContactChannelVerified(users: UserStore, tx: Queryable, channel: ContactChannelRow): Promise<void> {
  await tx.query('UPDATE authsync.contact_channels SET is_verified = true WHERE id = $1', [channel.id]);
  if (channel.is_primary) await copyPrimaryToUser(users, tx, channel.project_id, channel.user_id);
}

/** Copies the primary channel (or its absence) onto the user's primary_email* columns, in the same transaction. */
async function copyPrimaryToUser(users: UserStore, tx: Queryable, projectId: string, userId: string): Promise<void> {
  const { rows } = await tx.query<ContactChannelRow>(`SELECT ${COLUMNS} FROM authsync.contact_channels WHERE user_id = $1 AND is_primary`, [
    userId,
  ]);
  const primary = rows[0];
  const updated = await users.update(
    projectId,
    userId,
    primary
      ? { primary_email: primary.value, primary_email_verified: primary.is_verified, primary_email_auth_enabled: primary.used_for_auth }
      : { primary_email: null, primary_email_verified: false, primary_email_auth_enabled: false },
    { tx },
  );
  if (!updated) throw errors.userIdDoesNotExist(userId);
}

/** CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE when another user of the project signs in with `value`. */
async function ensureAuthValueFree(tx: Queryable, projectId: string, userId: string, value: string): Promise<void> {
  const { rows } = await tx.query(
    `SELECT 1 FROM authsync.contact_channels WHERE project_id = $1 AND type = 'email' AND value = $2 AND used_for_auth AND user_id <> $3
     UNION ALL
     SELECT 1 FROM authsync.users WHERE project_id = $1 AND primary_email = $2 AND primary_email_auth_enabled AND id <> $3`,
    [projectId, value, userId],
  );
  if (rows.length > 0) throw errors.contactChannelAlreadyUsedForAuthBySomeoneElse(value, false);
}

/** The database's last word on a race the checks above lost: the same answers as the checks. */
async function channelErrors<T>(target: { value: string }, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (violates(error, 'contact_channels_user_value_idx')) throw contactChannelExists();
    if (violates(error, 'contact_channels_auth_value_idx') || hasCode(error, 'USER_EMAIL_ALREADY_EXISTS')) {
      throw errors.contactChannelAlreadyUsedForAuthBySomeoneElse(target.value, false);
    }
    throw error;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
