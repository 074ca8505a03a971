/**
 * `authsync rls optimize --auto [--off]`: an event trigger on `ddl_command_end` for CREATE POLICY and ALTER POLICY
 * that applies the rewrite of optimize-pattern.ts to the policy just created or altered, in the same transaction, so
 * `drizzle-kit push`/`migrate` leave InitPlan policies behind without anyone running a command. It rewrites the
 * user's DDL: the stored policy differs in text (never in meaning) from what was sent.
 *
 * The trigger's own ALTER POLICY fires the trigger again; that run returns at once (a transaction-local flag), and
 * would change nothing anyway (the rewritten text has no correlated form left). The function runs with the privileges
 * of whoever ran the DDL, who owns the table. PostgreSQL 15 lets only a superuser create an event trigger: without
 * that privilege `--auto` says so, and the manual command keeps working.
 */
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { initPlanFormSql } from './optimize-pattern.js';

export const OPTIMIZER_SCHEMA = 'authsync_policy_optimizer';
export const OPTIMIZER_TRIGGER = 'authsync_optimize_policies';

const INSTALL_SQL = `
CREATE SCHEMA IF NOT EXISTS ${OPTIMIZER_SCHEMA};
COMMENT ON SCHEMA ${OPTIMIZER_SCHEMA} IS 'authsync rls optimize --auto: rewrites new policies to the InitPlan form; remove with authsync rls optimize --auto --off';

CREATE OR REPLACE FUNCTION ${OPTIMIZER_SCHEMA}.initplan_form(expr text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
SELECT ${initPlanFormSql('expr')}
$fn$;

CREATE OR REPLACE FUNCTION ${OPTIMIZER_SCHEMA}.on_policy_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  command record;
  policy record;
  new_using text;
  new_check text;
  clauses text;
BEGIN
  IF current_setting('authsync.rewriting_policy', true) = 'on' THEN
    RETURN; -- the trigger's own ALTER POLICY
  END IF;
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag IN ('CREATE POLICY', 'ALTER POLICY') LOOP
    -- Deparsed with this function's search_path: every name outside pg_catalog qualified, as the pattern expects.
    SELECT p.polname, n.nspname, c.relname,
           pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
      INTO policy
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE p.oid = command.objid;
    CONTINUE WHEN NOT FOUND;
    new_using := ${OPTIMIZER_SCHEMA}.initplan_form(policy.qual);
    new_check := ${OPTIMIZER_SCHEMA}.initplan_form(policy.with_check);
    clauses := '';
    IF new_using IS DISTINCT FROM policy.qual THEN
      clauses := ' USING (' || new_using || ')';
    END IF;
    IF new_check IS DISTINCT FROM policy.with_check THEN
      clauses := clauses || ' WITH CHECK (' || new_check || ')';
    END IF;
    CONTINUE WHEN clauses = '';
    PERFORM set_config('authsync.rewriting_policy', 'on', true);
    EXECUTE format('ALTER POLICY %I ON %I.%I', policy.polname, policy.nspname, policy.relname) || clauses;
    PERFORM set_config('authsync.rewriting_policy', 'off', true);
  END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION ${OPTIMIZER_SCHEMA}.on_policy_ddl() FROM PUBLIC;
-- The trigger's function runs as whoever sent the DDL, and calls initplan_form from here.
GRANT USAGE ON SCHEMA ${OPTIMIZER_SCHEMA} TO PUBLIC;

DROP EVENT TRIGGER IF EXISTS ${OPTIMIZER_TRIGGER};
CREATE EVENT TRIGGER ${OPTIMIZER_TRIGGER} ON ddl_command_end
  WHEN TAG IN ('CREATE POLICY', 'ALTER POLICY')
  EXECUTE FUNCTION ${OPTIMIZER_SCHEMA}.on_policy_ddl();
`;

const REMOVE_SQL = `
DROP EVENT TRIGGER IF EXISTS ${OPTIMIZER_TRIGGER};
DROP SCHEMA IF EXISTS ${OPTIMIZER_SCHEMA} CASCADE;
`;

/** Installs the event trigger (re-runnable), in one transaction. */
export async function enableAutoOptimize(db: Database): Promise<void> {
  await runPrivileged(db, INSTALL_SQL, 'install');
}

/** Removes the event trigger and its functions; policies already rewritten stay as they are. */
export async function disableAutoOptimize(db: Database): Promise<void> {
  await runPrivileged(db, REMOVE_SQL, 'remove');
}

/** Whether the event trigger is installed and enabled in the database. */
export async function autoOptimizeEnabled(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ enabled: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = $1 AND evtenabled <> 'D') AS enabled`,
    [OPTIMIZER_TRIGGER],
  );
  return rows[0]!.enabled;
}

async function runPrivileged(db: Database, script: string, verb: 'install' | 'remove'): Promise<void> {
  try {
    await db.transaction((tx) => tx.exec(script));
  } catch (error) {
    const pgError = error as { code?: string };
    if (pgError.code !== '42501') throw error;
    const { rows } = await db.query<{ me: string }>('SELECT current_user AS me');
    throw new AppError(
      'INSUFFICIENT_PRIVILEGE',
      403,
      `Automatic mode needs an event trigger, and PostgreSQL lets only a superuser ${verb} one; ${rows[0]!.me} is not a ` +
        `superuser, so nothing was changed. Run this once with a superuser's URL, or run ` +
        `'authsync rls optimize --database-url URL' after each migration instead (it needs only the tables' owner).`,
      { cause: error },
    );
  }
}
