-- The OAuth sign-in flow's short-lived state (src/oauth/flow-store.ts), both single-use:
--
-- oauth_flow_states: one row per sign-in sent to a provider, keyed by the SHA-256 of the inner state (the `state`
-- authsync gives the provider). It holds what the callback needs: the app's outer request (redirect_uri, its state
-- and code challenge, the flow type, the user being linked) and the inner PKCE verifier, sealed. Taken (deleted) by
-- the callback; 10 minutes.
--
-- oauth_codes: the outer authorization codes the callback hands the app, keyed by the code's SHA-256, bound to the
-- redirect_uri and the code challenge of the authorize request. Taken (deleted) by POST /auth/oauth/token; 5 minutes.
--
-- Expired rows are removed by the next insert into the same table.
CREATE TABLE authsync.oauth_flow_states (
  state_hash    text PRIMARY KEY,
  project_id    uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  provider_id   text NOT NULL,
  verifier_enc  text NOT NULL,
  outer_request jsonb NOT NULL,
  cookie_bound  boolean NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_flow_states_expires_idx ON authsync.oauth_flow_states (expires_at);

CREATE TABLE authsync.oauth_codes (
  code_hash                   text PRIMARY KEY,
  project_id                  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  user_id                     uuid NOT NULL REFERENCES authsync.users (id) ON DELETE CASCADE,
  redirect_uri                text NOT NULL,
  code_challenge              text NOT NULL,
  code_challenge_method       text NOT NULL CHECK (code_challenge_method IN ('S256', 'plain')),
  is_new_user                 boolean NOT NULL,
  after_callback_redirect_url text,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  expires_at                  timestamptz NOT NULL
);
CREATE INDEX oauth_codes_expires_idx ON authsync.oauth_codes (expires_at);
