/**
 * The /sql password path (a connection string with a password and no token): authsync logs in as the URL's user and
 * lets PostgreSQL check the password. Two things make that dangerous, and this module refuses them:
 * - a superuser or replication role (or one that may SET ROLE to one): `COPY … TO PROGRAM` and friends would run on
 *   the database server. Refused before connecting (checked over the privileged connection), and again on the new
 *   connection (`current_user`'s flags).
 * - a database that accepts any password (pg_hba.conf `trust` for authsync's address): every password would be
 *   right, and /sql an open door (and a password oracle). With AUTHSYNC_SQL_PASSWORD_AUTH=auto (the default) authsync
 *   tries a random wrong password once a minute per database, at start and at `project create`; while it is
 *   accepted, the path is closed for that database, with a message that says how to fix it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../config/index.js';
import type { Queryable } from '../db/database.js';
import type { AppError } from '../errors/app-error.js';
import { badRequest } from './neon-errors.js';

/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification. */
const REFUSALS = new Set(['28P01', '28000']);

/** How long a probe's answer and a role's check are trusted. */
const PROBE_TTL_MS = 60_000;
const ROLE_TTL_MS = 5_000;

/** Where to probe: a database and the users to try a wrong password for. */
export interface ProbeTarget {
  dbKey: string;
  connect: { host: string; port: number; database: string };
  /** The user of the database's owner URL (the password path's usual user). `authenticated` is always tried too. */
  ownerUser: string | undefined;
}

export type PasswordPathStatus = { serve: true; reason?: undefined } | { serve: false; reason: string };

/** Whether `role` is, or may become (SET ROLE), a superuser or a replication role. $1: the role's name. */
const POWERFUL_ROLE_SQL = `SELECT r.rolsuper OR r.rolreplication OR EXISTS (
    SELECT FROM pg_catalog.pg_roles s WHERE (s.rolsuper OR s.rolreplication) AND pg_catalog.pg_has_role(r.oid, s.oid, 'MEMBER')) AS powerful
  FROM pg_catalog.pg_roles r WHERE r.rolname = $1`;

export function refusedRole(role: string): AppError {
  return badRequest(
    `authsync: /sql does not log in as ${role}: it is a superuser or replication role (or may become one with SET ROLE). Use the app database's owner role, or a token.`,
  );
}

export class PasswordPathGuard {
  private readonly probes = new Map<string, { value: Promise<boolean>; until: number }>();
  private readonly roles = new Map<string, { value: Promise<boolean>; until: number }>();

  /** `probeUsers`: users tried besides the owner URL's (this instance's login role of `authenticated`). */
  constructor(
    private readonly config: Pick<Config, 'sqlPasswordAuth'>,
    private readonly probeUsers: readonly string[] = [],
  ) {}

  /** Whether /sql serves the password path for this database now, and if not, why. */
  async status(target: ProbeTarget): Promise<PasswordPathStatus> {
    if (this.config.sqlPasswordAuth === 'off') {
      return {
        serve: false,
        reason:
          'password logins through /sql are off on this server (AUTHSYNC_SQL_PASSWORD_AUTH=off): use a token, or connect to the database directly',
      };
    }
    if (this.config.sqlPasswordAuth === 'on') return { serve: true };
    let accepts: boolean;
    try {
      accepts = await this.acceptsWrongPassword(target);
    } catch (error) {
      // No answer is not a refusal: closed until a probe gets one (failures are not cached).
      return {
        serve: false,
        reason: `password logins through /sql are closed for ${target.dbKey} for now: could not check that it refuses a wrong password (${(error as Error).message})`,
      };
    }
    if (accepts) {
      return {
        serve: false,
        reason:
          `password logins through /sql are disabled for ${target.dbKey}: the database accepted a wrong password (trust authentication), so any password would do. ` +
          'Require passwords (scram-sha-256) in pg_hba.conf for the address authsync connects from, or set AUTHSYNC_SQL_PASSWORD_AUTH=on (development only)',
      };
    }
    return { serve: true };
  }

  /**
   * Before a password login: throws the Neon-shaped 400 that says why, when the path is closed for this database or
   * `role` is too powerful. `privileged` is the database's owner connection.
   */
  async check(target: ProbeTarget, role: string, privileged: Queryable): Promise<void> {
    const status = await this.status(target);
    if (!status.serve) throw badRequest(`authsync: ${status.reason}.`);
    if (await this.cached(this.roles, `${target.dbKey}|${role}`, ROLE_TTL_MS, () => isPowerfulRole(privileged, role)))
      throw refusedRole(role);
  }

  /** Tries a random wrong password (cached for a minute per database). */
  acceptsWrongPassword(target: ProbeTarget): Promise<boolean> {
    return this.cached(this.probes, target.dbKey, PROBE_TTL_MS, () => acceptsWrongPassword(target, this.probeUsers));
  }

  private cached(
    map: Map<string, { value: Promise<boolean>; until: number }>,
    key: string,
    ttl: number,
    load: () => Promise<boolean>,
  ): Promise<boolean> {
    const hit = map.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = load();
    map.set(key, { value, until: Date.now() + ttl });
    value.catch(() => map.delete(key));
    return value;
  }
}

/** Whether `role` is, or may SET ROLE to, a superuser or replication role (false for an unknown role: the login fails anyway). */
export async function isPowerfulRole(db: Queryable, role: string): Promise<boolean> {
  const { rows } = await db.query<{ powerful: boolean }>(POWERFUL_ROLE_SQL, [role]);
  return rows[0]?.powerful === true;
}

/** On a connection the password path just opened: whether its own role is too powerful. */
export async function connectedAsPowerfulRole(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ powerful: boolean | string }>(POWERFUL_ROLE_SQL.replace('$1', 'current_user'));
  // The password path's connections parse nothing (text in, text out).
  return rows[0]?.powerful === true || rows[0]?.powerful === 't';
}

/**
 * Logs in with a random wrong password as the owner URL's user and as this instance's login role of `authenticated`
 * (probeUsers): true if PostgreSQL let either in, false if it refused both. Any other failure throws: it is no answer.
 */
export async function acceptsWrongPassword(target: ProbeTarget, probeUsers: readonly string[] = []): Promise<boolean> {
  const users = [...new Set([target.ownerUser, ...probeUsers].filter((u): u is string => !!u))];
  for (const user of users) {
    const client = new pg.Client({
      ...target.connect,
      user,
      password: `wrong-${randomBytes(18).toString('base64url')}`,
      connectionTimeoutMillis: 10_000,
      application_name: 'authsync-password-probe',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return true;
    } catch (error) {
      // Refused (wrong password, no pg_hba entry, unknown role), as it should be. Anything else (a timeout, a refused
      // connection, too many clients) says nothing about passwords: the caller keeps the path closed.
      if (!REFUSALS.has((error as { code?: string }).code ?? ''))
        throw new Error(`the probe's login failed: ${(error as Error).message}`, { cause: error });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return false;
}
