/**
 * The cluster-wide roles of the RLS kit: the end-user roles whose sessions run client SQL and the NOLOGIN owner of
 * the kit's objects. Roles belong to the cluster, not to a database, so they are created here, in code, before a
 * database's schema is brought up to date, and never by a database's migrations.
 */
import { createHmac } from 'node:crypto';

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
 * the one-time fix. `endUser`: also never CREATEDB, CREATEROLE or REPLICATION (sessions of end users run client SQL).
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
    CASE WHEN r.rolcreaterole THEN 'NOCREATEROLE' END`
        : ''
    });
  IF changes <> '' THEN
    EXECUTE 'ALTER ROLE ${role} ' || changes;
  END IF;
END
$role$;`;
}

/**
 * Cluster-wide roles. Needs CREATEROLE (or superuser); roles that existed before keep their members, but never the
 * powers that would bypass the policies (taking those away needs a superuser: see ensureRoleSql).
 */
export const ROLES_SQL = `
${ensureRoleSql(KIT_OWNER_ROLE, { login: false, endUser: false })}
${ensureRoleSql('authenticated', { login: true, endUser: true })}
${ensureRoleSql('anonymous', { login: true, endUser: true })}
-- The owner sees its end-user backends in pg_stat_get_activity (backend_start), so it is a member of them.
-- (Membership goes this way only: the end-user roles gain nothing.)
GRANT authenticated TO ${KIT_OWNER_ROLE};
GRANT anonymous TO ${KIT_OWNER_ROLE};
-- A non-superuser installer must be able to hand objects to the owner role.
DO $member$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT ${KIT_OWNER_ROLE} TO %I', current_user);
  END IF;
END
$member$;
`;
