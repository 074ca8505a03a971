/**
 * Every error of the catalogue decodes in the real SDK's own decoder (`KnownError.fromJson` of
 * @stackframe/stack-shared, at the oldest and newest supported versions): the code is known, the class is
 * rebuilt from `details` without a TypeError, and the status matches. Then the same for real responses.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { errors, type KnownError } from '../../src/errors/known-errors.js';
import { api, clientHeaders, serverHeaders, useTestServer } from '../helpers/server.js';
import { signUp, signWithProjectKey, decodePayload, withToken } from './support.js';

interface SdkKnownError {
  errorCode: string;
  statusCode: number;
  humanReadableMessage: string;
}
interface SdkKnownErrors {
  KnownError: { fromJson(json: unknown): SdkKnownError };
}

const require = createRequire(import.meta.url);
const decoders: Array<[string, SdkKnownErrors]> = ['stack-js-2839', 'stack-js-28108'].map((sdk) => [
  sdk,
  createRequire(require.resolve(sdk))('@stackframe/stack-shared/dist/known-errors') as SdkKnownErrors,
]);

/**
 * Codes that no SDK request can meet: every SDK from 2.8.39 on sends x-stack-allow-anonymous-user, which
 * also allows restricted users, so RESTRICTED_USER_NOT_ALLOWED only reaches plain HTTP clients.
 */
const NOT_FOR_SDK = new Set(['RESTRICTED_USER_NOT_ALLOWED']);

/**
 * Codes only newer SDKs know. OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE (2.8.102+) reaches an SDK only as the OAuth
 * callback's error redirect: 2.8.39–2.8.77 ignore that redirect (they look for `code` only), so they never decode it.
 * Elsewhere the API answers a text error instead. TEAM_INVITATION_RESTRICTED_USER_NOT_ALLOWED is Stack's answer to a
 * restricted user accepting an invitation: 2.8.39 meets it as an unknown code, as it does from Stack.
 */
const NEWER_SDK_ONLY = new Set(['OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE', 'TEAM_INVITATION_RESTRICTED_USER_NOT_ALLOWED']);

/**
 * 2.8.39's decoder calls toISOString() on the number Stack sends as `expired_at_millis` (2.8.51+ turn it into a date
 * first): it decodes only the form without a date. Stack sends the number, and so does authsync.
 */
const OLD_SDK_CANNOT_DECODE = (error: KnownError) =>
  error.code === 'ADMIN_ACCESS_TOKEN_EXPIRED' && error.details?.expired_at_millis !== null;

/** One instance of every error of the catalogue, with plausible arguments. */
function everyCatalogueError(): KnownError[] {
  const id = '3b241101-e2bb-4255-8caf-4136c566a962';
  return [
    errors.accessTypeRequired(),
    errors.projectKeyWithoutAccessType(),
    errors.invalidAccessType('root'),
    errors.accessTypeWithoutProjectId('client'),
    errors.currentProjectNotFound(id),
    errors.clientAuthenticationRequired(),
    errors.invalidPublishableClientKey(id),
    errors.serverAuthenticationRequired(),
    errors.invalidSecretServerKey(id),
    errors.adminAuthenticationRequired(),
    errors.invalidSuperSecretAdminKey(id),
    errors.insufficientAccessType('client', ['server', 'admin']),
    errors.unparsableAccessToken(),
    errors.accessTokenExpired({ expiredAtMillis: 1, projectId: id, userId: id, refreshTokenId: id }),
    errors.accessTokenExpired({ expiredAtMillis: null, projectId: null, userId: null, refreshTokenId: null }),
    errors.invalidProjectForAccessToken(id, id),
    errors.anonymousAuthenticationNotAllowed(),
    errors.restrictedUserNotAllowed('restricted_by_administrator'),
    errors.refreshTokenNotFoundOrExpired(),
    errors.cannotGetOwnUserWithoutUser(),
    errors.cannotDeleteCurrentSession(),
    errors.userAuthenticationRequired(),
    errors.userNotFound(),
    errors.userEmailAlreadyExists('a@example.com'),
    errors.emailPasswordMismatch(),
    errors.passwordTooShort(8),
    errors.passwordTooLong(70),
    errors.signUpNotEnabled(),
    errors.passwordAuthenticationNotEnabled(),
    errors.redirectUrlNotWhitelisted(),
    errors.multiFactorAuthenticationRequired('a'.repeat(45)),
    errors.invalidTotpCode(),
    errors.schemaError('bad'),
    errors.bodyParsingError('bad'),
    errors.invalidOAuthClientIdOrSecret(id),
    errors.branchDoesNotExist('dev'),
    errors.invalidAuthorizationCode(),
    errors.oauthProviderNotFoundOrNotEnabled(),
    errors.outerOAuthTimeout(),
    errors.oauthProviderAccessDenied(),
    errors.oauthProviderTemporarilyUnavailable(),
    errors.oauthConnectionAlreadyConnectedToAnotherUser(),
    errors.contactChannelAlreadyUsedForAuthBySomeoneElse('a@example.com', true),
    errors.oauthConnectionNotConnectedToUser(),
    errors.oauthConnectionDoesNotHaveRequiredScope(),
    errors.invalidScope('openid'),
    errors.verificationCodeNotFound(),
    errors.verificationCodeExpired(),
    errors.verificationCodeAlreadyUsed(),
    errors.verificationCodeMaxAttemptsReached(),
    errors.emailAlreadyVerified(),
    errors.emailIsNotPrimaryEmail('b@example.com', 'a@example.com'),
    errors.passwordConfirmationMismatch(),
    errors.userDoesNotHavePassword(),
    errors.userIdDoesNotExist(id),
    errors.teamNotFound(id),
    errors.teamMembershipNotFound(id, id),
    errors.teamMembershipAlreadyExists(),
    errors.teamInvitationRestrictedUserNotAllowed('email_not_verified'),
    errors.teamPermissionRequired(id, id, '$update_team'),
    errors.teamPermissionNotFound(id, id, 'team_admin'),
    errors.permissionNotFound('owner'),
    errors.wrongPermissionScope('owner', 'team', 'project'),
    errors.containedPermissionNotFound('owner'),
    errors.permissionIdAlreadyExists('owner'),
    errors.expectedInternalProject(),
    errors.unparsableAdminAccessToken(),
    errors.adminAccessTokenExpired(1),
    errors.adminAccessTokenExpired(null),
    errors.adminAccessTokenIsNotAdmin(),
    errors.apiKeyNotFound(),
  ];
}

