/**
 * What Stack's rendered config shows for a path no override sets: plain values, objects of defaults, and records whose
 * every entry gets the defaults of an entry (`entries`). These are the schema's defaults; the values authsync acts on
 * are then shown from the project's typed config (config-override-render.ts), whose defaults are authsync's own.
 */
import { cloneConfig, isConfigObject, type ConfigObject, type ConfigValue } from './config-override-format.js';
import { APP_IDS } from './config-override-schema.js';

/** A record's defaults: those of each entry (undefined fields are left out), and entries it has without any override. */
interface EntryDefaults {
  entry: (key: string) => Defaults;
  fixed: ConfigObject;
}
type Defaults = ConfigValue | undefined | EntryDefaults | { [key: string]: Defaults };

const entries = (entry: (key: string) => Defaults, fixed: ConfigObject = {}): EntryDefaults => ({ entry, fixed });

function isEntryDefaults(value: Defaults): value is EntryDefaults {
  return typeof value === 'object' && value !== null && typeof (value as EntryDefaults).entry === 'function';
}

const DEFAULT_EMAIL_THEME_ID = '1df07ae6-abf3-4a40-83a5-a1a2cbe336ac';

export const CONFIG_DEFAULTS: { [key: string]: Defaults } = {
  sourceOfTruth: { type: 'hosted' },
  project: { requirePublishableClientKey: false },
  rbac: {
    permissions: entries(() => ({ containedPermissionIds: entries(() => undefined) })),
    defaultPermissions: { teamCreator: entries(() => undefined), teamMember: entries(() => undefined), signUp: entries(() => undefined) },
  },
  apiKeys: { enabled: { team: false, user: false } },
  apps: { installed: entries(() => ({ enabled: false }), Object.fromEntries(APP_IDS.map((id) => [id, { enabled: false }]))) },
  teams: { createPersonalTeamOnSignUp: false, allowClientTeamCreation: false },
  users: { allowClientUserDeletion: false },
  onboarding: { requireEmailVerification: false },
  domains: { allowLocalhost: false, trustedDomains: entries(() => ({ handlerPath: '/handler' })) },
  auth: {
    allowSignUp: true,
    password: { allowSignIn: false },
    otp: { allowSignIn: false },
    passkey: { allowSignIn: false },
    oauth: {
      accountMergeStrategy: 'link_method',
      providers: entries(() => ({ isShared: true, allowSignIn: false, allowConnectedAccounts: false })),
    },
    signUpRules: entries(() => ({ enabled: false, priority: 0, action: { type: 'allow' } })),
    signUpRulesDefaultAction: 'allow',
  },
  emails: {
    server: { isShared: true, provider: 'smtp' },
    selectedThemeId: DEFAULT_EMAIL_THEME_ID,
    themes: entries(() => ({ displayName: 'Unnamed Theme', tsxSource: '' })),
    templates: entries(() => ({ displayName: 'Unnamed Template', tsxSource: '' })),
  },
  payments: {
    blockNewPurchases: false,
    testMode: true,
    productLines: entries(() => ({})),
    products: entries((key) => ({ displayName: key, customerType: 'user', serverOnly: false, isAddOnTo: false })),
    items: entries((key) => ({ displayName: key, customerType: 'user' })),
  },
  dbSync: { externalDatabases: entries(() => ({})) },
  dataVault: { stores: entries(() => ({ displayName: 'Unnamed Vault' })) },
  analytics: {
    queryFolders: entries(() => ({
      displayName: 'Unnamed Folder',
      sortOrder: 0,
      queries: entries(() => ({ displayName: 'Unnamed Query', sqlQuery: '' })),
    })),
  },
  customDashboards: entries(() => ({ displayName: 'Unnamed Dashboard', tsxSource: '' })),
};

/** The objects and fixed record entries of the defaults, onto which overrides are written (records start empty). */
export function defaultsSkeleton(defaults: Defaults = CONFIG_DEFAULTS): ConfigValue | undefined {
  if (defaults === undefined) return undefined;
  if (isEntryDefaults(defaults)) return cloneConfig(defaults.fixed);
  if (!isDefaultsObject(defaults)) return cloneConfig(defaults);
  const out: ConfigObject = {};
  for (const [key, value] of Object.entries(defaults)) {
    const skeleton = defaultsSkeleton(value);
    if (skeleton !== undefined) out[key] = skeleton;
  }
  return out;
}

function isDefaultsObject(value: Defaults): value is { [key: string]: Defaults } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isEntryDefaults(value);
}

/** Fills what a normalized config lacks from the defaults, deeply, every record entry from its entry defaults. */
export function withDefaults(config: ConfigValue, defaults: Defaults): ConfigValue {
  if (defaults === undefined) return config;
  if (isEntryDefaults(defaults)) {
    if (!isConfigObject(config)) return config;
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, withDefaults(value, defaults.entry(key))]));
  }
  if (!isDefaultsObject(defaults) || !isConfigObject(config)) return config;
  const out: ConfigObject = { ...config };
  for (const [key, value] of Object.entries(defaults)) {
    if (Object.hasOwn(out, key)) out[key] = withDefaults(out[key]!, value);
    else {
      const skeleton = defaultsSkeleton(value);
      if (skeleton !== undefined) out[key] = withDefaults(skeleton, value);
    }
  }
  return out;
}
