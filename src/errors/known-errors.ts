/**
 * The error catalogue of the Stack API. Every error the API answers with is built here: known errors travel as
 * `{code, error, details}` with the `x-stack-known-error` header (the Stack SDK decodes them by code and
 * rebuilds them from `details`), other errors as plain text. Codes are limited to those the oldest supported
 * SDK knows; messages are Stack's, byte for byte (apps and test suites compare them). Both are kinds of AppError; handlers throw, `api/respond.ts` turns the error into a response.
 */
import { AppError, type AppErrorOptions } from './app-error.js';

export type AccessType = 'client' | 'server' | 'admin';

/** A Stack known error: its code is one the SDK decodes, its details are Stack's. */
export class KnownError extends AppError {
  constructor(
    code: string,
    status: number,
    message: string,
    /** Omitted from the body only for codes that carry no details. */
    details?: Record<string, unknown>,
  ) {
    super(code, status, message, details === undefined ? {} : { details });
    this.name = 'KnownError';
  }

  toBody(): Record<string, unknown> {
    return this.details === undefined
      ? { code: this.code, error: this.message }
      : { code: this.code, details: this.details, error: this.message };
  }
}

/**
 * An error answered as plain text, as the real server does for errors that are not known errors. Its code is
 * authsync's own and never goes on the wire (the SDK would take an unknown code for an outdated SDK).
 */
export class TextError extends AppError {
  constructor(code: string, status: number, message: string, options: Omit<AppErrorOptions, 'details'> = {}) {
    super(code, status, message, options);
    this.name = 'TextError';
  }
}

const REST_API_DOCS =
  'For more information, see the docs on REST API authentication: https://docs.stack-auth.com/rest-api/overview#authentication';

/** Stack's addition to an e-mail conflict that signing in with the other method and verifying the e-mail would resolve. */
const NOT_VERIFIED_HINT =
  ' but the email is not verified. Please login to your existing account with the method you used to sign up, and then verify your email to sign in with this login method.';

/** Why a restricted user is restricted, as Stack names it. */
export type RestrictedReason = 'anonymous' | 'email_not_verified' | 'restricted_by_administrator';

interface ExpiredTokenDetails {
  expiredAtMillis: number | null;
  projectId: string | null;
  userId: string | null;
  refreshTokenId: string | null;
}

function accessTokenExpiredMessage(d: ExpiredTokenDetails): string {
  const at = d.expiredAtMillis === null ? '' : ` (The access token expired at ${new Date(d.expiredAtMillis).toISOString()}.)`;
  const project = d.projectId ? ` Project ID: ${d.projectId}.` : '';
  const user = d.userId ? ` User ID: ${d.userId}.` : '';
  const refresh = d.refreshTokenId ? ` Refresh token ID: ${d.refreshTokenId}.` : '';
  return (
    `Access token has expired. Please refresh it and try again.${at}${project}${user}${refresh}\n\n` +
    "Debug info: Most likely, you fetched the access token before it expired (for example, in a server component, pre-rendered page, or on page load), but then didn't refresh it before it expired. If this is the case, and you're using the SDK, make sure you call getAccessToken() every time you need to use the access token. If you're not using the SDK, make sure you refresh the access token with the refresh endpoint."
  );
}

const known = (code: string, status: number, message: string, details?: Record<string, unknown>) =>
  new KnownError(code, status, message, details);