describe('SDK error decoding', () => {
  it('the list above covers the whole catalogue', () => {
    const covered = new Set(everyCatalogueError().map((e) => e.code));
    const factories = Object.keys(errors);
    expect(covered.size).toBe(factories.length);
  });

  describe.each(decoders)('%s decoder', (sdkName, sdk) => {
    it('decodes every catalogue error to the same code and status', () => {
      for (const error of everyCatalogueError()) {
        if (NOT_FOR_SDK.has(error.code)) continue;
        if (sdkName === 'stack-js-2839' && (NEWER_SDK_ONLY.has(error.code) || OLD_SDK_CANNOT_DECODE(error))) continue;
        const body = JSON.parse(JSON.stringify(error.toBody())) as unknown;
        let decoded: SdkKnownError;
        try {
          decoded = sdk.KnownError.fromJson(body);
        } catch (cause) {
          throw new Error(`${error.code} does not decode: ${(cause as Error).message}`, { cause });
        }
        expect(decoded.errorCode, error.code).toBe(error.code);
        expect(decoded.statusCode, error.code).toBe(error.status);
      }
    });
  });

  it('words every message as Stack does: the newest SDK rebuilds the same text from the code and details', () => {
    const newest = decoders.find(([name]) => name === 'stack-js-28108')![1];
    const differences = everyCatalogueError().flatMap((error) => {
      const decoded = newest.KnownError.fromJson(JSON.parse(JSON.stringify(error.toBody())) as unknown);
      return error.message === decoded.humanReadableMessage
        ? []
        : [{ code: error.code, ours: error.message, sdk: decoded.humanReadableMessage }];
    });
    expect(differences).toEqual([]);
  });

  describe('real responses', () => {
    const t = useTestServer({ mode: 'postgres' });

    it('decode in both SDKs', async () => {
      const alice = await signUp(t);
      const expired = await signWithProjectKey(t, { ...decodePayload(alice.accessToken), exp: Math.floor(Date.now() / 1000) - 5 });
      const responses = [
        await api(t, 'GET', '/users/me', { headers: withToken(t, expired) }),
        await api(t, 'GET', '/users/me', { headers: withToken(t, 'garbage') }),
        await api(t, 'GET', '/users', { headers: clientHeaders(t) }),
        await api(t, 'GET', '/users/me', { headers: { 'x-stack-access-type': 'nope', 'x-stack-project-id': t.projectId } }),
        await api(t, 'POST', '/auth/password/sign-up', { body: { email: alice.email, password: 'correct horse battery' } }),
        await api(t, 'POST', '/auth/password/sign-up', { body: { email: 'x@example.com', password: 'p'.repeat(71) } }),
        await api(t, 'POST', '/auth/password/sign-up', { body: '{' }),
        await api(t, 'GET', '/users/nope', { headers: serverHeaders(t) }),
        await api(t, 'GET', '/users/me', { headers: serverHeaders(t, { 'x-stack-branch-id': 'dev' }) }),
      ];
      for (const res of responses) {
        const code = res.headers.get('x-stack-known-error');
        expect(code).toBe(res.json.code);
        for (const [, sdk] of decoders) {
          const decoded = sdk.KnownError.fromJson(res.json);
          expect(decoded.errorCode).toBe(code);
          expect(decoded.statusCode).toBe(res.status);
        }
      }
    });
  });
});
