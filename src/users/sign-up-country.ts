/**
 * The country a sign-up records on the user (`country_code`): the request's, from its trusted proxy's geo header
 * (http/peer.ts). An anonymous user turned into a real account keeps the country it was made with, as on Stack.
 */
import type { UserRow } from './user-object.js';

export function signUpCountry(
  requestCountry: string | null | undefined,
  upgrading?: Pick<UserRow, 'country_code'> | null,
): { country_code?: string } {
  if (upgrading?.country_code) return {};
  return requestCountry ? { country_code: requestCountry } : {};
}
