/**
 * A no-op `pg_session_jwt` extension for self-managed servers, so that `CREATE EXTENSION IF NOT EXISTS
 * pg_session_jwt;` from the legacy docs succeeds where the authsync kit is installed (and fails with what to run
 * otherwise). It creates nothing: the functions are the kit's. Written into PostgreSQL's extension directory
 * (`pg_config --sharedir`/extension) by `authsync rls install --extension-dir DIR`.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SHIM_VERSION = '0.3.1';

export const CONTROL_FILE = `# authsync: pg_session_jwt compatibility shim. The auth.* functions come from the authsync RLS kit.
comment = 'pg_session_jwt interface provided by the authsync RLS kit (no code of its own)'
default_version = '${SHIM_VERSION}'
relocatable = false
trusted = true
`;

export const SCRIPT_FILE = `-- authsync: pg_session_jwt compatibility shim. Checks that the authsync RLS kit is installed; creates nothing.
DO $check$
BEGIN
  IF to_regprocedure('authsync_rls.use_identity(bytea, bigint)') IS NULL OR to_regprocedure('auth.jwt_session_init(text)') IS NULL THEN
    RAISE EXCEPTION 'pg_session_jwt is provided by the authsync RLS kit, which is not installed in this database'
      USING HINT = 'Run: authsync rls install --database-url <this database''s URL>';
  END IF;
END
$check$;
`;

export function writeExtensionFiles(dir: string): string[] {
  const files = [path.join(dir, 'pg_session_jwt.control'), path.join(dir, `pg_session_jwt--${SHIM_VERSION}.sql`)];
  fs.writeFileSync(files[0]!, CONTROL_FILE);
  fs.writeFileSync(files[1]!, SCRIPT_FILE);
  return files;
}
