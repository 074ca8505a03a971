/**
 * The RLS kit: pg_session_jwt's SQL interface (schema `auth`) written in plain SQL and PL/pgSQL, so it installs on
 * any PostgreSQL 14+ (and PGlite) without a compiled extension. Identity lives in an unlogged table keyed by backend
 * PID and checked against the backend's start time and login role. No role but the kit's owner may read or write it:
 * the readers are SECURITY DEFINER functions owned by it. It changes through `authsync_rls.set_identities`, which
 * only the installing role may call (authsync, over its privileged connection, once per request: install, then
 * clear); through `auth.jwt_session_init(token)`, pg_session_jwt's entry point, which accepts a token only if it
 * carries an HMAC-SHA256 made with the key authsync registered for *this* backend and a `jti` greater than any seen
 * on it; and through `authsync_rls.end_request()`, which only clears it. See docs/rls.md, "How identity is kept".
 *
 * Every statement is idempotent; the script runs at every provisioning.
 */

/** The roles whose sessions run client SQL. */
export const END_USER_ROLES = ['authenticated', 'anonymous'] as const;
export type EndUserRole = (typeof END_USER_ROLES)[number];

/** NOLOGIN owner of the kit's schemas and SECURITY DEFINER functions. */
export const KIT_OWNER_ROLE = 'authsync_rls_owner';

/** Bumped whenever the script below changes; recorded in authsync_rls.kit. */
export const KIT_VERSION = 5;

/** Cluster-wide roles. Needs CREATEROLE (or superuser). */
export const ROLES_SQL = `
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '${KIT_OWNER_ROLE}') THEN
    CREATE ROLE ${KIT_OWNER_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'anonymous') THEN
    CREATE ROLE anonymous LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT;
  END IF;
END
$roles$;
-- Roles that existed before keep their members, but never the powers that would bypass the policies.
ALTER ROLE authenticated LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
ALTER ROLE anonymous LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
ALTER ROLE ${KIT_OWNER_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
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

/** Per-database objects. Runs as the installing role, which must be able to act as ${KIT_OWNER_ROLE}. */
export const KIT_SQL = `
CREATE SCHEMA IF NOT EXISTS authsync_rls AUTHORIZATION ${KIT_OWNER_ROLE};
ALTER SCHEMA authsync_rls OWNER TO ${KIT_OWNER_ROLE};
REVOKE ALL ON SCHEMA authsync_rls FROM PUBLIC;
-- USAGE only, for authsync_rls.end_request(); every object in the schema has its own privileges, and the end-user
-- roles have none on the tables.
GRANT USAGE ON SCHEMA authsync_rls TO PUBLIC;

