-- OAuth sign-in: each project's provider configuration and the provider accounts of its users (src/oauth/).
--
-- oauth_providers: one row per provider a project offers (`google`, `github`, `microsoft`, or an OpenID Connect
-- server found by its issuer URL). The client secret is sealed under the server secret (crypto/secret-box.ts), as
-- the signing keys' private parts are: authsync must send it to the provider, so it cannot be a hash. issuer_url:
-- the OpenID Connect issuer (required for `oidc`); for `microsoft`, the tenant's issuer (default tenant
-- `consumers`); none for `google` and `github`, whose endpoints are fixed. `scopes` are
-- asked for on top of the provider's base scopes. allow_sign_in: the provider appears on the sign-in page and may
-- sign users in; allow_connected_accounts: apps may link it to call the provider's API for the user.
--
-- oauth_accounts: a user's account at a provider, keyed by the provider's subject (`account_id`). It has no foreign
-- key to oauth_providers, so removing a provider and adding it again keeps its users' accounts. The provider's
-- access and refresh tokens (for connected accounts) are sealed; the e-mail is the provider's, which may differ from
-- the user's primary e-mail. allow_sign_in / allow_connected_accounts are per account, as on Stack (PATCH
-- /oauth-providers/{user_id}/{provider_id}); sign-in only matches accounts with allow_sign_in.
CREATE TABLE authsync.oauth_providers (
  project_id                uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  provider_id               text NOT NULL CHECK (provider_id ~ '^[a-z0-9-]{1,64}$'),
  type                      text NOT NULL CHECK (type IN ('google', 'github', 'microsoft', 'oidc')),
  client_id                 text NOT NULL,
  client_secret_enc         text NOT NULL,
  issuer_url                text CHECK (type <> 'oidc' OR issuer_url IS NOT NULL),
  scopes                    text[] NOT NULL DEFAULT '{}',
  allow_sign_in             boolean NOT NULL DEFAULT true,
  allow_connected_accounts  boolean NOT NULL DEFAULT true,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, provider_id)
);

CREATE TABLE authsync.oauth_accounts (
  project_id                uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  provider_id               text NOT NULL,
  account_id                text NOT NULL,
  user_id                   uuid NOT NULL REFERENCES authsync.users (id) ON DELETE CASCADE,
  email                     text,
  email_verified            boolean NOT NULL DEFAULT false,
  allow_sign_in             boolean NOT NULL DEFAULT true,
  allow_connected_accounts  boolean NOT NULL DEFAULT true,
  access_token_enc          text,
  refresh_token_enc         text,
  access_token_expires_at   timestamptz,
  scopes                    text[] NOT NULL DEFAULT '{}',
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, provider_id, account_id)
);
CREATE INDEX oauth_accounts_user_idx ON authsync.oauth_accounts (user_id);
