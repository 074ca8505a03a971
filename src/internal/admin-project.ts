/**
 * The admin project object of Stack's internal API (POST /internal/projects, GET /internal/projects/current...) and the
 * legacy `config` object those endpoints take. authsync stores the keys it has (ProjectConfig); Stack's other keys are
 * accepted and ignored, and shown with the values authsync behaves by. Misspelt keys are refused (SCHEMA_ERROR).
 */
import { z } from 'zod';
import { readProjectLogos } from '../storage/project-logos.js';
import { imageUrlField } from '../users/user-fields.js';
import type { Queryable } from '../db/database.js';
import { renderLegacyConfigKeys } from './config-legacy-keys.js';
import { legacyEmailConfigSchema, renderLegacyEmailConfig } from './legacy-email-config.js';
import { legacyOAuthProvidersSchema, renderLegacyOAuthProviders } from './legacy-oauth-config.js';
import { clientProjectConfig, type ProjectConfig } from '../projects/project-config.js';
import type { Project } from '../projects/projects.js';
import { publicProjectId } from '../projects/internal-id.js';
import { renderDefaultSet } from '../teams/permission-definitions.js';

const ignored = z.unknown().optional();
/** A default permission set as Stack's admin API takes and shows it: `[{ id }]`. */
const permissionSet = z
  .array(z.strictObject({ id: z.string().max(256) }))
  .max(1000)
  .optional();

/** Stack names the project's e-mail theme by UUID; authsync has one theme, shown under this fixed ID. */
const DEFAULT_EMAIL_THEME_ID = '1df07ae6-abf3-4a40-83a5-a1a2cbe336ac';

/** The legacy `config` object: authsync's keys typed, Stack's other keys accepted and ignored. */
export const legacyConfigSchema = z.strictObject({
  sign_up_enabled: z.boolean().optional(),
  credential_enabled: z.boolean().optional(),
  magic_link_enabled: z.boolean().optional(),
  allow_localhost: z.boolean().optional(),
  // Stack refuses a trusted domain of another scheme (it would trust e.g. `javascript:` redirects).
  domains: z
    .array(
      z.strictObject({
        domain: z
          .string()
          .url()
          // Stack's line for it names no path.
          .refine((value) => /^https?:\/\//i.test(value), {
            message: 'URL must start with http:// or https://',
            params: { withoutPath: true },
          }),
        handler_path: z.string().max(1024).default('/handler'),
      }),
    )
    .optional(),
  client_team_creation_enabled: z.boolean().optional(),
  client_user_deletion_enabled: z.boolean().optional(),
  create_team_on_sign_up: z.boolean().optional(),
  team_creator_default_permissions: permissionSet,
  team_member_default_permissions: permissionSet,
  // Stack's keys authsync does not keep (yet); there are no user-level default permissions.
  passkey_enabled: ignored,
  oauth_providers: legacyOAuthProvidersSchema.optional(),
  oauth_account_merge_strategy: ignored,
  user_default_permissions: ignored,
  allow_user_api_keys: ignored,
  allow_team_api_keys: ignored,
  email_config: legacyEmailConfigSchema.optional(),
  email_theme: ignored,
  require_email_verification: z.boolean().optional(),
});

export type LegacyConfig = z.infer<typeof legacyConfigSchema>;

const STORED_KEYS = [
  'sign_up_enabled',
  'credential_enabled',
  'magic_link_enabled',
  'allow_localhost',
  'domains',
  'client_team_creation_enabled',
  'client_user_deletion_enabled',
  'create_team_on_sign_up',
  'require_email_verification',
] as const;

/** The part of a legacy config authsync keeps. */
export function storedConfig(config: LegacyConfig | undefined): Partial<ProjectConfig> {
  const out: Record<string, unknown> = {};
  for (const key of STORED_KEYS) if (config?.[key] !== undefined) out[key] = config[key];
  for (const key of ['team_creator_default_permissions', 'team_member_default_permissions'] as const) {
    const set = config?.[key];
    if (set !== undefined) out[key] = [...new Set(set.map((p) => p.id))];
  }
  return out as Partial<ProjectConfig>;
}

/** The project's fields POST /internal/projects and PATCH /internal/projects/current take besides `config`. */
export const projectFieldsSchema = {
  description: z.string().max(4096).nullable().optional(),
  is_production_mode: z.boolean().optional(),
  // Any URL (Stack's check); an uploaded one (a data URL) is stored, an http(s) one kept (storage/project-logos.ts).
  logo_url: imageUrlField.optional(),
  logo_full_url: imageUrlField.optional(),
  logo_dark_mode_url: imageUrlField.optional(),
  logo_full_dark_mode_url: imageUrlField.optional(),
  onboarding_status: z.string().max(64).optional(),
  // SDK 2.8.108 may send it; Stack's backend does not define it.
  is_development_environment: ignored,
  config: legacyConfigSchema.optional(),
};

export async function adminProject(db: Queryable, project: Project): Promise<Record<string, unknown>> {
  return {
    id: publicProjectId(project.id),
    display_name: project.displayName,
    description: project.description,
    ...(await readProjectLogos(db, project.id)),
    created_at_millis: project.createdAt.getTime(),
    is_production_mode: project.isProductionMode,
    owner_team_id: project.ownerTeamId,
    onboarding_status: 'completed',
    config: {
      ...clientProjectConfig(project.config),
      allow_localhost: project.config.allow_localhost,
      create_team_on_sign_up: project.config.create_team_on_sign_up,
      ...(await renderLegacyOAuthProviders(db, project.id)),
      email_config: await renderLegacyEmailConfig(db, project.id),
      email_theme: DEFAULT_EMAIL_THEME_ID,
      // The ids that name a team permission definition: those a new creator or member is granted.
      team_creator_default_permissions: await renderDefaultSet(db, project.id, project.config.team_creator_default_permissions),
      team_member_default_permissions: await renderDefaultSet(db, project.id, project.config.team_member_default_permissions),
      user_default_permissions: [],
      oauth_account_merge_strategy: 'link_method',
      ...(await renderLegacyConfigKeys(db, project)),
    },
  };
}
