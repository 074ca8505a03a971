/**
 * A project's OAuth providers (`authsync.oauth_providers`): which providers it offers, with the client ID and secret
 * the operator registered at each. The secret is sealed under the server secret (crypto/secret-box.ts) and opened
 * only here. The CLI (`authsync oauth providers`), the dashboard and the sign-in flow all go through these functions.
 */
import type { Queryable } from '../db/database.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { isProjectId } from '../projects/projects.js';
import { oauthProviderInputError, parseOAuthProviderInput } from './provider-input.js';

export type OAuthProviderType = 'google' | 'github' | 'microsoft' | 'oidc';

export interface OAuthProviderConfig {
  projectId: string;
  /** The ID in the SDK's `signInWithOAuth(id)` and in the callback URL. */
  providerId: string;
  type: OAuthProviderType;
  clientId: string;
  clientSecret: string;
  /**
   * The OpenID Connect issuer (discovery at `<issuer>/.well-known/openid-configuration`); for `microsoft`, the
   * tenant's issuer, or `null` for the default tenant; `null` for `google` and `github`.
   */
  issuerUrl: string | null;
  /** Asked for on top of the provider's base scopes. */
  scopes: string[];
  allowSignIn: boolean;
  allowConnectedAccounts: boolean;
}

export interface OAuthProviderInput {
  providerId: string;
  /** @default the provider ID if it names a built-in provider, else `'oidc'` */
  type?: OAuthProviderType;
  clientId: string;
  clientSecret: string;
  /**
   * Required for `oidc`. For `microsoft`, optionally the tenant's issuer, `https://login.microsoftonline.com/<tenant>/v2.0`
   * (@default tenant `consumers`). Refused for `google` and `github`.
   */
  issuerUrl?: string;
  /** @default [] */
  scopes?: string[];
  /** @default true */
  allowSignIn?: boolean;
  /** @default true */
  allowConnectedAccounts?: boolean;
}

/** The redirect URI to register at the provider: authsync's inner OAuth callback for this provider. */
export function oauthCallbackUrl(baseUrl: string, providerId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v1/auth/oauth/callback/${encodeURIComponent(providerId)}`;
}

interface ProviderRow {
  project_id: string;
  provider_id: string;
  type: OAuthProviderType;
  client_id: string;
  client_secret_enc: string;
  issuer_url: string | null;
  scopes: string[];
  allow_sign_in: boolean;
  allow_connected_accounts: boolean;
}

const COLUMNS = 'project_id, provider_id, type, client_id, client_secret_enc, issuer_url, scopes, allow_sign_in, allow_connected_accounts';

function toConfig(box: SecretBox, row: ProviderRow): OAuthProviderConfig {
  return {
    projectId: row.project_id,
    providerId: row.provider_id,
    type: row.type,
    clientId: row.client_id,
    clientSecret: box.open(row.client_secret_enc),
    issuerUrl: row.issuer_url,
    scopes: row.scopes,
    allowSignIn: row.allow_sign_in,
    allowConnectedAccounts: row.allow_connected_accounts,
  };
}

/** Adds a provider to a project, or replaces the settings of the one with the same ID. */
export async function addOAuthProvider(
  db: Queryable,
  box: SecretBox,
  projectId: string,
  input: OAuthProviderInput,
): Promise<OAuthProviderConfig> {
  const config = parseOAuthProviderInput(projectId, input);
  const project = !isProjectId(projectId) ? { rowCount: 0 } : await db.query('SELECT 1 FROM authsync.projects WHERE id = $1', [projectId]);
  if (project.rowCount === 0) throw oauthProviderInputError(`There is no project with the ID ${projectId}.`);
  await db.query(
    `INSERT INTO authsync.oauth_providers (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (project_id, provider_id) DO UPDATE SET type = excluded.type, client_id = excluded.client_id,
       client_secret_enc = excluded.client_secret_enc, issuer_url = excluded.issuer_url, scopes = excluded.scopes,
       allow_sign_in = excluded.allow_sign_in, allow_connected_accounts = excluded.allow_connected_accounts, updated_at = now()`,
    [
      projectId,
      config.providerId,
      config.type,
      config.clientId,
      box.seal(config.clientSecret),
      config.issuerUrl,
      config.scopes,
      config.allowSignIn,
      config.allowConnectedAccounts,
    ],
  );
  return config;
}

export async function listOAuthProviders(db: Queryable, box: SecretBox, projectId: string): Promise<OAuthProviderConfig[]> {
  if (!isProjectId(projectId)) return [];
  const { rows } = await db.query<ProviderRow>(
    `SELECT ${COLUMNS} FROM authsync.oauth_providers WHERE project_id = $1 ORDER BY provider_id`,
    [projectId],
  );
  return rows.map((row) => toConfig(box, row));
}

export async function getOAuthProvider(
  db: Queryable,
  box: SecretBox,
  projectId: string,
  providerId: string,
): Promise<OAuthProviderConfig | undefined> {
  if (!isProjectId(projectId)) return undefined;
  const { rows } = await db.query<ProviderRow>(
    `SELECT ${COLUMNS} FROM authsync.oauth_providers WHERE project_id = $1 AND provider_id = $2`,
    [projectId, providerId],
  );
  return rows[0] && toConfig(box, rows[0]);
}

/** The IDs of the providers a project offers for sign-in (GET /projects/current): no secret is opened. */
export async function listSignInProviderIds(db: Queryable, projectId: string): Promise<string[]> {
  if (!isProjectId(projectId)) return [];
  const { rows } = await db.query<{ provider_id: string }>(
    'SELECT provider_id FROM authsync.oauth_providers WHERE project_id = $1 AND allow_sign_in ORDER BY provider_id',
    [projectId],
  );
  return rows.map((row) => row.provider_id);
}

/** A provider as listed without its secret: the admin project object shows these. */
export interface OAuthProviderSummary {
  providerId: string;
  type: OAuthProviderType;
  clientId: string;
  allowSignIn: boolean;
}

/** A project's providers without their secrets (none is opened). */
export async function listOAuthProviderSummaries(db: Queryable, projectId: string): Promise<OAuthProviderSummary[]> {
  if (!isProjectId(projectId)) return [];
  const { rows } = await db.query<{ provider_id: string; type: OAuthProviderType; client_id: string; allow_sign_in: boolean }>(
    'SELECT provider_id, type, client_id, allow_sign_in FROM authsync.oauth_providers WHERE project_id = $1 ORDER BY provider_id',
    [projectId],
  );
  return rows.map((row) => ({ providerId: row.provider_id, type: row.type, clientId: row.client_id, allowSignIn: row.allow_sign_in }));
}

/** Removes a provider from a project; its users' provider accounts stay (adding it again brings them back). */
export async function removeOAuthProvider(db: Queryable, projectId: string, providerId: string): Promise<boolean> {
  if (!isProjectId(projectId)) return false;
  const { rowCount } = await db.query('DELETE FROM authsync.oauth_providers WHERE project_id = $1 AND provider_id = $2', [
    projectId,
    providerId,
  ]);
  return rowCount > 0;
}