CREATE TABLE IF NOT EXISTS authsync_rls.kit (version integer NOT NULL, installed_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE authsync_rls.kit OWNER TO ${KIT_OWNER_ROLE};

-- One row per end-user backend authsync opened. inner_key/outer_key are the per-connection HMAC key already XORed
-- with ipad/opad (so the HMAC needs only the built-in sha256()). Unlogged: nothing here outlives a restart.
CREATE UNLOGGED TABLE IF NOT EXISTS authsync_rls.backend_sessions (
  pid           integer PRIMARY KEY,
  backend_start timestamptz,
  login_role    name NOT NULL,
  inner_key     bytea NOT NULL,
  outer_key     bytea NOT NULL,
  last_jti      numeric NOT NULL DEFAULT 0,
  claims        jsonb,
  sub           text,
  sub_invalid   boolean NOT NULL DEFAULT false,
  registered_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE authsync_rls.backend_sessions OWNER TO ${KIT_OWNER_ROLE};
-- Kit version 2: true between requests (set when an identity is cleared, unset when one is installed). The readers
-- raise instead of answering while it is set, so SQL that runs without a freshly installed identity fails.
ALTER TABLE authsync_rls.backend_sessions ADD COLUMN IF NOT EXISTS cleared boolean NOT NULL DEFAULT false;
-- Kit version 5: one row per page. Every request rewrites its backend's row; with room on the page each rewrite
-- stays there (a HOT update, pruned in place), so the table keeps about one page per backend instead of growing
-- with dead rows between vacuums, and from a handful of backends on the planner looks rows up by primary key
-- instead of reading every page.
ALTER TABLE authsync_rls.backend_sessions SET (fillfactor = 10);
REVOKE ALL ON authsync_rls.backend_sessions FROM PUBLIC;
REVOKE ALL (pid, login_role, claims, sub, sub_invalid, cleared) ON authsync_rls.backend_sessions FROM PUBLIC;
-- Defence in depth: should a grant ever reach another role, it would still see only its own backend's row. The
-- owner (the SECURITY DEFINER functions below) is exempt, as table owners are.
ALTER TABLE authsync_rls.backend_sessions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_backend ON authsync_rls.backend_sessions;
CREATE POLICY own_backend ON authsync_rls.backend_sessions FOR SELECT TO PUBLIC
  USING (pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND login_role OPERATOR(pg_catalog.=) SESSION_USER);

-- Kit version 5 drops functions nothing calls any more: b64url_decode (unused since kit version 3, when
-- jwt_session_init decoded in place) and raise_invalid_subject/raise_no_identity (the PL/pgSQL readers raise
-- themselves).
DROP FUNCTION IF EXISTS authsync_rls.b64url_decode(text);
DROP FUNCTION IF EXISTS authsync_rls.raise_invalid_subject();
DROP FUNCTION IF EXISTS authsync_rls.raise_no_identity();

-- Called by authsync over its privileged connection right after an end-user connection opens, before that
-- connection runs anything else. Also forgets rows of backends that are gone.
CREATE OR REPLACE FUNCTION authsync_rls.register_backend(p_pid integer, p_backend_start timestamptz, p_role name, p_inner bytea, p_outer bytea)
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF length(p_inner) <> 64 OR length(p_outer) <> 64 THEN
    RAISE EXCEPTION 'authsync_rls: session keys must be 64 bytes' USING ERRCODE = '22023';
  END IF;
  DELETE FROM authsync_rls.backend_sessions s WHERE NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(s.pid) a WHERE a.pid = s.pid);
  INSERT INTO authsync_rls.backend_sessions AS s (pid, backend_start, login_role, inner_key, outer_key)
  VALUES (p_pid, p_backend_start, p_role, p_inner, p_outer)
  ON CONFLICT (pid) DO UPDATE SET backend_start = excluded.backend_start, login_role = excluded.login_role,
    inner_key = excluded.inner_key, outer_key = excluded.outer_key, last_jti = 0, claims = NULL, sub = NULL,
    sub_invalid = false, cleared = false, registered_at = now();
END
$fn$;

CREATE OR REPLACE FUNCTION authsync_rls.forget_backend(p_pid integer) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  DELETE FROM authsync_rls.backend_sessions WHERE pid = p_pid
$fn$;

-- This backend's row, if authsync registered it: same PID, same login role, same start time.
CREATE OR REPLACE FUNCTION authsync_rls.own_session() RETURNS authsync_rls.backend_sessions
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT s.* FROM authsync_rls.backend_sessions s
  WHERE s.pid = pg_backend_pid() AND s.login_role = session_user
    AND s.backend_start IS NOT DISTINCT FROM (SELECT a.backend_start FROM pg_stat_get_activity(pg_backend_pid()) a LIMIT 1)
$fn$;

-- Forgets this backend's identity: the readers raise until a new one is installed. Up to kit version 4 it ended every
-- request; since version 5 authsync clears identities through set_identities, and this stays for SQL that wants to
-- drop its own. Anyone may call it: it can only take this backend's own identity away. PL/pgSQL (kit version 3): the
-- UPDATE's plan is kept for the session.
CREATE OR REPLACE FUNCTION authsync_rls.end_request() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  UPDATE authsync_rls.backend_sessions SET claims = NULL, sub = NULL, sub_invalid = false, cleared = true
  WHERE pid = pg_backend_pid() AND login_role = session_user AND NOT cleared;
END
$fn$;

-- Kit version 5: how authsync sets and clears the identity of its end-user backends, over its privileged connection
-- (nothing on the end-user connection is involved, and no key): p_entries is a JSON array of {pid, start, claims},
-- start being the backend's start time as register_backend recorded it (so a write meant for a backend that has
-- gone never lands on a later one with the same PID) and claims the verified token payload, or null to clear.
-- Several backends per call: authsync batches the installs of concurrent requests. Returns the PIDs written. One
-- UPDATE per entry, by primary key, with the plan kept for the session.
CREATE OR REPLACE FUNCTION authsync_rls.set_identities(p_entries jsonb) RETURNS SETOF integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  e record;
BEGIN
  FOR e IN SELECT v.pid, v.start, v.claims FROM jsonb_to_recordset(p_entries) AS v(pid integer, start timestamptz, claims jsonb) LOOP
    UPDATE authsync_rls.backend_sessions s
    SET claims = e.claims,
        sub = CASE WHEN jsonb_typeof(e.claims -> 'sub') = 'string' THEN e.claims ->> 'sub' END,
        sub_invalid = coalesce(e.claims ? 'sub' AND jsonb_typeof(e.claims -> 'sub') <> 'string', false),
        cleared = e.claims IS NULL
    WHERE s.pid = e.pid AND s.backend_start IS NOT DISTINCT FROM e.start;
    IF FOUND THEN
      RETURN NEXT e.pid;
    END IF;
  END LOOP;
