/**
 * What an end user can do to the login role its session started as (see endUserLogin: `SET ROLE NONE` returns to
 * it), and how authsync undoes it. PostgreSQL lets any role
 * change its own password (`ALTER ROLE CURRENT_USER PASSWORD …`) and its own defaults (`ALTER ROLE CURRENT_USER
 * [IN DATABASE d] SET statement_timeout = '1ms'`), so one /sql request could lock every later connection out, or
 * slow it down, for every project on the cluster. Neither touches the connections already open; authsync repairs
 * both when it opens the next one:
 * - a login refused with 28P01: the role's password is set again (it derives from the server secret) over the
 *   privileged connection, and the login retried;
 * - settings of the role (global, or for this database) found at login: removed with `ALTER ROLE … RESET ALL` over
 *   the privileged connection, logged, and the connection opened again.
 * Repairs of one role in one database run one at a time in this process (concurrent logins share one).
 */
import type { Logger } from 'pino';
import type { Queryable } from '../db/database.js';
import { quoteIdent, quoteLiteral } from '../db/database.js';
import { retryConcurrentUpdate } from './end-user-roles.js';

/** The role had settings of its own at login (the connection was closed; repairEndUserRole removes them). */
export class RoleAlteredError extends Error {}

/** Whether `role` ($3 of the query it is part of) has defaults of its own (all databases, or the current one): true means something set them. */
export const ROLE_SETTINGS_EXIST_SQL = `EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
  WHERE r.rolname = $3 AND s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())))`;

export interface RoleTarget {
  host: string;
  port: number;
  database: string;
  /** The instance's login role (endUserLogin). */
  user: string;
  password: string;
}

const running = new Map<string, Promise<boolean>>();

/**
 * After a failed login or set-up of an end-user connection: repairs the role if the failure (or a setting found at
 * login) came from the role having been altered. Returns whether it repaired anything (then the caller retries).
 */
export function repairEndUserRole(target: RoleTarget, privileged: Queryable, error: unknown, log?: Pick<Logger, 'warn'>): Promise<boolean> {
  const passwordRefused = (error as { code?: string }).code === '28P01';
  const key = `${target.host}:${target.port}/${target.database}|${target.user}|${passwordRefused ? 'password' : 'settings'}`;
  let repair = running.get(key);
  if (!repair) {
    repair = (passwordRefused ? restorePassword(target, privileged, log) : resetSettings(target, privileged, log)).finally(() =>
      running.delete(key),
    );
    running.set(key, repair);
  }
  // Settings seen at login and gone now were removed by a concurrent repair (another process's): retry all the same.
  return error instanceof RoleAlteredError ? repair.then(() => true) : repair;
}

async function restorePassword(target: RoleTarget, privileged: Queryable, log?: Pick<Logger, 'warn'>): Promise<boolean> {
  log?.warn(
    { role: target.user, database: target.database },
    `PostgreSQL refused authsync's password for the role ${target.user}: it was changed (any session of the role may change it, an end user's /sql request included); setting it again`,
  );
  await retryConcurrentUpdate(() => privileged.exec(`ALTER ROLE ${quoteIdent(target.user)} PASSWORD ${quoteLiteral(target.password)}`));
  return true;
}

async function resetSettings(target: RoleTarget, privileged: Queryable, log?: Pick<Logger, 'warn'>): Promise<boolean> {
  const { rows } = await privileged.query<{ global: boolean; config: string[] }>(
    `SELECT s.setdatabase = 0 AS global, s.setconfig AS config FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
     WHERE r.rolname = $1 AND s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))`,
    [target.user],
  );
  if (rows.length === 0) return false;
  log?.warn(
    {
      role: target.user,
      database: target.database,
      settings: rows.flatMap((r) => r.config.map((c) => (r.global ? c : `${c} (this database)`))),
    },
    `the role ${target.user} had settings of its own (ALTER ROLE … SET, which any session of the role may run, an end user's /sql request included); removing them`,
  );
  const role = quoteIdent(target.user);
  for (const row of rows) {
    const sql = row.global ? `ALTER ROLE ${role} RESET ALL` : `ALTER ROLE ${role} IN DATABASE ${quoteIdent(target.database)} RESET ALL`;
    await retryConcurrentUpdate(() => privileged.exec(sql));
  }
  return true;
}
