-- Rate limits, shared by every server on this database (src/rate-limit/): one token bucket per key, such as the
-- sign-in attempts of one client address or of one account. A bucket of C tokens refilled at C per window W is
-- stored as the moment it is full again (the generic cell rate algorithm): a token is worth W/C seconds, and at
-- time t the bucket holds C − (full_at − t)/(W/C) tokens (C when full_at has passed). Taking a token moves full_at
-- W/C seconds later, in one INSERT … ON CONFLICT DO UPDATE, so concurrent takes on any server never hand out more
-- than the bucket holds; a refusal leaves full_at alone and counts in `refused` (0 right after a token was taken).
-- A row whose full_at has passed says nothing a missing row would not, and is deleted from time to time.
-- Keys name the limit and what it counts; e-mail addresses and credentials in them are hashed, never stored.
-- UNLOGGED: a cache of recent attempts, written at every sign-in; after a database crash every bucket starts full.
CREATE UNLOGGED TABLE authsync.rate_limits (
  bucket   text PRIMARY KEY,
  full_at  timestamptz NOT NULL,
  refused  integer NOT NULL DEFAULT 0
);
