/** Shared by the app-schema tests: fixtures of databases set up before migrations, and a catalog dump to compare. */
import fs from 'node:fs';
import type { Database } from '../../src/db/database.js';
import { withClient } from '../sync/sync-helpers.js';

export const FIXTURE_SECRET = 'a-fixture-server-secret-of-enough-length';

/**
 * Restores test/fixtures/<name>.sql (pg_dump output) into the database at `url`. The roles it names are cluster-wide,
 * so they are created first when missing, as authsync (or the fixture's app) had created them.
 */
export async function restoreFixture(url: string, name: 'app-database-from-main' | 'sync-target-from-main'): Promise<void> {
  const dump = fs.readFileSync(new URL(`../fixtures/${name}.sql`, import.meta.url), 'utf8');
  await ensureClusterRoles(url);
  await withClient(url, (client) => client.query(dump));
}

/** The cluster-wide roles the kit and the fixtures name, created when missing (NOLOGIN: these tests log in as none). */
export async function ensureClusterRoles(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`DO $roles$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authsync_rls_owner') THEN CREATE ROLE authsync_rls_owner NOLOGIN; END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN NOINHERIT; END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anonymous') THEN CREATE ROLE anonymous NOLOGIN NOINHERIT; END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authsync_fixture_reader') THEN CREATE ROLE authsync_fixture_reader NOLOGIN; END IF;
      END
      $roles$`);
  });
}

/** The schemas authsync keeps in a project database, and public (the kit's grants and default privileges). */
const SCHEMAS = `ARRAY['auth', 'authsync_rls', 'authsync_kit', 'authsync_sync', 'neon_auth', 'public']`;

/**
 * What a project database's schema is, as rows of text: schemas, relations, columns, indexes, constraints, policies,
 * functions (with their bodies), their owners and privileges, default privileges, and the signal functions' privileges.
 * Role names other than the kit's are written as "installer" (the role that ran the installation).
 */
export async function catalogDump(db: Database): Promise<string[]> {
  const queries = [
    `SELECT 'schema ' || nspname || ' owner=' || pg_get_userbyid(nspowner) || ' acl=' || coalesce(nspacl::text, '-')
     FROM pg_namespace WHERE nspname = ANY(${SCHEMAS})`,
    `SELECT 'relation ' || c.oid::regclass || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text || ' owner='
       || pg_get_userbyid(c.relowner) || ' rls=' || c.relrowsecurity || ' acl=' || coalesce(c.relacl::text, '-')
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(${SCHEMAS})`,
    `SELECT 'column ' || c.oid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull='
       || a.attnotnull || ' generated=' || a.attgenerated::text || ' identity=' || a.attidentity::text || ' default='
       || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' acl=' || coalesce(a.attacl::text, '-')
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = ANY(${SCHEMAS}) AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'p')`,
    `SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(${SCHEMAS})`,
    `SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
     FROM pg_constraint WHERE connamespace = ANY(SELECT oid FROM pg_namespace WHERE nspname = ANY(${SCHEMAS}))`,
    `SELECT 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' '
       || coalesce(qual, '-') || ' ' || coalesce(with_check, '-') FROM pg_policies WHERE schemaname = ANY(${SCHEMAS})`,
    `SELECT 'function ' || p.oid::regprocedure || ' returns ' || pg_get_function_result(p.oid) || ' owner=' || pg_get_userbyid(p.proowner)
       || ' definer=' || p.prosecdef || ' volatile=' || p.provolatile::text || ' strict=' || p.proisstrict || ' parallel=' || p.proparallel::text
       || ' config=' || coalesce(p.proconfig::text, '-') || ' acl=' || coalesce(p.proacl::text, '-') || E'\n' || p.prosrc
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(${SCHEMAS})`,
    `SELECT 'view ' || c.oid::regclass || ' ' || pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY(${SCHEMAS}) AND c.relkind = 'v'`,
    `SELECT 'default acl ' || coalesce(n.nspname, '-') || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text
     FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace`,
    `SELECT 'signal ' || p.oid::regprocedure || ' acl=' || coalesce(p.proacl::text, '-') FROM pg_proc p
     WHERE p.oid IN ('pg_catalog.pg_cancel_backend(integer)'::regprocedure, 'pg_catalog.pg_terminate_backend(integer, bigint)'::regprocedure)`,
  ];
  const { rows } = await db.query<{ installer: string }>('SELECT current_user AS installer');
  const installer = rows[0]!.installer;
  const out: string[] = [];
  for (const sql of queries) {
    const result = await db.query<Record<string, string>>(sql);
    for (const row of result.rows) out.push(Object.values(row)[0]!.split(installer).join('installer'));
  }
  return out.sort();
}