export const errors = {
  accessTypeRequired: () =>
    known(
      'ACCESS_TYPE_REQUIRED',
      400,
      `You must specify an access level for this Stack project. Make sure project API keys are provided (eg. x-stack-publishable-client-key) and you set the x-stack-access-type header to 'client', 'server', or 'admin'.\n\n${REST_API_DOCS}`,
    ),
  projectKeyWithoutAccessType: () =>
    known(
      'PROJECT_KEY_WITHOUT_ACCESS_TYPE',
      400,
      "Either an API key or an admin access token was provided, but the x-stack-access-type header is missing. Set it to 'client', 'server', or 'admin' as appropriate.",
    ),
  invalidAccessType: (accessType: string) =>
    known('INVALID_ACCESS_TYPE', 400, `The x-stack-access-type header must be 'client', 'server', or 'admin', but was '${accessType}'.`, {
      accessType,
    }),
  accessTypeWithoutProjectId: (accessType: string) =>
    known(
      'ACCESS_TYPE_WITHOUT_PROJECT_ID',
      400,
      `The x-stack-access-type header was '${accessType}', but the x-stack-project-id header was not provided.\n\n${REST_API_DOCS}`,
      {
        request_type: accessType,
      },
    ),
  currentProjectNotFound: (projectId: string) =>
    known(
      'CURRENT_PROJECT_NOT_FOUND',
      400,
      `The current project with ID ${projectId} was not found. Please check the value of the x-stack-project-id header.`,
      { project_id: projectId },
    ),
  clientAuthenticationRequired: () => known('CLIENT_AUTHENTICATION_REQUIRED', 401, 'The publishable client key must be provided.'),
  invalidPublishableClientKey: (projectId: string) =>
    known(
      'INVALID_PUBLISHABLE_CLIENT_KEY',
      401,
      `The publishable key is not valid for the project ${JSON.stringify(projectId)}. Does the project and/or the key exist?`,
      { project_id: projectId },
    ),
  serverAuthenticationRequired: () => known('SERVER_AUTHENTICATION_REQUIRED', 401, 'The secret server key must be provided.'),
  invalidSecretServerKey: (projectId: string) =>
    known(
      'INVALID_SECRET_SERVER_KEY',
      401,
      `The secret server key is not valid for the project ${JSON.stringify(projectId)}. Does the project and/or the key exist?`,
      { project_id: projectId },
    ),
  adminAuthenticationRequired: () => known('ADMIN_AUTHENTICATION_REQUIRED', 401, 'The super secret admin key must be provided.'),
  invalidSuperSecretAdminKey: (projectId: string) =>
    known(
      'INVALID_SUPER_SECRET_ADMIN_KEY',
      401,
      `The super secret admin key is not valid for the project ${JSON.stringify(projectId)}. Does the project and/or the key exist?`,
      { project_id: projectId },
    ),
  insufficientAccessType: (actual: AccessType, allowed: readonly AccessType[]) =>
    known(
      'INSUFFICIENT_ACCESS_TYPE',
      401,
      `The x-stack-access-type header must be ${allowed.map((type) => `'${type}'`).join(' or ')}, but was '${actual}'.`,
      {
        actual_access_type: actual,
        allowed_access_types: [...allowed],
      },
    ),
  unparsableAccessToken: () => known('UNPARSABLE_ACCESS_TOKEN', 401, 'Access token is not parsable.'),
  accessTokenExpired: (details: ExpiredTokenDetails) =>
    known('ACCESS_TOKEN_EXPIRED', 401, accessTokenExpiredMessage(details), {
      expired_at_millis: details.expiredAtMillis,
      project_id: details.projectId,
      user_id: details.userId,
      refresh_token_id: details.refreshTokenId,
    }),
  invalidProjectForAccessToken: (expected: string, actual: string) =>
    known(
      'INVALID_PROJECT_FOR_ACCESS_TOKEN',
      401,
      `Access token not valid for this project. Expected project ID ${JSON.stringify(expected)}, but the token is for project ID ${JSON.stringify(actual)}.`,
      {
        expected_project_id: expected,
        actual_project_id: actual,
      },
    ),
  anonymousAuthenticationNotAllowed: () =>
    known(
      'ANONYMOUS_AUTHENTICATION_NOT_ALLOWED',
      401,
      "X-Stack-Access-Token is for an anonymous user, but anonymous users are not enabled. Set the X-Stack-Allow-Anonymous-User header of this request to 'true' to allow anonymous users.",
    ),
  restrictedUserNotAllowed: (reason: RestrictedReason) =>
    known(
      'RESTRICTED_USER_NOT_ALLOWED',
      403,
      `The user in the access token is in restricted state. Reason: ${reason}. Please pass the X-Stack-Allow-Restricted-User header if this is intended.`,
      { restricted_reason: { type: reason } },
    ),
  refreshTokenNotFoundOrExpired: () =>
    known('REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401, 'Refresh token not found for this project, or the session has expired/been revoked.'),
  cannotGetOwnUserWithoutUser: () =>
    known('CANNOT_GET_OWN_USER_WITHOUT_USER', 400, "You have specified 'me' as a userId, but did not provide authentication for a user."),
  cannotDeleteCurrentSession: () => known('CANNOT_DELETE_CURRENT_SESSION', 400, 'Cannot delete the current session.'),
  userAuthenticationRequired: () => known('USER_AUTHENTICATION_REQUIRED', 401, 'User authentication required for this endpoint.'),
  userNotFound: () => known('USER_NOT_FOUND', 404, 'User not found.'),
  userEmailAlreadyExists: (email: string, wouldWorkIfEmailWasVerified = false) =>
    known(
      'USER_EMAIL_ALREADY_EXISTS',
      409,
      `A user with email ${JSON.stringify(email)} already exists${wouldWorkIfEmailWasVerified ? NOT_VERIFIED_HINT : '.'}`,
      {
        email,
        would_work_if_email_was_verified: wouldWorkIfEmailWasVerified,
      },
    ),
  emailPasswordMismatch: () => known('EMAIL_PASSWORD_MISMATCH', 400, 'Wrong e-mail or password.'),
  passwordTooShort: (minLength: number) =>
    known('PASSWORD_TOO_SHORT', 400, `Password too short. Minimum length is ${minLength}.`, { min_length: minLength }),
  passwordTooLong: (maxLength: number) =>
    known('PASSWORD_TOO_LONG', 400, `Password too long. Maximum length is ${maxLength}.`, { maxLength }),
  signUpNotEnabled: () =>
    known(
      'SIGN_UP_NOT_ENABLED',
      400,
      'Creation of new accounts is not enabled for this project. Please ask the project owner to enable it.',
    ),
  passwordAuthenticationNotEnabled: () =>
    known('PASSWORD_AUTHENTICATION_NOT_ENABLED', 400, 'Password authentication is not enabled for this project.'),
  redirectUrlNotWhitelisted: () =>
    known(
      'REDIRECT_URL_NOT_WHITELISTED',
      400,
      'Redirect URL not whitelisted. Did you forget to add this domain to the trusted domains list on the Stack Auth dashboard?',
    ),
  multiFactorAuthenticationRequired: (attemptCode: string) =>
    known('MULTI_FACTOR_AUTHENTICATION_REQUIRED', 400, 'Multi-factor authentication is required for this user.', {
      attempt_code: attemptCode,
    }),
  invalidTotpCode: () => known('INVALID_TOTP_CODE', 400, 'The TOTP code is invalid. Please try again.'),
  schemaError: (message: string) => known('SCHEMA_ERROR', 400, message, { message }),
  bodyParsingError: (message: string, status = 400) => known('BODY_PARSING_ERROR', status, message, { message }),
  invalidOAuthClientIdOrSecret: (clientId: string | null) =>
    known(
      'INVALID_OAUTH_CLIENT_ID_OR_SECRET',
      400,
      'The OAuth client ID or secret is invalid. The client ID must be equal to the project ID (potentially with a hash and a branch ID), and the client secret must be a publishable client key.',
      { client_id: clientId },
    ),
  invalidAuthorizationCode: () => known('INVALID_AUTHORIZATION_CODE', 400, 'The given authorization code is invalid.'),
  oauthProviderNotFoundOrNotEnabled: () =>
    known('OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED', 400, 'The OAuth provider is not found or not enabled.'),
  outerOAuthTimeout: () => known('OUTER_OAUTH_TIMEOUT', 408, 'The OAuth flow has timed out. Please sign in again.'),
  oauthProviderAccessDenied: () => known('OAUTH_PROVIDER_ACCESS_DENIED', 400, 'The OAuth provider denied access to the user.'),
  oauthProviderTemporarilyUnavailable: () =>
    known('OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE', 503, 'The OAuth provider is temporarily unavailable. Please try again later.'),
  oauthConnectionAlreadyConnectedToAnotherUser: () =>
    known('OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER', 409, 'The OAuth connection is already connected to another user.'),
  contactChannelAlreadyUsedForAuthBySomeoneElse: (email: string, wouldWorkIfEmailWasVerified: boolean) =>
    known(
      'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE',
      409,
      `This email "(${email})" is already used for authentication by another account${wouldWorkIfEmailWasVerified ? NOT_VERIFIED_HINT : '.'}`,
      { type: 'email', contact_channel_value: email, would_work_if_email_was_verified: wouldWorkIfEmailWasVerified },
    ),
  oauthConnectionNotConnectedToUser: () =>
    known('OAUTH_CONNECTION_NOT_CONNECTED_TO_USER', 400, 'The OAuth connection is not connected to any user.'),
  oauthConnectionDoesNotHaveRequiredScope: () =>
    known('OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE', 400, 'The OAuth connection does not have the required scope.'),
  invalidScope: (scope: string) => known('INVALID_SCOPE', 400, `The scope "${scope}" is not a valid OAuth scope for Stack.`, { scope }),
  verificationCodeNotFound: () => known('VERIFICATION_CODE_NOT_FOUND', 404, 'The verification code does not exist for this project.'),
  verificationCodeExpired: () => known('VERIFICATION_CODE_EXPIRED', 400, 'The verification code has expired.'),
  verificationCodeAlreadyUsed: () => known('VERIFICATION_CODE_ALREADY_USED', 409, 'The verification link has already been used.'),
  verificationCodeMaxAttemptsReached: () =>
    known(
      'VERIFICATION_CODE_MAX_ATTEMPTS_REACHED',
      400,
      'The verification code nonce has reached the maximum number of attempts. This code is not valid anymore.',
    ),
  emailAlreadyVerified: () => known('EMAIL_ALREADY_VERIFIED', 409, 'The e-mail is already verified.'),
  emailIsNotPrimaryEmail: (email: string, primaryEmail: string | null) =>
    known('EMAIL_IS_NOT_PRIMARY_EMAIL', 400, `The given e-mail (${email}) must equal the user's primary e-mail (${primaryEmail}).`, {
      email,
      primary_email: primaryEmail,
    }),
  passwordConfirmationMismatch: () => known('PASSWORD_CONFIRMATION_MISMATCH', 400, 'Passwords do not match.'),
  userDoesNotHavePassword: () => known('USER_DOES_NOT_HAVE_PASSWORD', 400, 'This user does not have password authentication enabled.'),
  userIdDoesNotExist: (userId: string) =>
    known('USER_ID_DOES_NOT_EXIST', 400, `The given user with the ID ${userId} does not exist.`, { user_id: userId }),
  teamNotFound: (teamId: string) => known('TEAM_NOT_FOUND', 404, `Team ${teamId} not found.`, { team_id: teamId }),
  teamMembershipNotFound: (teamId: string, userId: string) =>
    known('TEAM_MEMBERSHIP_NOT_FOUND', 404, `User ${userId} is not found in team ${teamId}.`, { team_id: teamId, user_id: userId }),
  teamMembershipAlreadyExists: () => known('TEAM_MEMBERSHIP_ALREADY_EXISTS', 409, 'Team membership already exists.'),
  teamInvitationRestrictedUserNotAllowed: (reason: RestrictedReason) =>
    known(
      'TEAM_INVITATION_RESTRICTED_USER_NOT_ALLOWED',
      403,
      `Restricted users cannot accept team invitations. Reason: ${reason}. Please complete the onboarding process before accepting team invitations.`,
      { restricted_reason: { type: reason } },
    ),
  teamPermissionRequired: (teamId: string, userId: string, permissionId: string) =>
    known('TEAM_PERMISSION_REQUIRED', 401, `User ${userId} does not have permission ${permissionId} in team ${teamId}.`, {
      team_id: teamId,
      user_id: userId,
      permission_id: permissionId,
    }),
  teamPermissionNotFound: (teamId: string, userId: string, permissionId: string) =>
    known('TEAM_PERMISSION_NOT_FOUND', 401, `User ${userId} does not have permission ${permissionId} in team ${teamId}.`, {
      team_id: teamId,
      user_id: userId,
      permission_id: permissionId,
    }),
  permissionNotFound: (permissionId: string) =>
    known('PERMISSION_NOT_FOUND', 404, `Permission "${permissionId}" not found. Make sure you created it on the dashboard.`, {
      permission_id: permissionId,
    }),
  wrongPermissionScope: (permissionId: string, expectedScope: 'team' | 'project', actualScope: 'team' | 'project') =>
    known(
      'WRONG_PERMISSION_SCOPE',
      404,
      `Permission ${JSON.stringify(permissionId)} not found. (It was found for a different scope ${JSON.stringify(actualScope)}, but scope ${JSON.stringify(expectedScope)} was expected.)`,
      { permission_id: permissionId, expected_scope: expectedScope, actual_scope: actualScope },
    ),
  containedPermissionNotFound: (permissionId: string) =>
    known(
      'CONTAINED_PERMISSION_NOT_FOUND',
      400,
      `Contained permission with ID "${permissionId}" not found. Make sure you created it on the dashboard.`,
      { permission_id: permissionId },
    ),
  permissionIdAlreadyExists: (permissionId: string) =>
    known('PERMISSION_ID_ALREADY_EXISTS', 400, `Permission with ID "${permissionId}" already exists. Choose a different ID.`, {
      permission_id: permissionId,
    }),
  branchDoesNotExist: (branchId: string) =>
    known('BRANCH_DOES_NOT_EXIST', 400, `The branch with ID ${branchId} does not exist.`, { branch_id: branchId }),
  expectedInternalProject: () => known('EXPECTED_INTERNAL_PROJECT', 401, 'The project ID is expected to be internal.'),
  unparsableAdminAccessToken: () => known('UNPARSABLE_ADMIN_ACCESS_TOKEN', 401, 'Admin access token is not parsable.'),
  /** SDK 2.8.39 cannot decode a number here (2.8.51+ can): Stack sends one, and so does authsync. */
  adminAccessTokenExpired: (expiredAtMillis: number | null) =>
    known(
      'ADMIN_ACCESS_TOKEN_EXPIRED',
      401,
      `Admin access token has expired. Please refresh it and try again.${expiredAtMillis === null ? '' : ` (The access token expired at ${new Date(expiredAtMillis).toISOString()}.)`}`,
      { expired_at_millis: expiredAtMillis },
    ),
  adminAccessTokenIsNotAdmin: () =>
    known('ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN', 401, 'Admin access token does not have the required permissions to access this project.'),
  apiKeyNotFound: () => known('API_KEY_NOT_FOUND', 404, 'API key not found.'),
} as const;