END
$fn$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA authsync_rls FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authsync_rls.register_backend(integer, timestamptz, name, bytea, bytea) TO CURRENT_USER;
GRANT EXECUTE ON FUNCTION authsync_rls.forget_backend(integer) TO CURRENT_USER;
GRANT EXECUTE ON FUNCTION authsync_rls.set_identities(jsonb) TO CURRENT_USER;

CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION ${KIT_OWNER_ROLE};

CREATE OR REPLACE FUNCTION auth.init() RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF (SELECT s.pid FROM authsync_rls.own_session() s) IS NULL THEN
    RAISE EXCEPTION 'Missing runtime parameter: pg_session_jwt.jwk' USING ERRCODE = '02000',
      HINT = 'authsync: this connection has no session key; only connections authsync opens can set an identity.';
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION auth.jwt_session_init(jwt text) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  s authsync_rls.backend_sessions;
  parts text[];
  signature bytea;
  payload jsonb;
  jti numeric;
  now_s numeric := extract(epoch FROM clock_timestamp());
BEGIN
  -- authsync_rls.own_session(), written out: PL/pgSQL keeps this statement's plan for the session, where the SQL
  -- function (SET search_path, so never inlined) was planned again on every call.
  SELECT b.* INTO s FROM authsync_rls.backend_sessions b
  WHERE b.pid = pg_backend_pid() AND b.login_role = session_user
    AND b.backend_start IS NOT DISTINCT FROM (SELECT a.backend_start FROM pg_stat_get_activity(pg_backend_pid()) a LIMIT 1);
  IF s.pid IS NULL THEN
    RAISE EXCEPTION 'Missing runtime parameter: pg_session_jwt.jwk' USING ERRCODE = '02000',
      HINT = 'authsync: this connection has no session key; only connections authsync opens can set an identity.';
  END IF;
  parts := string_to_array(jwt, '.');
  IF coalesce(array_length(parts, 1), 0) <> 3 THEN
    RAISE EXCEPTION 'invalid JWT encoding' USING ERRCODE = '42804';
  END IF;
  BEGIN
    signature := decode(rpad(translate(parts[3], '-_', '+/'), ((length(parts[3]) + 3) / 4) * 4, '='), 'base64');
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'invalid JWT signature encoding' USING ERRCODE = '42804';
  END;
  IF length(signature) <> 32 THEN
    RAISE EXCEPTION 'invalid JWT signature encoding' USING ERRCODE = '42804';
  END IF;
  IF sha256(s.outer_key || sha256(s.inner_key || convert_to(parts[1] || '.' || parts[2], 'UTF8'))) <> signature THEN
    RAISE EXCEPTION 'invalid JWT signature' USING ERRCODE = '23514';
  END IF;
  BEGIN
    payload := convert_from(decode(rpad(translate(parts[2], '-_', '+/'), ((length(parts[2]) + 3) / 4) * 4, '='), 'base64'), 'UTF8')::jsonb;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'could not parse JWT component' USING ERRCODE = '42804';
  END;
  IF jsonb_typeof(payload) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'could not parse JWT component' USING ERRCODE = '42804';
  END IF;
  IF jsonb_typeof(payload -> 'jti') IS DISTINCT FROM 'number' OR (payload ->> 'jti')::numeric <> trunc((payload ->> 'jti')::numeric) THEN
    RAISE EXCEPTION 'JWT payload must contain a valid ''jti'' (JWT ID)' USING ERRCODE = '42804';
  END IF;
  jti := (payload ->> 'jti')::numeric;
  IF jti <= s.last_jti THEN
    RAISE EXCEPTION 'Token ID must be strictly monotonically increasing.' USING ERRCODE = '23514';
  END IF;
  IF payload ? 'nbf' THEN
    IF jsonb_typeof(payload -> 'nbf') IS DISTINCT FROM 'number' THEN
      RAISE EXCEPTION '''nbf'' (Not Before) must be an integer representing seconds since unix epoch' USING ERRCODE = '42804';
    END IF;
    IF now_s + 60 < (payload ->> 'nbf')::numeric THEN
      RAISE EXCEPTION 'Token used before it is ready' USING ERRCODE = '23514', DETAIL = 'nbf=' || (payload ->> 'nbf');
    END IF;
  END IF;
  IF payload ? 'exp' THEN
    IF jsonb_typeof(payload -> 'exp') IS DISTINCT FROM 'number' THEN
      RAISE EXCEPTION '''exp'' (Expiration) must be an integer representing seconds since unix epoch' USING ERRCODE = '42804';
    END IF;
    IF (payload ->> 'exp')::numeric + 60 < now_s THEN
      RAISE EXCEPTION 'Token used after it has expired' USING ERRCODE = '23514', DETAIL = 'exp=' || (payload ->> 'exp');
    END IF;
  END IF;
  UPDATE authsync_rls.backend_sessions SET last_jti = jti, claims = payload,
    sub = CASE WHEN jsonb_typeof(payload -> 'sub') = 'string' THEN payload ->> 'sub' END,
    sub_invalid = (payload ? 'sub' AND jsonb_typeof(payload -> 'sub') <> 'string'), cleared = false
  WHERE pid = s.pid;
