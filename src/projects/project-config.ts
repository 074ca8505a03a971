/** A project's settings, as stored in `projects.config` and shown by GET /projects/current. */
import { z } from 'zod';

export const projectConfigSchema = z.object({
  /** New users may sign up (password or anonymous). @default true */
  sign_up_enabled: z.boolean().default(true),
  /** Password sign-up and sign-in are enabled. @default true */
  credential_enabled: z.boolean().default(true),
  /**
   * Users may sign in with a code sent by e-mail (magic link or OTP, POST /auth/otp/*), which also signs up new users
   * when sign-up is enabled. @default false
   */
  magic_link_enabled: z.boolean().default(false),
  /** Signed-in users may create teams with client access (POST /teams, `user.createTeam()`). @default false */
  client_team_creation_enabled: z.boolean().default(false),
  /**
   * Every new user gets a personal team, selected, with the user as its admin (whichever path created the user).
   * @default false
   */
  create_team_on_sign_up: z.boolean().default(false),
  /** Users may delete themselves with client access (DELETE /users/me). @default false */
  client_user_deletion_enabled: z.boolean().default(false),
  /** Redirect URLs on localhost count as trusted. @default true */
  allow_localhost: z.boolean().default(true),
  /** Trusted domains of the project's apps, for redirects and cookies. @default [] */
  domains: z.array(z.object({ domain: z.string().url(), handler_path: z.string().default('/handler') })).default([]),
  /**
   * /sql accepts anonymous users' tokens for the role `authenticated` too (not only for `anonymous`). Off, as on Neon,
   * where anonymous tokens are not in the default JWKS: anyone can create an anonymous user, so with this on, every
   * policy `TO authenticated` is open to anyone. @default false
   */
  sql_anonymous_tokens_as_authenticated: z.boolean().default(false),
  /**
   * Teams and memberships are kept in neon_auth.teams_sync and team_members_sync of the app database, for RLS policies
   * (`authsync sync teams`). @default false
   */
  team_data_sync: z.boolean().default(false),
  /**
   * A user whose primary e-mail is not verified is restricted (`is_restricted`, `restricted_reason.type`
   * `email_not_verified`), as Stack's `onboarding.requireEmailVerification`. @default false
   */
  require_email_verification: z.boolean().default(false),
  /** The team permissions a team's creator is granted. @default ["team_admin"] */
  team_creator_default_permissions: z.array(z.string()).default(['team_admin']),
  /** The team permissions every other member added to a team is granted. @default ["team_member"] */
  team_member_default_permissions: z.array(z.string()).default(['team_member']),
});

export type ProjectConfig = z.infer<typeof projectConfigSchema>;

export function parseProjectConfig(stored: unknown): ProjectConfig {
  const parsed = projectConfigSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : projectConfigSchema.parse({});
}

/**
 * The `config` object of the client project shape (features authsync does not offer yet are `false`). The OAuth
 * providers are not part of the stored config: GET /projects/current fills `enabled_oauth_providers` in.
 */
export function clientProjectConfig(config: ProjectConfig): Record<string, unknown> {
  return {
    sign_up_enabled: config.sign_up_enabled,
    credential_enabled: config.credential_enabled,
    magic_link_enabled: config.magic_link_enabled,
    passkey_enabled: false,
    client_team_creation_enabled: config.client_team_creation_enabled,
    client_user_deletion_enabled: config.client_user_deletion_enabled,
    allow_user_api_keys: false,
    allow_team_api_keys: false,
    enabled_oauth_providers: [],
    domains: config.domains,
  };
}
