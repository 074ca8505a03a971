/**
 * A user as a Stack Auth-compatible server's server API shows it (`GET /users` items, and `raw_json` of a legacy
 * `neon_auth.users_sync` row): the fields an import keeps, checked once. Older servers sent fewer fields (no
 * `restricted_*`, `country_code`, `risk_scores`), so those are optional; unknown fields are ignored.
 */
import { z } from 'zod';

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
  .transform((id) => id.toLowerCase());

export const sourceUserSchema = z.object({
  id: uuid,
  primary_email: z.string().nullable().optional(),
  primary_email_verified: z.boolean().optional(),
  /** Missing in some old rows: then an address is taken as usable for sign-in, as Stack's sign-ups made it. */
  primary_email_auth_enabled: z.boolean().optional(),
  display_name: z.string().nullable().optional(),
  profile_image_url: z.string().nullable().optional(),
  signed_up_at_millis: z.number().finite().optional(),
  has_password: z.boolean().optional(),
  otp_auth_enabled: z.boolean().optional(),
  passkey_auth_enabled: z.boolean().optional(),
  client_metadata: z.unknown().optional(),
  client_read_only_metadata: z.unknown().optional(),
  server_metadata: z.unknown().optional(),
  selected_team_id: uuid.nullable().optional(),
  is_anonymous: z.boolean().optional(),
  restricted_by_admin: z.boolean().optional(),
  restricted_by_admin_reason: z.string().nullable().optional(),
  restricted_by_admin_private_details: z.string().nullable().optional(),
  country_code: z.string().nullable().optional(),
  risk_scores: z
    .object({ sign_up: z.object({ bot: z.number().int().min(0).max(100), free_trial_abuse: z.number().int().min(0).max(100) }) })
    .optional(),
  oauth_providers: z
    .array(z.object({ id: z.string().min(1).max(64), account_id: z.string().min(1).max(256), email: z.string().nullable().optional() }))
    .optional(),
});

export type SourceUser = z.infer<typeof sourceUserSchema>;

/** The source user, or a one-line reason why it cannot be read (a field of the wrong type, a missing ID). */
export function parseSourceUser(value: unknown): { user: SourceUser } | { error: string } {
  const parsed = sourceUserSchema.safeParse(value);
  if (parsed.success) return { user: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { error: `not a user object: ${issue.path.join('.') || 'value'} ${issue.message}` };
}
