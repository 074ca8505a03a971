/**
 * The legacy `config` keys that authsync has no typed field for but Stack's layered config has a key for: written to
 * the environment override (as Stack writes its legacy config), and shown back in the admin project from the rendered
 * config, so the two APIs agree. They change no behaviour of authsync (docs/internal-project.md).
 */
import type { Database, Queryable } from '../db/database.js';
import { valueAt, type ConfigObject } from '../projects/config-override-format.js';
import { renderedProjectConfig, writeLevelOverride } from '../projects/config-overrides.js';
import type { Project } from '../projects/projects.js';

const BOOLEAN_KEYS = [
  ['passkey_enabled', 'auth.passkey.allowSignIn'],
  ['allow_user_api_keys', 'apiKeys.enabled.user'],
  ['allow_team_api_keys', 'apiKeys.enabled.team'],
] as const;

const MERGE_STRATEGY_PATH = 'auth.oauth.accountMergeStrategy';
const MERGE_STRATEGIES = ['link_method', 'raise_error', 'allow_duplicates'];

/** Writes the given keys of a legacy config (those of the right type) to the project's environment override. */
export async function applyLegacyConfigKeys(db: Database, projectId: string, config: Record<string, unknown> | undefined): Promise<void> {
  const override: ConfigObject = {};
  for (const [legacy, path] of BOOLEAN_KEYS) if (typeof config?.[legacy] === 'boolean') override[path] = config[legacy];
  const strategy = config?.oauth_account_merge_strategy;
  if (typeof strategy === 'string' && MERGE_STRATEGIES.includes(strategy)) override[MERGE_STRATEGY_PATH] = strategy;
  if (Object.keys(override).length > 0) await writeLevelOverride(db, projectId, 'environment', { kind: 'patch', override });
}

/** These keys of the admin project's `config`, from the rendered config. */
export async function renderLegacyConfigKeys(db: Queryable, project: Project): Promise<Record<string, unknown>> {
  const rendered = await renderedProjectConfig(db, project);
  return {
    ...Object.fromEntries(BOOLEAN_KEYS.map(([legacy, path]) => [legacy, valueAt(rendered, path) === true])),
    oauth_account_merge_strategy: valueAt(rendered, MERGE_STRATEGY_PATH) ?? 'link_method',
  };
}
