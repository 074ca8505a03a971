/**
 * The writable fields of a user, declared once: the API's request schemas (POST/PATCH /users, PATCH /users/me), the
 * dashboard's user form and `UserInput` (what toUserFields turns into columns) all derive from these declarations.
 */
import { z } from 'zod';
import { invalidImageUrl, isClientImageInput, MAX_IMAGE_BYTES } from '../storage/image-data.js';
import { isValidEmail } from './email.js';

/** A TOTP secret: standard base64 with its padding, as Stack accepts it (null turns two-factor sign-in off). */
const totpSecretField = z
  .string()
  .max(1024)
  .refine((value) => Buffer.from(value, 'base64').toString('base64') === value, { message: 'is not valid base64' })
  .nullable();

export const emailField = z.string().refine(isValidEmail, { message: 'must be a valid email' });
/**
 * A user's address as a server sets it: the syntax of an e-mail input field only (Stack's check there), so that users
 * imported with an address the strict check refuses (`name@host`, no dot) can still be written.
 */
const LOOSE_EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const serverEmailField = z
  .string()
  .max(256)
  .refine((value) => LOOSE_EMAIL.test(value), { message: 'must be a valid email' });
export const displayNameField = z.string().max(256).nullable();
/** Metadata objects: any JSON value. */
export const metadataField = z.unknown();
/** A team the user is a member of (checked when written), or null for none. */
export const selectedTeamIdField = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
  .transform((id) => id.toLowerCase())
  .nullable();

const riskScores = z.object({
  sign_up: z.object({ bot: z.number().int().min(0).max(100), free_trial_abuse: z.number().int().min(0).max(100) }),
});

/**
 * An image: any URL (Stack's check), at most 1 MB of text. What is then kept is the upload step's work
 * (`storedImageUrl`): a data URL is stored and replaced by its URL, an http(s) URL kept, anything else refused.
 */
export const imageUrlField = z.string().max(MAX_IMAGE_BYTES).refine(isValidUrl, { message: 'is not a valid URL' }).nullable();
/**
 * An image as a client may send it: a URL as above that must also be base64 data of a common raster type; anything else
 * is Stack's plain-text 400 (thrown from the check, so that it is not reported as a schema error).
 */
export const clientImageUrlField = z
  .string()
  .max(MAX_IMAGE_BYTES)
  .refine(
    (value) => {
      if (!isValidUrl(value)) return false;
      if (!isClientImageInput(value)) throw invalidImageUrl();
      return true;
    },
    { message: 'is not a valid URL' },
  )
  .nullable();

function isValidUrl(value: string): boolean {
  return URL.canParse(value);
}
const shortText = z.string().max(1024).nullable();

/** Fields a user may change on itself with client access; anything else is refused (server-only fields). */
export const clientUserUpdateSchema = z.strictObject({
  display_name: displayNameField.optional(),
  profile_image_url: clientImageUrlField.optional(),
  client_metadata: metadataField.optional(),
  selected_team_id: selectedTeamIdField.optional(),
  totp_secret_base64: totpSecretField.optional(),
  otp_auth_enabled: z.boolean().optional(),
  passkey_auth_enabled: z.boolean().optional(),
  // null removes it from the user (the channel stays, not primary), as on Stack.
  primary_email: emailField.nullable().optional(),
});

/** Fields a server may set on a user (PATCH /users/{id}; PATCH /users/me with server access). */
export const serverUserUpdateSchema = z.object({
  display_name: displayNameField.optional(),
  profile_image_url: imageUrlField.optional(),
  client_metadata: metadataField.optional(),
  client_read_only_metadata: metadataField.optional(),
  server_metadata: metadataField.optional(),
  primary_email: serverEmailField.nullable().optional(),
  primary_email_verified: z.boolean().optional(),
  primary_email_auth_enabled: z.boolean().optional(),
  password: z.string().max(1024).nullable().optional(),
  password_hash: z.string().max(256).optional(),
  otp_auth_enabled: z.boolean().optional(),
  passkey_auth_enabled: z.boolean().optional(),
  totp_secret_base64: totpSecretField.optional(),
  selected_team_id: selectedTeamIdField.optional(),
  is_anonymous: z.literal(false).optional(),
  restricted_by_admin: z.boolean().optional(),
  restricted_by_admin_reason: shortText.optional(),
  restricted_by_admin_private_details: shortText.optional(),
  country_code: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .nullable()
    .optional(),
  risk_scores: riskScores.optional(),
});

/**
 * A provider account given with a new user (Stack's `oauth_providers` items on POST /users), to import users who signed
 * in with a provider elsewhere: the project's provider ID, the provider's account ID (its `sub`, GitHub's numeric ID).
 */
export const oauthProviderImportField = z.object({
  id: z.string().min(1).max(64),
  account_id: z.string().min(1).max(256),
  email: emailField.nullable().optional(),
});

/** POST /users: the update fields (without the team) plus `is_anonymous` and `oauth_providers`. */
export const serverUserCreateSchema = serverUserUpdateSchema.omit({ selected_team_id: true, is_anonymous: true }).extend({
  is_anonymous: z.boolean().optional(),
  oauth_providers: z.array(oauthProviderImportField).max(50).optional(),
});

/** Everything a server may set on a user (PATCH /users/{id}, POST /users): the update's fields, `is_anonymous` as a create sends it. */
export type UserInput = Omit<z.infer<typeof serverUserUpdateSchema>, 'is_anonymous'> &
  Pick<z.infer<typeof serverUserCreateSchema>, 'is_anonymous'>;
