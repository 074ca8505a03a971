/** What every provider client gives the sign-in flow, whatever the provider's protocol. */
import type * as oauth from 'oauth4webapi';

/** The user as the provider describes them; `emailVerified` is only true when the provider vouches for it. */
export interface ProviderProfile {
  accountId: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string | null;
  profileImageUrl: string | null;
}

/** The provider's tokens, kept (sealed) for connected accounts; never logged, never sent to the SDK. */
export interface ProviderTokens {
  accessToken: string;
  refreshToken: string | null;
  /** When the access token expires; null when the provider does not say. */
  expiresAt: Date | null;
  scope: string | null;
}

/** One provider's protocol: where its endpoints are, what it asks for, and how it reads the profile. */
export interface ProviderProtocol {
  /** The authorization server's metadata (built in, or from OIDC discovery). */
  server(): Promise<oauth.AuthorizationServer>;
  /** Scopes always requested. */
  baseScopes: readonly string[];
  /** Extra parameters of the authorization request (Google's access_type=offline...). */
  authorizationParams: Readonly<Record<string, string>>;
  /** Reads the profile once the code is exchanged. */
  profile(server: oauth.AuthorizationServer, client: oauth.Client, tokens: oauth.TokenEndpointResponse): Promise<ProviderProfile>;
}
