/**
 * The error catalogue of the Stack API. Every error the API answers with is built here: known errors travel as
 * `{code, error, details}` with the `x-stack-known-error` header (the Stack SDK decodes them by code and
 * rebuilds them from `details`), other errors as plain text. Codes are limited to those the oldest supported
 * SDK knows. Both are kinds of AppError; handlers throw, `api/respond.ts` turns the error into a response.
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

const known = (code: string, status: number, message: string, details?: Record<string, unknown>) =>
  new KnownError(code, status, message, details);

export const errors = {
  accessTypeRequired: () => known('ACCESS_TYPE_REQUIRED', 400, 'This endpoint needs an access type: set the x-stack-access-type header.'),
  projectKeyWithoutAccessType: () =>
    known('PROJECT_KEY_WITHOUT_ACCESS_TYPE', 400, 'A project key was sent without an access type: set the x-stack-access-type header.'),
  invalidAccessType: (accessType: string) =>
    known('INVALID_ACCESS_TYPE', 400, `The access type "${accessType}" is not one of client, server or admin.`, { accessType }),
  accessTypeWithoutProjectId: (accessType: string) =>
    known('ACCESS_TYPE_WITHOUT_PROJECT_ID', 400, 'An access type was sent without a project ID: set the x-stack-project-id header.', {
      request_type: accessType,
    }),
  currentProjectNotFound: (projectId: string) =>
    known('CURRENT_PROJECT_NOT_FOUND', 400, `The project "${projectId}" does not exist.`, { project_id: projectId }),
  clientAuthenticationRequired: () =>
    known('CLIENT_AUTHENTICATION_REQUIRED', 401, 'Client access needs the publishable client key (x-stack-publishable-client-key).'),
  invalidPublishableClientKey: (projectId: string) =>
    known('INVALID_PUBLISHABLE_CLIENT_KEY', 401, 'The publishable client key is not valid for this project.', { project_id: projectId }),
  serverAuthenticationRequired: () =>
    known('SERVER_AUTHENTICATION_REQUIRED', 401, 'Server access needs the secret server key (x-stack-secret-server-key).'),
  invalidSecretServerKey: (projectId: string) =>
    known('INVALID_SECRET_SERVER_KEY', 401, 'The secret server key is not valid for this project.', { project_id: projectId }),
  adminAuthenticationRequired: () =>
    known('ADMIN_AUTHENTICATION_REQUIRED', 401, 'Admin access needs the super secret admin key (x-stack-super-secret-admin-key).'),
  invalidSuperSecretAdminKey: (projectId: string) =>
    known('INVALID_SUPER_SECRET_ADMIN_KEY', 401, 'The super secret admin key is not valid for this project.', { project_id: projectId }),
  insufficientAccessType: (actual: AccessType, allowed: readonly AccessType[]) =>
    known('INSUFFICIENT_ACCESS_TYPE', 401, `This endpoint needs ${allowed.join(' or ')} access; the request has ${actual} access.`, {
      actual_access_type: actual,
      allowed_access_types: [...allowed],
    }),
  unparsableAccessToken: () => known('UNPARSABLE_ACCESS_TOKEN', 401, 'The access token is not valid.'),
  accessTokenExpired: (details: {
    expiredAtMillis: number | null;
    projectId: string | null;
    userId: string | null;
    refreshTokenId: string | null;
  }) =>
    known('ACCESS_TOKEN_EXPIRED', 401, 'The access token has expired. Refresh it and try again.', {
      expired_at_millis: details.expiredAtMillis,
      project_id: details.projectId,
      user_id: details.userId,
      refresh_token_id: details.refreshTokenId,
    }),
  invalidProjectForAccessToken: (expected: string, actual: string) =>
    known('INVALID_PROJECT_FOR_ACCESS_TOKEN', 401, 'The access token belongs to another project.', {
      expected_project_id: expected,
      actual_project_id: actual,
    }),
  anonymousAuthenticationNotAllowed: () =>
    known(
      'ANONYMOUS_AUTHENTICATION_NOT_ALLOWED',
      401,
      'This request carries an anonymous user’s token, but anonymous users are not allowed here.',
    ),
  restrictedUserNotAllowed: () => known('RESTRICTED_USER_NOT_ALLOWED', 403, 'The user is restricted and may not use this endpoint.'),
  refreshTokenNotFoundOrExpired: () =>
    known('REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401, 'The refresh token does not exist, has expired or was revoked.'),
  cannotGetOwnUserWithoutUser: () =>
    known('CANNOT_GET_OWN_USER_WITHOUT_USER', 400, 'There is no signed-in user: send the user’s access token (x-stack-access-token).'),
  userAuthenticationRequired: () => known('USER_AUTHENTICATION_REQUIRED', 401, 'This endpoint needs a signed-in user.'),
  userNotFound: () => known('USER_NOT_FOUND', 404, 'No user with this ID exists in the project.'),
  userEmailAlreadyExists: (email: string, wouldWorkIfEmailWasVerified = false) =>
    known('USER_EMAIL_ALREADY_EXISTS', 409, `A user with the e-mail "${email}" already exists.`, {
      email,
      would_work_if_email_was_verified: wouldWorkIfEmailWasVerified,
    }),
  emailPasswordMismatch: () => known('EMAIL_PASSWORD_MISMATCH', 400, 'Wrong e-mail or password.'),
  passwordTooShort: (minLength: number) =>
    known('PASSWORD_TOO_SHORT', 400, `The password must be at least ${minLength} characters long.`, { min_length: minLength }),
  passwordTooLong: (maxLength: number) =>
    known('PASSWORD_TOO_LONG', 400, `The password must be at most ${maxLength} characters long.`, { maxLength }),
  signUpNotEnabled: () => known('SIGN_UP_NOT_ENABLED', 400, 'Sign-up is disabled in this project.'),
  passwordAuthenticationNotEnabled: () =>
    known('PASSWORD_AUTHENTICATION_NOT_ENABLED', 400, 'Password authentication is disabled in this project.'),
  redirectUrlNotWhitelisted: () =>
    known('REDIRECT_URL_NOT_WHITELISTED', 400, 'The redirect URL is not on a trusted domain of this project.'),
  schemaError: (message: string) => known('SCHEMA_ERROR', 400, message, { message }),
  bodyParsingError: (message: string, status = 400) => known('BODY_PARSING_ERROR', status, message, { message }),
  invalidOAuthClientIdOrSecret: (clientId: string | null) =>
    known('INVALID_OAUTH_CLIENT_ID_OR_SECRET', 400, 'The OAuth client ID or secret is not valid.', { client_id: clientId }),
  invalidAuthorizationCode: () =>
    known(
      'INVALID_AUTHORIZATION_CODE',
      400,
      'The authorization code is not valid: unknown, already used, expired, or its verifier is wrong.',
    ),
  oauthProviderNotFoundOrNotEnabled: () =>
    known('OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED', 400, 'This OAuth provider is not configured or not enabled for the project.'),
  outerOAuthTimeout: () => known('OUTER_OAUTH_TIMEOUT', 408, 'The sign-in took too long. Please try again.'),
  oauthProviderAccessDenied: () => known('OAUTH_PROVIDER_ACCESS_DENIED', 400, 'The OAuth provider denied access.'),
  oauthProviderTemporarilyUnavailable: () =>
    known('OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE', 503, 'The OAuth provider could not be reached. Please try again later.'),
  oauthConnectionAlreadyConnectedToAnotherUser: () =>
    known('OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER', 409, 'This provider account is already connected to another user.'),
  contactChannelAlreadyUsedForAuthBySomeoneElse: (email: string, wouldWorkIfEmailWasVerified: boolean) =>
    known(
      'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE',
      409,
      `This email "(${email})" is already used for authentication by another account.`,
      { type: 'email', contact_channel_value: email, would_work_if_email_was_verified: wouldWorkIfEmailWasVerified },
    ),
  oauthConnectionNotConnectedToUser: () =>
    known('OAUTH_CONNECTION_NOT_CONNECTED_TO_USER', 400, 'The user has no account at this OAuth provider that apps may use.'),
  oauthConnectionDoesNotHaveRequiredScope: () =>
    known(
      'OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE',
      400,
      'The OAuth connection does not have the required scope, or its token can no longer be refreshed.',
    ),
  invalidScope: (scope: string) => known('INVALID_SCOPE', 400, `The scope "${scope}" is not a valid OAuth scope.`, { scope }),
  verificationCodeNotFound: () => known('VERIFICATION_CODE_NOT_FOUND', 404, 'The verification code does not exist for this project.'),
  verificationCodeExpired: () => known('VERIFICATION_CODE_EXPIRED', 400, 'The verification code has expired.'),
  verificationCodeAlreadyUsed: () => known('VERIFICATION_CODE_ALREADY_USED', 409, 'The verification code has already been used.'),
  verificationCodeMaxAttemptsReached: () =>
    known('VERIFICATION_CODE_MAX_ATTEMPTS_REACHED', 400, 'Too many attempts were made with this code; request a new one.'),
  emailAlreadyVerified: () => known('EMAIL_ALREADY_VERIFIED', 409, 'The e-mail is already verified.'),
  emailIsNotPrimaryEmail: (email: string, primaryEmail: string | null) =>
    known('EMAIL_IS_NOT_PRIMARY_EMAIL', 400, `The e-mail "${email}" is not the user's primary e-mail.`, {
      email,
      primary_email: primaryEmail,
    }),
  passwordConfirmationMismatch: () => known('PASSWORD_CONFIRMATION_MISMATCH', 400, 'The current password is not right.'),
  userDoesNotHavePassword: () => known('USER_DOES_NOT_HAVE_PASSWORD', 400, 'This user has no password; set one first.'),
  userIdDoesNotExist: (userId: string) =>
    known('USER_ID_DOES_NOT_EXIST', 400, `The user with the ID ${userId} does not exist.`, { user_id: userId }),
  teamNotFound: (teamId: string) => known('TEAM_NOT_FOUND', 404, `Team ${teamId} not found.`, { team_id: teamId }),
  teamMembershipNotFound: (teamId: string, userId: string) =>
    known('TEAM_MEMBERSHIP_NOT_FOUND', 404, `User ${userId} is not found in team ${teamId}.`, { team_id: teamId, user_id: userId }),
  teamMembershipAlreadyExists: () => known('TEAM_MEMBERSHIP_ALREADY_EXISTS', 409, 'The user is already a member of this team.'),
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
  branchDoesNotExist: (branchId: string) =>
    known('BRANCH_DOES_NOT_EXIST', 400, `The branch "${branchId}" does not exist.`, { branch_id: branchId }),
} as const;
