/** Every endpoint of the Stack-compatible API, in match order (`/users/me` before `/users/:user_id`). */
import type { Endpoint } from '../endpoint.js';
import { anonymousSignUp } from './auth-anonymous.js';
import { oauthAuthorize, oauthCallbackGet, oauthCallbackPost } from './auth-oauth.js';
import { oauthToken } from './auth-oauth-token.js';
import { passwordSignIn, passwordSignUp } from './auth-password.js';
import { passwordSet, passwordUpdate } from './auth-password-change.js';
import { passwordReset, passwordResetCheckCode, passwordSendResetCode } from './auth-password-reset.js';
import { mfaSignIn } from './auth-mfa.js';
import { otpSendSignInCode, otpSignIn, otpSignInCheckCode } from './auth-otp.js';
import { createServerSession, listUserSessions, refreshCurrentSession, revokeSession, signOut } from './auth-sessions.js';
import {
  createContactChannelEndpoint,
  deleteContactChannelEndpoint,
  getContactChannelEndpoint,
  listContactChannelsEndpoint,
  sendContactChannelVerificationCode,
  sendPrimaryEmailVerificationCode,
  updateContactChannelEndpoint,
  verifyContactChannel,
  verifyContactChannelCheckCode,
} from './contact-channels.js';
import { connectedAccountAccessToken, connectedAccountAccessTokenByAccount, listConnectedAccountsOfMe } from './connected-accounts.js';
import {
  deleteOAuthProviderAccount,
  getOAuthProviderAccount,
  listOAuthProviderAccounts,
  updateOAuthProviderAccount,
} from './oauth-providers.js';
import { createApiKeySetEndpoint, listApiKeySetsEndpoint, updateApiKeySetEndpoint } from './internal-api-keys.js';
import {
  getConfigOverrideEndpoint,
  getConfigSourceEndpoint,
  getRenderedConfigEndpoint,
  patchConfigOverrideEndpoint,
  patchEnvironmentOverrideEndpoint,
  putConfigOverrideEndpoint,
  resetConfigOverrideKeysEndpoint,
  unlinkConfigSourceEndpoint,
} from './internal-config.js';
import {
  createInternalProjectEndpoint,
  deleteCurrentAdminProjectEndpoint,
  getCurrentAdminProjectEndpoint,
  listInternalProjectsEndpoint,
  updateCurrentAdminProjectEndpoint,
} from './internal-projects.js';
import { anonymousUsersJwks, currentProject, projectJwks, restrictedUsersJwks } from './projects.js';
import { apiIndex, apiIndexSlash } from './index-route.js';
import { internalMetricsEndpoint } from './internal-metrics.js';
import { analyticsBatch } from './stubs.js';
import {
  acceptReceivedInvitationEndpoint,
  acceptTeamInvitationEndpoint,
  checkTeamInvitationEndpoint,
  listTeamInvitationsEndpoint,
  revokeTeamInvitationEndpoint,
  sendTeamInvitationEndpoint,
  teamInvitationDetailsEndpoint,
} from './team-invitations.js';
import { addTeamMembershipEndpoint, removeTeamMembershipEndpoint } from './team-memberships.js';
import { getTeamMemberProfileEndpoint, listTeamMemberProfilesEndpoint, updateTeamMemberProfileEndpoint } from './team-member-profiles.js';
import { grantTeamPermissionEndpoint, listTeamPermissionsEndpoint, revokeTeamPermissionEndpoint } from './team-permissions.js';
import { projectPermissionDefinitionEndpoints, teamPermissionDefinitionEndpoints } from './team-permission-definitions.js';
import { createTeamEndpoint, deleteTeamEndpoint, getTeamEndpoint, listTeamsEndpoint, updateTeamEndpoint } from './teams.js';
import { deleteMe, getMe, updateMe } from './users-me.js';
import { createUser, deleteUser, getUser, listUsers, updateUser } from './users.js';
import { eraseUserEndpoint } from './users-erase.js';

export const apiEndpoints: readonly Endpoint[] = [
  apiIndex,
  apiIndexSlash,
  passwordSignUp,
  passwordSignIn,
  passwordUpdate,
  passwordSet,
  passwordSendResetCode,
  passwordResetCheckCode,
  passwordReset,
  otpSendSignInCode,
  otpSignInCheckCode,
  otpSignIn,
  mfaSignIn,
  anonymousSignUp,
  oauthAuthorize,
  oauthCallbackGet,
  oauthCallbackPost,
  oauthToken,
  refreshCurrentSession,
  signOut,
  createServerSession,
  listUserSessions,
  revokeSession,
  listConnectedAccountsOfMe,
  connectedAccountAccessToken,
  connectedAccountAccessTokenByAccount,
  listOAuthProviderAccounts,
  getOAuthProviderAccount,
  updateOAuthProviderAccount,
  deleteOAuthProviderAccount,
  listContactChannelsEndpoint,
  createContactChannelEndpoint,
  verifyContactChannelCheckCode,
  verifyContactChannel,
  sendPrimaryEmailVerificationCode,
  sendContactChannelVerificationCode,
  getContactChannelEndpoint,
  updateContactChannelEndpoint,
  deleteContactChannelEndpoint,
  getMe,
  updateMe,
  deleteMe,
  listUsers,
  createUser,
  getUser,
  updateUser,
  deleteUser,
  eraseUserEndpoint,
  currentProject,
  projectJwks,
  anonymousUsersJwks,
  restrictedUsersJwks,
  listTeamsEndpoint,
  createTeamEndpoint,
  getTeamEndpoint,
  updateTeamEndpoint,
  deleteTeamEndpoint,
  addTeamMembershipEndpoint,
  removeTeamMembershipEndpoint,
  listTeamMemberProfilesEndpoint,
  getTeamMemberProfileEndpoint,
  updateTeamMemberProfileEndpoint,
  listTeamPermissionsEndpoint,
  grantTeamPermissionEndpoint,
  revokeTeamPermissionEndpoint,
  ...teamPermissionDefinitionEndpoints,
  ...projectPermissionDefinitionEndpoints,
  sendTeamInvitationEndpoint,
  checkTeamInvitationEndpoint,
  teamInvitationDetailsEndpoint,
  acceptTeamInvitationEndpoint,
  acceptReceivedInvitationEndpoint,
  listTeamInvitationsEndpoint,
  revokeTeamInvitationEndpoint,
  analyticsBatch,
  getCurrentAdminProjectEndpoint,
  updateCurrentAdminProjectEndpoint,
  deleteCurrentAdminProjectEndpoint,
  createInternalProjectEndpoint,
  listInternalProjectsEndpoint,
  createApiKeySetEndpoint,
  listApiKeySetsEndpoint,
  updateApiKeySetEndpoint,
  getRenderedConfigEndpoint,
  getConfigOverrideEndpoint,
  patchConfigOverrideEndpoint,
  patchEnvironmentOverrideEndpoint,
  putConfigOverrideEndpoint,
  resetConfigOverrideKeysEndpoint,
  getConfigSourceEndpoint,
  unlinkConfigSourceEndpoint,
  internalMetricsEndpoint,
];
