/**
 * The writable fields of a user, declared once: the API's request schemas (POST/PATCH /users, PATCH /users/me), the
 * dashboard's user form and `UserInput` (what toUserFields turns into columns) all derive from these declarations.
 */
import { z } from 'zod';
import { isValidEmail } from './email.js';

/** A TOTP secret: standard base64 with its padding, as Stack accepts it (null turns two-factor sign-in off). */
const totpSecretField = z
  .string()
  .max(1024)
  .refine((value) => Buffer.from(value, 'base64').toString('base64') === value, { message: 'is not valid base64' })
  .nullable();

export const emailField = z.string().refine(isValidEmail, { message: 'must be a valid email' });
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

const profileImageUrl = z
  .string()
  .max(5 * 1024 * 1024)
  .nullable();
const shortText = z.string().max(1024).nullable();

/** Fields a user may change on itself with client access; anything else is refused (server-only fields). */
export const clientUserUpdateSchema = z.strictObject({
  display_name: displayNameField.optional(),
  profile_image_url: profileImageUrl
    .refine((value) => value === null || /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+$/i.test(value), {
      message: 'must be a base64 data URL of an image',
    })
    .optional(),
  client_metadata: metadataField.optional(),
  selected_team_id: selectedTeamIdField.optional(),
  totp_secret_base64: totpSecretField.optional(),
  otp_auth_enabled: z.boolean().optional(),
  passkey_auth_enabled: z.boolean().optional(),
  primary_email: emailField.optional(),
});

/** Fields a server may set on a user (PATCH /users/{id}; PATCH /users/me with server access). */
export const serverUserUpdateSchema = z.object({
  display_name: displayNameField.optional(),
  profile_image_url: profileImageUrl.optional(),
  client_metadata: metadataField.optional(),
  client_read_only_metadata: metadataField.optional(),
  server_metadata: metadataField.optional(),
  primary_email: emailField.nullable().optional(),
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
