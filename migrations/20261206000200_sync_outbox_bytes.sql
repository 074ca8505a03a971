-- sync_outbox.bytes: the size of a change's raw_json as JSON text, written with the row. The worker cuts its batches
-- by bytes as well as by rows (src/sync/outbox.ts) by summing this column, without converting every row it looks at.
-- NULL for rows written before this migration: the reader measures those itself.
ALTER TABLE authsync.sync_outbox ADD COLUMN bytes integer;