END
$fn$;

-- The readers are evaluated by policies, often per row. PL/pgSQL (kit version 5; SQL before): PostgreSQL inlines a
-- SQL function only when its body is a bare expression without a subquery, and any body that reads the identity
-- table has one, so a SQL reader was planned again at every statement that called it, where PL/pgSQL keeps the
-- lookup's plan. Every name is schema-qualified and there is no SET clause (a per-call search_path change costs more
-- than the lookup). Each reader does its own lookup rather than call a shared one: a policy may call a reader once
-- per row, and a shared lookup would be one more function call each time. SECURITY DEFINER: the end-user roles
-- cannot read the table. Wrap a call in a scalar subquery,
-- user_id = (select auth.user_id()), to have it evaluated once per statement (an InitPlan); drizzle's
-- (select auth.user_id() = t.user_id) is correlated and calls it once per row. STRICT is dropped from the
-- zero-argument readers (it changes no result). PARALLEL RESTRICTED rather than pg_session_jwt's SAFE: a parallel
-- worker has its own PID and would see no identity. Between requests (cleared) they raise.
CREATE OR REPLACE FUNCTION auth.session() RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY DEFINER AS $fn$
DECLARE
  s record;
BEGIN
  SELECT b.cleared, b.claims INTO s FROM authsync_rls.backend_sessions b
  WHERE b.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND b.login_role OPERATOR(pg_catalog.=) SESSION_USER;
  IF NOT FOUND THEN
    RETURN 'null'::pg_catalog.jsonb;
  END IF;
  IF s.cleared THEN
    RAISE EXCEPTION 'authsync: no identity is installed for this request' USING ERRCODE = '02000';
  END IF;
  RETURN COALESCE(s.claims, 'null'::pg_catalog.jsonb);
