/**
 * `neon_auth.users_sync` exactly as Legacy Neon Auth created it (the DDL of pg_dump output of real Neon
 * databases): `raw_json` holds the Stack server user object; `id`, `name`, `email` and `created_at` are
 * generated STORED columns derived from it; `updated_at` and `deleted_at` are set by the writer.
 * Idempotent: safe at every start.
 */
import type { Queryable } from '../db/database.js';

export const USERS_SYNC_DDL = `
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
`;

export async function ensureUsersSyncTable(db: Queryable): Promise<void> {
  await db.exec(USERS_SYNC_DDL);
}
