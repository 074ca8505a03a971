/**
 * The cluster-wide roles of the RLS kit: the end-user roles whose sessions run client SQL and the NOLOGIN owner of
 * the kit's objects. Roles belong to the cluster, not to a database, so they are created here, in code, before a
 * database's schema is brought up to date, and never by a database's migrations.
 */
import { createHmac } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { quoteIdent, quoteLiteral } from '../db/database.js';

/** The roles whose sessions run client SQL. */
export const END_USER_ROLES = ['authenticated', 'anonymous'] as const;
export type EndUserRole = (typeof END_USER_ROLES)[number];

/** NOLOGIN owner of the kit's schemas and SECURITY DEFINER functions. */
export const KIT_OWNER_ROLE = 'authsync_rls_owner';

/**
 * The login password of an end-user role, derived from the server secret: every authsync server that shares the
 * secret computes the same one, and nobody else can. Clients never see it; they present tokens instead.
 */
export function rolePassword(serverSecret: string, role: EndUserRole): string {
  return createHmac('sha256', serverSecret).update(`authsync rls role password v1:${role}`).digest('base64url');
}

/**
 * One cluster-wide role of the kit, created or brought to the attributes the kit needs. Attributes are read from
 * pg_roles first and altered only where they differ: on PostgreSQL 15 even naming SUPERUSER, BYPASSRLS or REPLICATION
 * in ALTER ROLE (to turn them off) needs a superuser, so a CREATEROLE installer passes when the roles are new or already
 * right. A role that holds one of those powers stops a non-superuser installer with a message naming the power and
 * the one-time fix. `endUser`: also never CREATEDB, CREATEROLE or REPLICATION, and NOINHERIT (sessions of end users run
 * client SQL; a role granted to them later gives nothing without an explicit SET ROLE).
 */
export function ensureRoleSql(role: string, { login, endUser }: { login: boolean; endUser: boolean }): string {
  const created = endUser
    ? `${login ? 'LOGIN' : 'NOLOGIN'} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT`
    : `${login ? 'LOGIN' : 'NOLOGIN'} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT`;
  return `DO $role$
DECLARE
  r record;
  superuser_only text;
  changes text;
BEGIN
  SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = '${role}';
  IF NOT FOUND THEN
    CREATE ROLE ${role} ${created};
    RETURN;
  END IF;
  -- Powers that only a superuser may take away.
  superuser_only := concat_ws(', ', CASE WHEN r.rolsuper THEN 'SUPERUSER' END, CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END${
    endUser
      ? `,
    CASE WHEN r.rolreplication THEN 'REPLICATION' END`
      : ''
  });
  IF superuser_only <> '' AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'authsync: role ${role} has %; taking it away needs SUPERUSER, which % does not have', superuser_only, current_user
      USING ERRCODE = '42501',
        HINT = 'Run once as a superuser: authsync rls install --database-url <a superuser''s URL of this database>. Later installs need only CREATEROLE.';
  END IF;
  changes := concat_ws(' ',
    CASE WHEN r.rolsuper THEN 'NOSUPERUSER' END,
    CASE WHEN r.rolbypassrls THEN 'NOBYPASSRLS' END,
    CASE WHEN r.rolcanlogin <> ${login} THEN '${login ? 'LOGIN' : 'NOLOGIN'}' END${
      endUser
        ? `,
    CASE WHEN r.rolreplication THEN 'NOREPLICATION' END,
    CASE WHEN r.rolcreatedb THEN 'NOCREATEDB' END,
    CASE WHEN r.rolcreaterole THEN 'NOCREATEROLE' END,
    CASE WHEN r.rolinherit THEN 'NOINHERIT' END`
        : ''
    });
  -- A role that stops logging in also loses its password (kit version 7's end-user roles had one).
  IF r.rolcanlogin AND NOT ${login} THEN
    changes := concat_ws(' ', changes, 'PASSWORD NULL');
  END IF;
  IF changes <> '' THEN
    EXECUTE 'ALTER ROLE ${role} ' || changes;
  END IF;
END
$role$;`;
}

