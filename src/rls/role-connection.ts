/**
 * Opening an end-user connection: log in as the instance's login role with the end-user role set for the session
 * (endUserLogin in end-user-roles.ts), register fresh keys for the new backend over the
 * privileged connection (the session key behind auth.jwt_session_init, and the key authsync installs identities
 * with: only its SHA-256 goes to the database), then `auth.init()`. Nothing from a client runs on the connection
 * before this.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Queryable } from '../db/database.js';
import type { EndUserLogin, EndUserRole } from './end-user-roles.js';
import { repairEndUserRole, RoleAlteredError, ROLE_SETTINGS_EXIST_SQL } from './role-repair.js';
import { SessionKey } from './session-key.js';

/**
 * The session reset of end-user connections (RoleConnection.resetSql): the kit's function (kit version 6), which runs
 * /sql's reset sequence (RESET_SESSION_SQL in sql/pools.ts) with one result to read instead of eight. Its DISCARD
 * SEQUENCES also forgets the request's identity. Password sessions, where the kit may be absent, use the string.
 */
export const RESET_END_USER_SQL = 'SELECT authsync_rls.reset_session()';

/** Text in, text out: the /sql endpoint passes Postgres' text output through untouched. */
export const rawTextTypes = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export interface RoleConnection {
  client: pg.Client;
  role: string;
  pid: number;
  /** Present on end-user (token) connections: the key auth.jwt_session_init checks tokens with on this backend. */
  sessionKey?: SessionKey;
  /** Present on end-user (token) connections: the key authsync_rls.use_identity requires on this backend. */
  installKey?: Buffer;
  /** The statement that resets the session when a request ends (see sql/pools.ts). */
  resetSql: string;
}

export interface ConnectTarget {
  /** host, port, database of the app database. */
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  applicationName?: string;
  /**
   * Settings pinned for the session in the startup packet (`-c statement_timeout=… -c lock_timeout=…`): they take
   * precedence over ALTER ROLE/DATABASE … SET, and RESET ALL (the session reset) returns to them.
   */
  options?: string;
}

export async function openClient(target: ConnectTarget): Promise<pg.Client> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    application_name: target.applicationName ?? 'authsync-sql',
    ...(target.options ? { options: target.options } : {}),
    types: rawTextTypes,
    connectionTimeoutMillis: 10_000,
    // Queries are written as soon as they are issued, each with its own Sync: /sql writes a request's statement
    // and the session reset behind it in one packet (one round trip instead of two).
    pipeline: true,
  });
  // A broken connection emits 'error'; the pool discards it when the next query fails.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * Opens a connection as an end-user role and binds a new session key to its backend. A role an end user altered
 * (its password or its own settings: see role-repair.ts) is repaired over the privileged connection and the
 * connection opened again (twice at most: a changed password, then settings).
 */
export async function openEndUserConnection(
  target: Omit<ConnectTarget, 'user' | 'password'> & { login: EndUserLogin },
  privileged: Queryable,
  log?: Pick<Logger, 'warn'>,
): Promise<RoleConnection> {
  const { login, ...rest } = target;
  const role = login.role;
  // The session runs as the end-user role from its first statement; the session reset (SET SESSION AUTHORIZATION
  // DEFAULT) returns to it, and `SET ROLE NONE` by the end user only to the login role, which holds no privilege.
  const connectTarget: ConnectTarget = {
    ...rest,
    user: login.user,
    password: login.password,
    options: [`-c role=${role}`, rest.options].filter(Boolean).join(' '),
  };
  // At most one repair of each kind (the password, then the settings), then the connection must open.
  for (let repairs = 0; ; repairs++) {
    try {
      return await openEndUserConnectionOnce(connectTarget, role, privileged);
    } catch (error) {
      const repaired =
        repairs < 2 &&
        (await repairEndUserRole(connectTarget, privileged, error, log).catch((repairError: unknown) => {
          log?.warn(
            { role: connectTarget.user, err: (repairError as Error).message },
            `could not repair the role ${connectTarget.user} (authsync's database role needs CREATEROLE)`,
          );
          return false;
        }));
      if (!repaired) throw error;
    }
  }
}

async function openEndUserConnectionOnce(target: ConnectTarget, role: EndUserRole, privileged: Queryable): Promise<RoleConnection> {
  const client = await openClient(target);
  try {
    // The backend's start time is visible to its login role only (the session runs as the end-user role): read it
    // with the role set back to the login role for one transaction.
    const results = (await client.query(
      'BEGIN; SET LOCAL ROLE NONE; SELECT pg_backend_pid() AS pid, (SELECT backend_start FROM pg_stat_get_activity(pg_backend_pid()) LIMIT 1)::text AS started; COMMIT',
    )) as unknown as pg.QueryResult<{ pid: string; started: string | null }>[];
    const rows = results[2]!.rows;
    const pid = Number(rows[0]!.pid);
    const sessionKey = new SessionKey();
    const { inner, outer } = sessionKey.pads();
    const installKey = randomBytes(32);
    // The same round trip also looks for settings of the role (pg_db_role_setting), which an end user may have set.
    const registered = await privileged.query<{ altered: boolean }>(
      `SELECT authsync_rls.register_backend($1, $2::timestamptz, $3, $4, $5, $6), ${ROLE_SETTINGS_EXIST_SQL} AS altered`,
      [pid, rows[0]!.started, target.user, inner, outer, createHash('sha256').update(installKey).digest()],
    );
    if (registered.rows[0]?.altered) throw new RoleAlteredError(`the role ${target.user} has settings of its own`);
    await client.query('SELECT auth.init()');
    return { client, role, pid, sessionKey, installKey, resetSql: RESET_END_USER_SQL };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}