END
$fn$;

-- pg_session_jwt 0.4's alias of auth.session(): a plain SQL function (so inlined into the call of auth.session()).
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER AS $fn$
  SELECT auth.session()
$fn$;

CREATE OR REPLACE FUNCTION auth.user_id() RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY DEFINER AS $fn$
DECLARE
  s record;
BEGIN
  SELECT b.cleared, b.sub_invalid, b.sub INTO s FROM authsync_rls.backend_sessions b
  WHERE b.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND b.login_role OPERATOR(pg_catalog.=) SESSION_USER;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF s.cleared THEN
    RAISE EXCEPTION 'authsync: no identity is installed for this request' USING ERRCODE = '02000';
  END IF;
  IF s.sub_invalid THEN
    RAISE EXCEPTION 'invalid subject claim in the JWT' USING ERRCODE = '42804';
  END IF;
  RETURN s.sub;
END
$fn$;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY DEFINER AS $fn$
DECLARE
  s record;
BEGIN
  SELECT b.cleared, b.sub INTO s FROM authsync_rls.backend_sessions b
  WHERE b.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND b.login_role OPERATOR(pg_catalog.=) SESSION_USER;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF s.cleared THEN
    RAISE EXCEPTION 'authsync: no identity is installed for this request' USING ERRCODE = '02000';
  END IF;
  IF s.sub OPERATOR(pg_catalog.~*) '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' THEN
    RETURN s.sub::pg_catalog.uuid;
  END IF;
  RETURN NULL;
END
$fn$;

DO $owner$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
           WHERE p.pronamespace IN ('auth'::regnamespace, 'authsync_rls'::regnamespace)
             AND p.proname IN ('init', 'jwt_session_init', 'session', 'jwt', 'user_id', 'uid', 'register_backend',
                               'forget_backend', 'own_session', 'end_request', 'set_identities')
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO ${KIT_OWNER_ROLE}', f);
  END LOOP;
END
$owner$;

REVOKE ALL ON FUNCTION authsync_rls.register_backend(integer, timestamptz, name, bytea, bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION authsync_rls.forget_backend(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION authsync_rls.set_identities(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authsync_rls.end_request() TO PUBLIC;

-- Grants from the Neon RLS docs, plus what authsync adds: the auth functions and neon_auth.users_sync.
GRANT USAGE ON SCHEMA auth TO PUBLIC;
GRANT USAGE ON SCHEMA public TO authenticated, anonymous;
GRANT SELECT, UPDATE, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO authenticated;
GRANT SELECT, UPDATE, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO anonymous;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, UPDATE, INSERT, DELETE ON TABLES TO authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, UPDATE, INSERT, DELETE ON TABLES TO anonymous;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO authenticated;
GRANT USAGE ON SCHEMA neon_auth TO authenticated, anonymous;
GRANT SELECT ON neon_auth.users_sync TO authenticated, anonymous;

DELETE FROM authsync_rls.kit;
INSERT INTO authsync_rls.kit (version) VALUES (${KIT_VERSION});
`;