/**
 * The role an authsync instance logs in as to run an end user's SQL as `role`. `authenticated` and `anonymous`
 * themselves are NOLOGIN group roles (apps grant to them and write policies `TO authenticated`); each instance logs
 * in as its own member of them, named after its server secret, and its sessions start with `SET ROLE` to the group
 * role (`-c role=…` in the startup packet, which the session reset returns to). Instances sharing a secret (scale-out)
 * share the login roles; an instance with another secret on the same cluster has its own, so neither resets the
 * other's passwords. The name reveals nothing of the secret (an HMAC of it).
 */
export interface EndUserLogin {
  /** The group role the session runs as (current_user). */
  role: EndUserRole;
  /** The login role (session_user): `authsync_<tag>_<role>`. */
  user: string;
  password: string;
}

export function endUserLogin(serverSecret: string, role: EndUserRole): EndUserLogin {
  const tag = createHmac('sha256', serverSecret).update('authsync end-user login role v1').digest('hex').slice(0, 12);
  return { role, user: `authsync_${tag}_${role}`, password: rolePassword(serverSecret, role) };
}

/**
 * The cluster-wide roles, brought to what the kit needs. Needs CREATEROLE (or superuser); roles that existed before
 * keep their members, but never the powers that would bypass the policies (taking those away needs a superuser: see
 * ensureRoleSql). With a server secret, also this instance's login roles (none on PGlite, where nobody logs in).
 * `authenticated` and `anonymous` were LOGIN roles up to kit version 7; they become NOLOGIN and lose their password.
 */
export function rolesSql(logins: readonly EndUserLogin[] = []): string {
  return `
${ensureRoleSql(KIT_OWNER_ROLE, { login: false, endUser: false })}
${ensureRoleSql('authenticated', { login: false, endUser: true })}
${ensureRoleSql('anonymous', { login: false, endUser: true })}
-- The owner may act for the end-user roles (authsync_rls's readers never need it, but kits up to version 7 granted it).
GRANT authenticated TO ${KIT_OWNER_ROLE};
GRANT anonymous TO ${KIT_OWNER_ROLE};
${logins
  .map(
    (login) => `${ensureRoleSql(login.user, { login: true, endUser: true })}
GRANT ${login.role} TO ${login.user};
-- The owner sees this instance's end-user backends in pg_stat_get_activity (backend_start), so it is a member of the
-- login role. (Membership goes this way only: the login role gains nothing.)
GRANT ${login.user} TO ${KIT_OWNER_ROLE};`,
  )
  .join('\n')}
-- A non-superuser installer must be able to hand objects to the owner role.
DO $member$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT ${KIT_OWNER_ROLE} TO %I', current_user);
  END IF;
END
$member$;
`;
}

/**
 * Creates or repairs the cluster-wide roles and sets this instance's login passwords (they derive from the server
 * secret). Roles are shared by every database of the cluster: two databases provisioned at once may update the same
 * role rows, so each step retries a lost race.
 */
export async function ensureEndUserRoles(db: Queryable, options: { serverSecret: string; logins: boolean }): Promise<void> {
  const logins = options.logins ? END_USER_ROLES.map((role) => endUserLogin(options.serverSecret, role)) : [];
  await retryConcurrentUpdate(() => db.exec(rolesSql(logins)));
  for (const login of logins) {
    await retryConcurrentUpdate(() => db.exec(`ALTER ROLE ${quoteIdent(login.user)} PASSWORD ${quoteLiteral(login.password)}`));
  }
}

/** Retries a catalog update that lost a race with the same update in another session ("tuple concurrently updated"). */
export async function retryConcurrentUpdate(run: () => Promise<void>, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !/tuple concurrently (updated|deleted)/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
