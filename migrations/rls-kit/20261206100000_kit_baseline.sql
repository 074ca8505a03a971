-- The RLS kit: pg_session_jwt's SQL interface (schema auth) in plain SQL and PL/pgSQL, so it installs on any
-- PostgreSQL 14+ (and PGlite) without a compiled extension, and the identity store behind it (schema authsync_rls).
-- Verified token payloads live in an unlogged table, authsync_rls.identities; which one a session runs under is the
-- session's own currval() of the sequence authsync_rls.identity_slot, which only the kit's owner may set. No role but
-- the owner may read or write either: the readers are SECURITY DEFINER functions owned by it. authsync records each
-- token it has verified once, over its privileged connection (add_identities), and installs it per request on the
-- end-user connection with authsync_rls.use_identity(key, id), which only succeeds with the key authsync generated
-- for that connection. auth.jwt_session_init(token), pg_session_jwt's entry point, accepts a token only if it carries
-- an HMAC-SHA256 made with the key authsync registered for this backend and a jti greater than any seen on it.
-- authsync_rls.end_request() and DISCARD SEQUENCES only clear it. See docs/rls.md, "How identity is kept".
--
-- Applied to app databases only, after the users_sync track (neon_auth must exist) and after authsync created the
-- cluster-wide roles authsync_rls_owner, authenticated and anonymous (src/rls/end-user-roles.ts: roles belong to the
-- cluster, not to a database's schema). Runs as the installing role, which must be able to act as
-- authsync_rls_owner.
--
-- The baseline: brings a database from nothing, or from any kit authsync installed before the kit lived in
-- migrations (versions 1 to 7, recorded in authsync_rls.kit), to the kit of version 7. Hence the IF EXISTS and
-- CREATE OR REPLACE: the objects of an earlier kit may be there. Later changes are new files.

-- Kits up to version 6 let every end user read neon_auth.users_sync (e-mails, server metadata). Only when upgrading
-- such a kit (never on a fresh database or a version-7 kit: a table-level REVOKE also removes column grants) the
-- grant is taken back, and the public-profiles opt-in, if recorded, is granted again (src/sync/public-profiles.ts).
-- (Nested IFs: PL/pgSQL plans a statement when it first runs it, so the tables are read only where they exist.)
DO $upgrade_from_6$
BEGIN
  IF to_regclass('authsync_rls.kit') IS NOT NULL AND to_regclass('neon_auth.users_sync') IS NOT NULL THEN
    IF (SELECT max(version) FROM authsync_rls.kit) <= 6 THEN
      REVOKE SELECT ON neon_auth.users_sync FROM authenticated, anonymous;
      IF to_regclass('authsync_sync.options') IS NOT NULL THEN
        IF EXISTS (SELECT FROM authsync_sync.options WHERE name = 'public_profiles') THEN
          GRANT SELECT (id, name, created_at, updated_at, deleted_at) ON neon_auth.users_sync TO authenticated;
        END IF;
      END IF;
    END IF;
  END IF;
END
$upgrade_from_6$;
-- The version record of kits before migrations; authsync_kit.schema_migrations says what is applied now.
DROP TABLE IF EXISTS authsync_rls.kit;

CREATE SCHEMA IF NOT EXISTS authsync_rls AUTHORIZATION authsync_rls_owner;
ALTER SCHEMA authsync_rls OWNER TO authsync_rls_owner;
REVOKE ALL ON SCHEMA authsync_rls FROM PUBLIC;
-- USAGE only, for authsync_rls.end_request() and use_identity(); every object in the schema has its own privileges, and the end-user
-- roles have none on the tables.
GRANT USAGE ON SCHEMA authsync_rls TO PUBLIC;


-- One row per end-user backend authsync opened. inner_key/outer_key are the per-connection HMAC key already XORed
-- with ipad/opad (so the HMAC needs only the built-in sha256()); install_key_hash is sha256 of the per-connection key
-- authsync installs identities with (kit version 6). Unlogged: nothing here outlives a restart.
CREATE UNLOGGED TABLE IF NOT EXISTS authsync_rls.backend_sessions (
  pid           integer PRIMARY KEY,
  backend_start timestamptz,
  login_role    name NOT NULL,
  inner_key     bytea NOT NULL,
  outer_key     bytea NOT NULL,
  last_jti      numeric NOT NULL DEFAULT 0,
  registered_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE authsync_rls.backend_sessions OWNER TO authsync_rls_owner;
ALTER TABLE authsync_rls.backend_sessions ADD COLUMN IF NOT EXISTS install_key_hash bytea;
-- Kit version 6: the identity no longer lives in this row (see authsync_rls.identities), and the row is written only
-- when a connection opens.
DROP FUNCTION IF EXISTS authsync_rls.set_identities(jsonb);
ALTER TABLE authsync_rls.backend_sessions DROP COLUMN IF EXISTS claims, DROP COLUMN IF EXISTS sub,
  DROP COLUMN IF EXISTS sub_invalid, DROP COLUMN IF EXISTS cleared;
ALTER TABLE authsync_rls.backend_sessions RESET (fillfactor);
REVOKE ALL ON authsync_rls.backend_sessions FROM PUBLIC;
REVOKE ALL (pid, login_role, install_key_hash) ON authsync_rls.backend_sessions FROM PUBLIC;
-- Defence in depth: should a grant ever reach another role, it would still see only its own backend's row. The
-- owner (the SECURITY DEFINER functions below) is exempt, as table owners are.
ALTER TABLE authsync_rls.backend_sessions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_backend ON authsync_rls.backend_sessions;
CREATE POLICY own_backend ON authsync_rls.backend_sessions FOR SELECT TO PUBLIC
  USING (pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND login_role OPERATOR(pg_catalog.=) SESSION_USER);

-- Kit version 6: verified token payloads. One row per token authsync has seen (written once, over the privileged
-- connection, then used by every request that carries the token), or per auth.jwt_session_init call (owner_pid set;
-- deleted with its backend's registration). Rows are never updated. authsync deletes a shared row minutes after
-- its token expired, when it no longer accepts the token.
CREATE UNLOGGED TABLE IF NOT EXISTS authsync_rls.identities (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  claims      jsonb NOT NULL,
  sub         text,
  sub_invalid boolean NOT NULL,
  expires_at  timestamptz NOT NULL,
  owner_pid   integer
);
ALTER TABLE authsync_rls.identities OWNER TO authsync_rls_owner;
CREATE INDEX IF NOT EXISTS identities_expires_at ON authsync_rls.identities (expires_at) WHERE owner_pid IS NULL;
CREATE INDEX IF NOT EXISTS identities_owner_pid ON authsync_rls.identities (owner_pid) WHERE owner_pid IS NOT NULL;
REVOKE ALL ON authsync_rls.identities FROM PUBLIC;
ALTER TABLE authsync_rls.identities ENABLE ROW LEVEL SECURITY;

-- Kit version 6: the identity a session runs under is the session's own currval() of this sequence. Only setval()
-- sets it, and setval() needs UPDATE on the sequence, which only its owner has (use_identity and jwt_session_init
-- run as the owner). The value is private to the backend; DISCARD SEQUENCES (part of DISCARD ALL) forgets it.
-- Unlogged where PostgreSQL allows it (15+), so setval() writes no WAL.
DO $slot$
BEGIN
  IF to_regclass('authsync_rls.identity_slot') IS NULL THEN
    IF current_setting('server_version_num')::int >= 150000 THEN
      CREATE UNLOGGED SEQUENCE authsync_rls.identity_slot MINVALUE 0 START 0;
    ELSE
      CREATE SEQUENCE authsync_rls.identity_slot MINVALUE 0 START 0;
    END IF;
  END IF;
END
$slot$;
ALTER SEQUENCE authsync_rls.identity_slot OWNER TO authsync_rls_owner;
REVOKE ALL ON SEQUENCE authsync_rls.identity_slot FROM PUBLIC;

-- Kit version 5 dropped functions nothing called any more.
DROP FUNCTION IF EXISTS authsync_rls.b64url_decode(text);
DROP FUNCTION IF EXISTS authsync_rls.raise_invalid_subject();
DROP FUNCTION IF EXISTS authsync_rls.raise_no_identity();

-- Called by authsync over its privileged connection right after an end-user connection opens, before that
-- connection runs anything else. Also forgets the rows of backends that are gone, and their identities.
DROP FUNCTION IF EXISTS authsync_rls.register_backend(integer, timestamptz, name, bytea, bytea);
CREATE OR REPLACE FUNCTION authsync_rls.register_backend(p_pid integer, p_backend_start timestamptz, p_role name, p_inner bytea, p_outer bytea, p_install_key_hash bytea)
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF length(p_inner) <> 64 OR length(p_outer) <> 64 THEN
    RAISE EXCEPTION 'authsync_rls: session keys must be 64 bytes' USING ERRCODE = '22023';
  END IF;
  IF p_install_key_hash IS NOT NULL AND length(p_install_key_hash) <> 32 THEN
    RAISE EXCEPTION 'authsync_rls: the install key hash must be 32 bytes' USING ERRCODE = '22023';
  END IF;
  DELETE FROM authsync_rls.backend_sessions s WHERE NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(s.pid) a WHERE a.pid = s.pid);
  DELETE FROM authsync_rls.identities i WHERE i.owner_pid IS NOT NULL
    AND (i.owner_pid = p_pid OR NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(i.owner_pid) a WHERE a.pid = i.owner_pid));
  INSERT INTO authsync_rls.backend_sessions AS s (pid, backend_start, login_role, inner_key, outer_key, install_key_hash)
  VALUES (p_pid, p_backend_start, p_role, p_inner, p_outer, p_install_key_hash)
  ON CONFLICT (pid) DO UPDATE SET backend_start = excluded.backend_start, login_role = excluded.login_role,
    inner_key = excluded.inner_key, outer_key = excluded.outer_key, install_key_hash = excluded.install_key_hash,
    last_jti = 0, registered_at = now();
END
$fn$;

CREATE OR REPLACE FUNCTION authsync_rls.forget_backend(p_pid integer) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  DELETE FROM authsync_rls.backend_sessions WHERE pid = p_pid;
  DELETE FROM authsync_rls.identities WHERE owner_pid = p_pid;
$fn$;

-- This backend's row, if authsync registered it: same PID, same login role, same start time.
CREATE OR REPLACE FUNCTION authsync_rls.own_session() RETURNS authsync_rls.backend_sessions
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT s.* FROM authsync_rls.backend_sessions s
  WHERE s.pid = pg_backend_pid() AND s.login_role = session_user
    AND s.backend_start IS NOT DISTINCT FROM (SELECT a.backend_start FROM pg_stat_get_activity(pg_backend_pid()) a LIMIT 1)
$fn$;

-- Forgets this backend's identity: the readers raise until a new one is installed. Anyone may call it: it can only
-- take this backend's own identity away (as DISCARD SEQUENCES does).
CREATE OR REPLACE FUNCTION authsync_rls.end_request() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF EXISTS (SELECT FROM authsync_rls.backend_sessions b WHERE b.pid = pg_backend_pid() AND b.login_role = session_user) THEN
    PERFORM setval('authsync_rls.identity_slot'::regclass, 0);
  END IF;
END
$fn$;

-- Kit version 6: how authsync records verified token payloads, over its privileged connection. p_entries is a JSON
-- array of {claims, expires}, expires being the epoch second after which authsync no longer uses the row. Returns
-- the new rows' ids in the order given. Also deletes the shared rows whose time has passed.
CREATE OR REPLACE FUNCTION authsync_rls.add_identities(p_entries jsonb) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  e record;
  new_id bigint;
BEGIN
  DELETE FROM authsync_rls.identities WHERE owner_pid IS NULL AND expires_at < now();
  FOR e IN SELECT v.entry -> 'claims' AS claims, (v.entry ->> 'expires')::double precision AS expires
           FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS v(entry, n) ORDER BY v.n LOOP
    IF jsonb_typeof(e.claims) IS DISTINCT FROM 'object' OR e.expires IS NULL THEN
      RAISE EXCEPTION 'authsync_rls: each identity needs claims (an object) and expires' USING ERRCODE = '22023';
    END IF;
    INSERT INTO authsync_rls.identities (claims, sub, sub_invalid, expires_at)
    VALUES (e.claims, CASE WHEN jsonb_typeof(e.claims -> 'sub') = 'string' THEN e.claims ->> 'sub' END,
            coalesce(e.claims ? 'sub' AND jsonb_typeof(e.claims -> 'sub') <> 'string', false),
            -- Kit version 7: a far-future time (exp = 1e20) is kept as the last second to_timestamp() can represent.
            to_timestamp(least(e.expires, 253402300799)))
    RETURNING id INTO new_id;
    RETURN NEXT new_id;
  END LOOP;
END
$fn$;

-- Kit version 6: how a request's identity is installed, on the end-user connection itself, written in the same packet
-- as the request's SQL. p_key is the key authsync generated for this connection when it opened it (register_backend
-- stored its SHA-256), p_id a row of authsync_rls.identities. Anyone may call it; without this connection's key it
-- can only fail. No SET clause (every name is qualified), so the transaction-local synchronous_commit below outlives
-- the call: on PostgreSQL 14, where the sequence is logged, setval() would otherwise wait for a WAL flush.
CREATE OR REPLACE FUNCTION authsync_rls.use_identity(p_key bytea, p_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $fn$
BEGIN
  PERFORM FROM authsync_rls.backend_sessions b
  WHERE b.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND b.login_role OPERATOR(pg_catalog.=) SESSION_USER
    AND b.install_key_hash OPERATOR(pg_catalog.=) pg_catalog.sha256(p_key);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'authsync: only authsync can install an identity on this connection' USING ERRCODE = '42501';
  END IF;
  -- P0002 (no_data_found) tells authsync to record the token again: crash recovery empties unlogged tables.
  PERFORM FROM authsync_rls.identities i WHERE i.id OPERATOR(pg_catalog.=) p_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'authsync: identity % does not exist', p_id USING ERRCODE = 'P0002';
  END IF;
  PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
  PERFORM pg_catalog.setval('authsync_rls.identity_slot'::pg_catalog.regclass, p_id);
END
$fn$;

-- Kit version 6: the session reset of authsync's end-user connections, Neon's reset sequence without its leading
-- ROLLBACK (authsync rolls back only when the request left a transaction open), as one statement: one result for
-- authsync to read instead of eight. No SET clause (it would restore the caller's search_path after RESET ALL);
-- nothing in it depends on search_path. Anyone may call it: it resets the caller's own session.
CREATE OR REPLACE FUNCTION authsync_rls.reset_session() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $fn$
BEGIN
  EXECUTE 'CLOSE ALL';
  EXECUTE 'SET SESSION AUTHORIZATION DEFAULT';
  EXECUTE 'RESET ALL';
  EXECUTE 'DEALLOCATE ALL';
  EXECUTE 'UNLISTEN *';
  PERFORM pg_catalog.pg_advisory_unlock_all();
  EXECUTE 'DISCARD TEMP';
  EXECUTE 'DISCARD SEQUENCES';
END
$fn$;

CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION authsync_rls_owner;

CREATE OR REPLACE FUNCTION auth.init() RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF (SELECT s.pid FROM authsync_rls.own_session() s) IS NULL THEN
    RAISE EXCEPTION 'Missing runtime parameter: pg_session_jwt.jwk' USING ERRCODE = '02000',
      HINT = 'authsync: this connection has no session key; only connections authsync opens can set an identity.';
  END IF;
END
$fn$;

-- pg_session_jwt's entry point, in two parts: check_session_token checks the token against this backend's session
-- key and records its payload (an identity owned by this backend); jwt_session_init installs it. The second has no
-- SET clause, for the same reason as use_identity.
CREATE OR REPLACE FUNCTION authsync_rls.check_session_token(jwt text) RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  s authsync_rls.backend_sessions;
  parts text[];
  signature bytea;
  payload jsonb;
  jti numeric;
  new_id bigint;
  now_s numeric := extract(epoch FROM clock_timestamp());
BEGIN
  -- authsync_rls.own_session(), written out: PL/pgSQL keeps this statement's plan for the session.
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
  UPDATE authsync_rls.backend_sessions SET last_jti = jti WHERE pid = s.pid;
  -- The identity lives as long as this backend's registration (forget_backend and register_backend delete it).
  INSERT INTO authsync_rls.identities (claims, sub, sub_invalid, expires_at, owner_pid)
  VALUES (payload, CASE WHEN jsonb_typeof(payload -> 'sub') = 'string' THEN payload ->> 'sub' END,
          (payload ? 'sub' AND jsonb_typeof(payload -> 'sub') <> 'string'), 'infinity', s.pid)
  RETURNING id INTO new_id;
  RETURN new_id;
END
$fn$;

CREATE OR REPLACE FUNCTION auth.jwt_session_init(jwt text) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER AS $fn$
BEGIN
  PERFORM pg_catalog.setval('authsync_rls.identity_slot'::pg_catalog.regclass, authsync_rls.check_session_token(jwt));
  PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
END
$fn$;

-- The readers are evaluated by policies, often per row. Each looks the session's identity up by the session's
-- currval() of authsync_rls.identity_slot (see use_identity), by primary key. PL/pgSQL: PostgreSQL inlines a SQL
-- function only when its body is a bare expression without a subquery, and any body that reads the identity table
-- has one, so a SQL reader was planned again at every statement that called it, where PL/pgSQL keeps the lookup's
-- plan. Every name is schema-qualified and there is no SET clause (a per-call search_path change costs more than
-- the lookup). Each reader does its own lookup rather than call a shared one: a policy may call a reader once per
-- row, and a shared lookup would be one more function call each time. SECURITY DEFINER: the end-user roles can read
-- neither the table nor the sequence. Wrap a call in a scalar subquery, user_id = (select auth.user_id()), to have it
-- evaluated once per statement (an InitPlan); drizzle's (select auth.user_id() = t.user_id) is correlated and calls
-- it once per row. STRICT is dropped from the zero-argument readers (it changes no result). PARALLEL RESTRICTED
-- rather than pg_session_jwt's SAFE: a parallel worker has its own session and would see no identity.
-- Without an installed identity the readers raise on a connection authsync opened (between requests, or after the
-- request's SQL discarded it), and answer as pg_session_jwt does without a token (NULL, JSON null) anywhere else.

-- What the readers do when this session has no identity (its currval() of the slot is undefined): raise on a
-- connection authsync opened, return (so the reader answers NULL) anywhere else. Only reached on that path, so
-- sharing it costs the readers nothing per row.
CREATE OR REPLACE FUNCTION authsync_rls.no_identity() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF EXISTS (SELECT FROM authsync_rls.backend_sessions b WHERE b.pid = pg_backend_pid() AND b.login_role = session_user) THEN
    RAISE EXCEPTION 'authsync: no identity is installed for this request' USING ERRCODE = '02000';
  END IF;
END
$fn$;
REVOKE ALL ON FUNCTION authsync_rls.no_identity() FROM PUBLIC;

CREATE OR REPLACE FUNCTION auth.session() RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY DEFINER AS $fn$
DECLARE
  s record;
  slot bigint;
BEGIN
  BEGIN
    slot := pg_catalog.currval('authsync_rls.identity_slot'::pg_catalog.regclass);
  EXCEPTION WHEN object_not_in_prerequisite_state THEN
    PERFORM authsync_rls.no_identity();
    RETURN 'null'::pg_catalog.jsonb;
  END;
  SELECT i.claims INTO s FROM authsync_rls.identities i WHERE i.id OPERATOR(pg_catalog.=) slot;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'authsync: no identity is installed for this request' USING ERRCODE = '02000';
  END IF;
  RETURN s.claims;
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
  slot bigint;
BEGIN
  BEGIN
    slot := pg_catalog.currval('authsync_rls.identity_slot'::pg_catalog.regclass);
  EXCEPTION WHEN object_not_in_prerequisite_state THEN
    PERFORM authsync_rls.no_identity();
    RETURN NULL;
  END;
  SELECT i.sub_invalid, i.sub INTO s FROM authsync_rls.identities i WHERE i.id OPERATOR(pg_catalog.=) slot;
  IF NOT FOUND THEN
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
  slot bigint;
BEGIN
  BEGIN
    slot := pg_catalog.currval('authsync_rls.identity_slot'::pg_catalog.regclass);
  EXCEPTION WHEN object_not_in_prerequisite_state THEN
    PERFORM authsync_rls.no_identity();
    RETURN NULL;
  END;
  SELECT i.sub INTO s FROM authsync_rls.identities i WHERE i.id OPERATOR(pg_catalog.=) slot;
  IF NOT FOUND THEN
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
                               'forget_backend', 'own_session', 'end_request', 'add_identities', 'use_identity',
                               'check_session_token', 'reset_session', 'no_identity')
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO authsync_rls_owner', f);
  END LOOP;
END
$owner$;

-- After the owner is set (above), so the installer's grants are recorded alike on a new database and on one whose
-- kit functions the owner already had (an upgrade).
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA authsync_rls FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authsync_rls.register_backend(integer, timestamptz, name, bytea, bytea, bytea) TO CURRENT_USER;
GRANT EXECUTE ON FUNCTION authsync_rls.forget_backend(integer) TO CURRENT_USER;
GRANT EXECUTE ON FUNCTION authsync_rls.add_identities(jsonb) TO CURRENT_USER;

REVOKE ALL ON FUNCTION authsync_rls.register_backend(integer, timestamptz, name, bytea, bytea, bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION authsync_rls.forget_backend(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION authsync_rls.add_identities(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION authsync_rls.check_session_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authsync_rls.end_request() TO PUBLIC;
GRANT EXECUTE ON FUNCTION authsync_rls.use_identity(bytea, bigint) TO PUBLIC;
GRANT EXECUTE ON FUNCTION authsync_rls.reset_session() TO PUBLIC;

-- Grants from the Neon RLS docs, plus what authsync adds: the auth functions and neon_auth.users_sync.
GRANT USAGE ON SCHEMA auth TO PUBLIC;
GRANT USAGE ON SCHEMA public TO authenticated, anonymous;
GRANT SELECT, UPDATE, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO authenticated;
GRANT SELECT, UPDATE, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO anonymous;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, UPDATE, INSERT, DELETE ON TABLES TO authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, UPDATE, INSERT, DELETE ON TABLES TO anonymous;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO authenticated;
-- USAGE on neon_auth only: since kit version 7 the end-user roles cannot read neon_auth.users_sync (e-mails,
-- raw_json with server metadata). An app that shows other users' names opts in to a column-limited grant
-- (`authsync sync public-profiles`, src/sync/public-profiles.ts); the upgrade from version 6 revokes the old grant
-- (at the top of this file). Foreign keys from app tables to users_sync need nothing: PostgreSQL checks them as the
-- table's owner.
GRANT USAGE ON SCHEMA neon_auth TO authenticated, anonymous;
