/**
 * Beyond legacy: the fields apps used to dig out of raw_json, as typed columns of an opt-in view
 * `neon_auth.users_sync_typed`. The legacy table keeps its exact shape (drizzle's usersSync, pg_dump
 * diffs and hand-written DDL keep matching); the view reads the same rows, so it is never behind.
 * `last_active_at` is the value at the user's last change: token refreshes are not user changes.
 */
export const TYPED_VIEW_DDL = `
CREATE OR REPLACE VIEW neon_auth.users_sync_typed AS
SELECT
  id,
  name,
  email,
  created_at,
  updated_at,
  deleted_at,
  (raw_json ->> 'primary_email_verified')::boolean AS email_verified,
  raw_json ->> 'profile_image_url'                 AS profile_image_url,
  COALESCE((raw_json ->> 'is_anonymous')::boolean, false) AS is_anonymous,
  (raw_json ->> 'has_password')::boolean           AS has_password,
  COALESCE((raw_json ->> 'is_restricted')::boolean, false) AS is_restricted,
  to_timestamp(((raw_json ->> 'last_active_at_millis')::bigint)::double precision / 1000) AS last_active_at,
  raw_json -> 'client_metadata'                    AS client_metadata,
  raw_json -> 'client_read_only_metadata'          AS client_read_only_metadata,
  raw_json -> 'server_metadata'                    AS server_metadata,
  raw_json
FROM neon_auth.users_sync;
`;
