-- External JWKS providers whose tokens a project's /sql endpoint accepts, in addition to the project's own keys
-- (Clerk, Auth0, Keycloak, …). audience: when set, a token's aud must contain it (needed where one JWKS URL serves
-- many tenants, e.g. Firebase).
CREATE TABLE authsync.rls_providers (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  jwks_url    text NOT NULL,
  audience    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, jwks_url)
);
