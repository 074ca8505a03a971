/**
 * The legacy `config` keys that authsync has no typed field for but Stack's layered config has a key for: written to
 * the environment override (as Stack writes its legacy config), and shown back in the admin project from the rendered
 * config, so the two APIs agree. They change no behaviour of authsync (docs/internal-project.md); authsync's e-mail
 * uses its own templates, whatever theme is selected.
 */
import type { Database, Queryable } from '../db/database.js';
import { TextError } from '../errors/known-errors.js';
import { isConfigObject, valueAt, type ConfigObject } from '../projects/config-override-format.js';
import { renderedOverrides, renderedProjectConfig, writeLevelOverride } from '../projects/config-overrides.js';
import type { Project } from '../projects/projects.js';

const BOOLEAN_KEYS = [
  ['passkey_enabled', 'auth.passkey.allowSignIn'],
  ['allow_user_api_keys', 'apiKeys.enabled.user'],
  ['allow_team_api_keys', 'apiKeys.enabled.team'],
] as const;

const MERGE_STRATEGY_PATH = 'auth.oauth.accountMergeStrategy';
const MERGE_STRATEGIES = ['link_method', 'raise_error', 'allow_duplicates'];

const THEME_PATH = 'emails.selectedThemeId';
/** Stack's built-in e-mail themes (light, dark, colorful); the first is the default. */
const BUILT_IN_THEME_IDS = [
  '1df07ae6-abf3-4a40-83a5-a1a2cbe336ac',
  'a0172b5d-cff0-463b-83bb-85124697373a',
  'c7e2d94f-8a1b-4e6d-b3f5-9d0a2e7c1b8f',
];

/** The e-mail theme IDs a project may select: the built-in ones and those of its overrides. */
function themeIds(rendered: ConfigObject): string[] {
  const custom = valueAt(rendered, 'emails.themes');
  return [...BUILT_IN_THEME_IDS, ...(isConfigObject(custom) ? Object.keys(custom) : [])];
}

/**
 * Refuses an `email_theme` that names no theme of the project (`projectId` undefined: a project being created, which
 * has only the built-in ones), before anything is written.
 */
export async function checkLegacyConfigKeys(
  db: Queryable,
  projectId: string | undefined,
  config: Record<string, unknown> | undefined,
): Promise<void> {
  const theme = config?.email_theme;
  if (theme === undefined) return;
  const rendered = projectId ? await renderedOverrides(db, projectId) : {};
  if (typeof theme !== 'string' || !themeIds(rendered).includes(theme))
    throw new TextError('INVALID_EMAIL_THEME', 400, 'Invalid email theme');
}

/** Writes the given keys of a legacy config (those of the right type) to the project's environment override. */
export async function applyLegacyConfigKeys(db: Database, projectId: string, config: Record<string, unknown> | undefined): Promise<void> {
  const override: ConfigObject = {};
  for (const [legacy, path] of BOOLEAN_KEYS) if (typeof config?.[legacy] === 'boolean') override[path] = config[legacy];
  const strategy = config?.oauth_account_merge_strategy;
  if (typeof strategy === 'string' && MERGE_STRATEGIES.includes(strategy)) override[MERGE_STRATEGY_PATH] = strategy;
  if (typeof config?.email_theme === 'string') override[THEME_PATH] = config.email_theme;
  if (Object.keys(override).length > 0) await writeLevelOverride(db, projectId, 'environment', { kind: 'patch', override });
}

/** These keys of the admin project's `config`, from the rendered config. */
export async function renderLegacyConfigKeys(db: Queryable, project: Project): Promise<Record<string, unknown>> {
  const rendered = await renderedProjectConfig(db, project);
  return {
    ...Object.fromEntries(BOOLEAN_KEYS.map(([legacy, path]) => [legacy, valueAt(rendered, path) === true])),
    oauth_account_merge_strategy: valueAt(rendered, MERGE_STRATEGY_PATH) ?? 'link_method',
    // A selected theme that is gone shows as the default, as on Stack.
    email_theme: themeIds(rendered).find((id) => id === valueAt(rendered, THEME_PATH)) ?? BUILT_IN_THEME_IDS[0],
  };
}
