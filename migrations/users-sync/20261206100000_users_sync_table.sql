-- neon_auth.users_sync exactly as Legacy Neon Auth created it (the DDL of pg_dump output of real Neon databases):
-- raw_json holds the Stack server user object; id, name, email and created_at are generated STORED columns derived
-- from it; updated_at and deleted_at are set by the writer. Its shape never changes: apps, drizzle's usersSync and
-- hand-written DDL depend on it.
--
-- Applied to every project database (the app database and each sync target). Idempotent, because databases set up
-- before the schema lived in migrations already have the table, and because authsync runs this file again when
-- someone dropped the table by hand (src/sync/target-schema.ts): keep it that way.
CREATE SCHEMA IF NOT EXISTS neon_auth;
CREATE TABLE IF NOT EXISTS neon_auth.users_sync (
    raw_json   jsonb NOT NULL,
    id         text GENERATED ALWAYS AS ((raw_json ->> 'id'::text)) STORED NOT NULL,
    name       text GENERATED ALWAYS AS ((raw_json ->> 'display_name'::text)) STORED,
    email      text GENERATED ALWAYS AS ((raw_json ->> 'primary_email'::text)) STORED,
    created_at timestamp with time zone GENERATED ALWAYS AS (
                 to_timestamp((trunc((((raw_json ->> 'signed_up_at_millis'::text))::bigint)::double precision)
                               / (1000)::double precision))) STORED,
    updated_at timestamp with time zone,
    deleted_at timestamp with time zone,
    CONSTRAINT users_sync_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS users_sync_deleted_at_idx ON neon_auth.users_sync USING btree (deleted_at);
