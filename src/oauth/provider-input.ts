/**
 * Checking an OAuth provider's settings (`OAuthProviderInput`) before they are stored: the provider ID, the type and
 * its default, the issuer URL each type needs or refuses, the scopes. A mistake is an OAUTH_PROVIDER_INPUT error whose
 * message names the field, for the CLI, the dashboard and the API alike.
 */
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import type { OAuthProviderConfig, OAuthProviderInput, OAuthProviderType } from './provider-config.js';

/** The providers authsync knows the endpoints of; any other is an OpenID Connect server found by its issuer URL. */
export const BUILT_IN_PROVIDERS: readonly OAuthProviderType[] = ['google', 'github', 'microsoft'];

/** Provider settings the operator gave and must fix. */
export function oauthProviderInputError(message: string): AppError {
  return new AppError('OAUTH_PROVIDER_INPUT', 400, message);
}

const PROVIDER_ID = /^[a-z0-9-]{1,64}$/;
// A Microsoft tenant's issuer: the tenant's ID or domain, or `common`, `organizations`, `consumers`.
const MICROSOFT_ISSUER = /^https:\/\/login\.microsoftonline\.com\/[A-Za-z0-9.-]{1,100}\/v2\.0\/?$/;
// A scope is a run of printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3).
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

const inputSchema = z.object({
  providerId: z.string().regex(PROVIDER_ID, 'must be 1 to 64 characters: lower-case letters, digits and "-"'),
  type: z.enum(['google', 'github', 'microsoft', 'oidc'], 'must be one of google, github, microsoft, oidc').optional(),
  clientId: z.string().trim().min(1, 'must not be empty').max(1024, 'must have at most 1024 characters'),
  clientSecret: z.string().trim().min(1, 'must not be empty').max(4096, 'must have at most 4096 characters'),
  issuerUrl: z.string().trim().optional(),
  scopes: z
    .array(z.string().regex(SCOPE, 'must be printable characters without spaces or quotes').max(256, 'must have at most 256 characters'))
    .max(50, 'must be at most 50 scopes')
    .optional(),
  allowSignIn: z.boolean().optional(),
  allowConnectedAccounts: z.boolean().optional(),
});

const FIELD_NAMES: Record<string, string> = {
  providerId: 'provider ID',
  type: 'provider type',
  clientId: 'client ID',
  clientSecret: 'client secret',
  scopes: 'scope list',
};

/** https, or http to a loopback host (development and tests); no credentials, query or fragment. */
function checkIssuerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw oauthProviderInputError(`The issuer URL "${value}" is not a URL.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw oauthProviderInputError('An issuer URL must use https (http only for 127.0.0.1/localhost).');
  if (url.username || url.password) throw oauthProviderInputError('An issuer URL must not contain credentials.');
  if (url.search || url.hash) throw oauthProviderInputError('An issuer URL must not have a query or a fragment.');
  // Kept as written, not as the URL parser would write it: OpenID Connect compares it with the discovery document's
  // `issuer` character for character (`https://x.auth0.com/` has its slash, `https://accounts.google.com` none).
  return value;
}

/** The input, validated and with its defaults: what is stored. */
export function parseOAuthProviderInput(projectId: string, input: OAuthProviderInput): OAuthProviderConfig {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [name, index] = issue.path;
    const field =
      name === 'scopes' && typeof index === 'number'
        ? `scope "${String(input.scopes?.[index])}"`
        : (FIELD_NAMES[String(name)] ?? String(name ?? 'value'));
    throw oauthProviderInputError(
      issue.message.startsWith('must ') ? `The ${field} ${issue.message}.` : `The ${field} is not valid (${issue.message}).`,
    );
  }
  const value = parsed.data;
  const type =
    value.type ?? (BUILT_IN_PROVIDERS.includes(value.providerId as OAuthProviderType) ? (value.providerId as OAuthProviderType) : 'oidc');
  const issuer = value.issuerUrl === '' ? undefined : value.issuerUrl;
  if (type === 'oidc' && issuer === undefined)
    throw oauthProviderInputError(`The provider "${value.providerId}" is an OpenID Connect provider: give its issuer URL.`);
  if (type === 'microsoft' && issuer !== undefined && !MICROSOFT_ISSUER.test(issuer))
    throw oauthProviderInputError(
      'A Microsoft issuer URL names the tenant: https://login.microsoftonline.com/<tenant>/v2.0 (without one, the tenant is "consumers").',
    );
  if ((type === 'google' || type === 'github') && issuer !== undefined)
    throw oauthProviderInputError(
      `The ${type} provider has fixed endpoints: an issuer URL is only for OpenID Connect providers (and a Microsoft tenant).`,
    );
  return {
    projectId,
    providerId: value.providerId,
    type,
    clientId: value.clientId,
    clientSecret: value.clientSecret,
    issuerUrl: issuer === undefined ? null : checkIssuerUrl(issuer),
    scopes: [...new Set(value.scopes ?? [])],
    allowSignIn: value.allowSignIn ?? true,
    allowConnectedAccounts: value.allowConnectedAccounts ?? true,
  };
}
