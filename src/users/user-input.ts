/**
 * Turns the writable fields of the user object (users/user-fields.ts, as the API, the CLI and the dashboard receive them) into
 * stored columns: passwords are hashed, e-mails normalised, and inconsistent combinations refused before
 * anything is written.
 */
import { hashPassword, isBcryptHash } from '../crypto/passwords.js';
import { TextError, errors } from '../errors/known-errors.js';
import { storedImageUrl, type ImageTarget } from '../storage/image-store.js';
import { normalizeEmail } from './email.js';
import type { UserInput } from './user-fields.js';
import type { UserRow } from './user-object.js';
import type { UserFields } from './user-store.js';

/**
 * Checks a create or an update against the current user (undefined for a create) and computes its columns. With
 * `images` (the API), an image given as a data URL is stored there and its URL written (Stack's upload step); without
 * (the dashboard, imports), the value is written as given.
 */
export async function toUserFields(input: UserInput, current?: UserRow, images?: ImageTarget): Promise<UserFields> {
  if (input.password !== undefined && input.password_hash !== undefined) {
    throw new TextError('PASSWORD_AND_HASH', 400, 'Cannot set both password and password_hash at the same time.');
  }
  if (input.password_hash !== undefined && !isBcryptHash(input.password_hash)) {
    throw new TextError(
      'INVALID_PASSWORD_HASH',
      400,
      "Invalid password hash. Make sure it's a supported algorithm in Modular Crypt Format.",
    );
  }
  // A password set with server access (or by an operator) is not held to the sign-up rules, as on Stack: only its
  // length cap in the request schema applies. End users' passwords go through auth/ (sign-up, change, reset).

  const email =
    input.primary_email === undefined
      ? (current?.primary_email ?? null)
      : input.primary_email === null
        ? null
        : normalizeEmail(input.primary_email);
  if (email === null && input.primary_email_auth_enabled === true) {
    throw new TextError('PRIMARY_EMAIL_REQUIRED', 400, 'primary_email_auth_enabled cannot be true without primary_email');
  }
  if (email === null && input.primary_email_verified === true) {
    throw new TextError('PRIMARY_EMAIL_REQUIRED', 400, 'primary_email_verified cannot be true without primary_email');
  }
  if (input.is_anonymous === true && current && !current.is_anonymous) {
    throw errors.schemaError('A user cannot become anonymous again: is_anonymous may only be set to false.');
  }

  const fields: UserFields = {
    // Stack keeps no empty name: "" is no name.
    display_name: input.display_name === '' ? null : input.display_name,
    profile_image_url: input.profile_image_url,
    client_metadata: input.client_metadata,
    client_read_only_metadata: input.client_read_only_metadata,
    server_metadata: input.server_metadata,
    otp_auth_enabled: input.otp_auth_enabled,
    passkey_auth_enabled: input.passkey_auth_enabled,
    totp_secret_base64: input.totp_secret_base64,
    selected_team_id: input.selected_team_id,
    is_anonymous: input.is_anonymous,
    restricted_by_admin: input.restricted_by_admin,
    restricted_by_admin_reason: input.restricted_by_admin_reason,
    restricted_by_admin_private_details: input.restricted_by_admin_private_details,
    country_code: input.country_code,
    risk_scores: input.risk_scores,
  };
  if (input.primary_email !== undefined) {
    fields.primary_email = email;
    // Without an address there is nothing to sign in with. A new address is as verified as the user's contact channel
    // with that address, else not: the user store reads the channel (UserStore.update), and a new user has none.
    if (email === null) {
      fields.primary_email_verified = false;
      fields.primary_email_auth_enabled = false;
    } else if (email !== current?.primary_email && input.primary_email_verified === undefined && !current) {
      fields.primary_email_verified = false;
    }
  }
  if (input.primary_email_verified !== undefined) fields.primary_email_verified = input.primary_email_verified;
  if (input.primary_email_auth_enabled !== undefined) fields.primary_email_auth_enabled = input.primary_email_auth_enabled;
  // Enabling sign-in on the current address: name it in the write, so that a clash with another user's
  // sign-in address reports that address (USER_EMAIL_ALREADY_EXISTS {email}).
  if (input.primary_email_auth_enabled === true && fields.primary_email === undefined && email !== null) fields.primary_email = email;
  if (input.password !== undefined) fields.password_hash = input.password === null ? null : await hashPassword(input.password);
  if (input.password_hash !== undefined) fields.password_hash = input.password_hash;
  if (input.restricted_by_admin === false) {
    fields.restricted_by_admin_reason = null;
    fields.restricted_by_admin_private_details = null;
  }
  // Last, once every other check passed, so that a refused write stores no image.
  if (images) fields.profile_image_url = await storedImageUrl(images, 'user-profile-images', input.profile_image_url);
  return fields;
}
