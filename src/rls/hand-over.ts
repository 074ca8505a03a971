/**
 * Handing a database's authsync objects to the role that will run authsync there. When a superuser installs the kit
 * (`authsync rls install` with a superuser's URL, for instance to take SUPERUSER or BYPASSRLS away from an old role),
 * the schemas it creates (neon_auth, authsync_sync, authsync_kit) belong to the superuser, and the database's owner,
 * whom authsync then connects as, may not write users_sync or apply a later migration ("permission denied for schema
 * neon_auth"). A superuser installer therefore hands them over at the end: each of those schemas, and everything in
 * them that it owns, goes to the new owner (by default the database's owner), who also becomes a member of the kit's
 * owner role, as a CREATEROLE installer is. Nothing happens when the installer is not a superuser (it owns what it
 * created, or was refused) or when the new owner is the installer.
 */
import type { Queryable } from '../db/database.js';
import { quoteLiteral } from '../db/database.js';
import { KIT_OWNER_ROLE } from './end-user-roles.js';

/** The schemas authsync creates in a project database for its own use, apart from the kit owner's. */
export const HANDED_OVER_SCHEMAS = ['neon_auth', 'authsync_sync', 'authsync_kit'] as const;

/**
 * `owner`: the role to hand to; undefined: the database's owner. Returns the role handed to, or undefined when the
 * installer is not a superuser or is that role itself.
 */
export async function handOverToOwner(db: Queryable, owner?: string): Promise<string | undefined> {
  const { rows } = await db.query<{ superuser: boolean; me: string; db_owner: string }>(
    `SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser, current_user AS me,
            pg_catalog.pg_get_userbyid(d.datdba) AS db_owner FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`,
  );
  const row = rows[0]!;
  const to = owner ?? row.db_owner;
  if (!row.superuser || to === row.me) return undefined;
  await db.exec(handOverSql(to));
  return to;
}

/** The hand-over to `owner`, run by a superuser: one DO block. */
function handOverSql(owner: string): string {
  const schemas = HANDED_OVER_SCHEMAS.map((schema) => quoteLiteral(schema)).join(', ');
  return `
DO $hand_over$
DECLARE
  new_owner name := ${quoteLiteral(owner)};
  o record;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = new_owner) THEN
    RAISE EXCEPTION 'authsync: role % does not exist', new_owner USING ERRCODE = '42704';
  END IF;
  FOR o IN
    SELECT 'SCHEMA' AS kind, pg_catalog.quote_ident(n.nspname) AS name FROM pg_catalog.pg_namespace n
     WHERE n.nspname IN (${schemas}) AND n.nspowner = current_user::regrole
    UNION ALL
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
           pg_catalog.format('%I.%I', n.nspname, c.relname)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN (${schemas}) AND c.relowner = current_user::regrole
       AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
       -- A sequence owned by a column moves with its table.
       AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure::text
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname IN (${schemas}) AND p.proowner = current_user::regrole
  LOOP
    EXECUTE pg_catalog.format('ALTER %s %s OWNER TO %I', o.kind, o.name, new_owner);
  END LOOP;
  -- Later kit migrations replace the kit owner's functions: the new owner must be able to act as it.
  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${KIT_OWNER_ROLE}')
     AND NOT pg_catalog.pg_has_role(new_owner, '${KIT_OWNER_ROLE}', 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT ${KIT_OWNER_ROLE} TO %I', new_owner);
  END IF;
END
$hand_over$;`;
}
