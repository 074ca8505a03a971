/**
 * The rendered config (GET /internal/config): the defaults, then the project, branch and environment overrides, with
 * Stack's clean-ups; and the bridge to the typed ProjectConfig, which stays what authsync behaves by. Both ways:
 * `typedChanges` says which typed fields an override write changes, `showTypedValues` shows the typed values in the
 * rendered config (they win, so a change made elsewhere, by PATCH /internal/projects/current, the CLI or the
 * dashboard, shows at once).
 */
import {
  cloneConfig,
  isAtOrBelow,
  isConfigObject,
  overrideConfig,
  putKey,
  setValueAt,
  valueAt,
  writeOverride,
  type ConfigObject,
  type ConfigValue,
} from './config-override-format.js';
import { CONFIG_DEFAULTS, defaultsSkeleton, withDefaults } from './config-override-defaults.js';
import type { ConfigLevel } from './config-override-schema.js';
import { projectConfigSchema, type ProjectConfig } from './project-config.js';

export type LevelOverrides = Record<ConfigLevel, ConfigObject>;

/** The rendered config of a project's overrides alone (before the typed values are shown). */
export function renderOverrides(levels: LevelOverrides): ConfigObject {
  const merged = overrideConfig(overrideConfig(levels.project, levels.branch), levels.environment);
  const written = writeOverride(defaultsSkeleton() as ConfigObject, cloneConfig(merged));
  return sanitize(withDefaults(written, CONFIG_DEFAULTS) as ConfigObject);
}

function entriesOf(config: ConfigObject, path: string): ConfigObject {
  const value = valueAt(config, path);
  return isConfigObject(value) ? value : {};
}

/** Stack's clean-ups of a rendered config. */
function sanitize(config: ConfigObject): ConfigObject {
  // A provider without a type is not a provider yet.
  const providers = entriesOf(config, 'auth.oauth.providers');
  setValueAt(
    config,
    'auth.oauth.providers',
    Object.fromEntries(Object.entries(providers).filter(([, p]) => isConfigObject(p) && typeof p.type === 'string')),
  );
  // Custom templates only apply with a dedicated e-mail server (authsync has no built-in template list to show here).
  if (valueAt(config, 'emails.server.isShared') !== false) setValueAt(config, 'emails.templates', {});
  // Sign-up rules by priority, highest first, then by ID.
  const rules = Object.entries(entriesOf(config, 'auth.signUpRules'));
  const priority = (rule: ConfigValue) => (isConfigObject(rule) && typeof rule.priority === 'number' ? rule.priority : 0);
  rules.sort(([a, ra], [b, rb]) => priority(rb) - priority(ra) || (a < b ? -1 : a > b ? 1 : 0));
  setValueAt(config, 'auth.signUpRules', Object.fromEntries(rules));
  // The source of truth keeps only the fields of its type.
  const source = entriesOf(config, 'sourceOfTruth');
  config.sourceOfTruth =
    source.type === 'neon' && isConfigObject(source.connectionStrings)
      ? { type: 'neon', connectionStrings: source.connectionStrings }
      : source.type === 'postgres' && typeof source.connectionString === 'string'
        ? { type: 'postgres', connectionString: source.connectionString }
        : { type: 'hosted' };
  return config;
}

/** Stack's boolean keys that are typed fields of ProjectConfig. */
const BOOLEAN_FIELDS = [
  ['auth.allowSignUp', 'sign_up_enabled'],
  ['auth.password.allowSignIn', 'credential_enabled'],
  ['auth.otp.allowSignIn', 'magic_link_enabled'],
  ['teams.allowClientTeamCreation', 'client_team_creation_enabled'],
  ['teams.createPersonalTeamOnSignUp', 'create_team_on_sign_up'],
  ['users.allowClientUserDeletion', 'client_user_deletion_enabled'],
  ['domains.allowLocalhost', 'allow_localhost'],
  ['onboarding.requireEmailVerification', 'require_email_verification'],
] as const satisfies ReadonlyArray<readonly [string, keyof ProjectConfig]>;

/** Stack's permission sets (`{ "<permission id>": true }`) that are typed lists of permission IDs. */
const PERMISSION_FIELDS = [
  ['rbac.defaultPermissions.teamCreator', 'team_creator_default_permissions'],
  ['rbac.defaultPermissions.teamMember', 'team_member_default_permissions'],
] as const satisfies ReadonlyArray<readonly [string, keyof ProjectConfig]>;

const TRUSTED_DOMAINS = 'domains.trustedDomains';

type Domain = ProjectConfig['domains'][number];
const domainSchema = projectConfigSchema.shape.domains.unwrap().element;

/** A trusted domain entry as a typed domain, when the typed config can hold it (an absolute http(s) URL). */
function typedDomain(entry: ConfigValue | undefined): Domain | undefined {
  if (!isConfigObject(entry) || typeof entry.baseUrl !== 'string' || !/^https?:\/\//i.test(entry.baseUrl)) return undefined;
  const parsed = domainSchema.safeParse({ domain: entry.baseUrl, handler_path: entry.handlerPath ?? '/handler' });
  return parsed.success ? parsed.data : undefined;
}

const sameDomain = (a: Domain, b: Domain) => a.domain === b.domain && a.handler_path === b.handler_path;

function typedDomains(rendered: ConfigObject): Domain[] {
  return Object.values(entriesOf(rendered, TRUSTED_DOMAINS)).flatMap((entry) => typedDomain(entry) ?? []);
}

/** `list` without one occurrence of each item of `removed`. */
function withoutEach<T>(list: T[], removed: T[], same: (a: T, b: T) => boolean): T[] {
  const out = [...list];
  for (const item of removed) {
    const at = out.findIndex((x) => same(x, item));
    if (at >= 0) out.splice(at, 1);
  }
  return out;
}

function permissionIds(rendered: ConfigObject, path: string): string[] {
  return Object.entries(entriesOf(rendered, path)).flatMap(([id, on]) => (on === true ? [id] : []));
}

/**
 * The typed fields an override write changes: a boolean whose rendered value changed, or whose path the write named
 * (`written`: the keys of the PATCH or PUT); the permission sets and trusted domains by what the write added and
 * removed, so entries the typed config got elsewhere stay.
 */
export function typedChanges(
  before: ConfigObject,
  after: ConfigObject,
  written: readonly string[],
  current: ProjectConfig,
): Partial<ProjectConfig> {
  const patch: Partial<ProjectConfig> = {};
  const named = (path: string) => written.some((key) => isAtOrBelow(key, path) || isAtOrBelow(path, key));
  for (const [path, field] of BOOLEAN_FIELDS) {
    const value = valueAt(after, path);
    if (typeof value === 'boolean' && (value !== valueAt(before, path) || named(path))) patch[field] = value;
  }
  for (const [path, field] of PERMISSION_FIELDS) {
    const was = permissionIds(before, path);
    const now = permissionIds(after, path);
    const removed = was.filter((id) => !now.includes(id));
    const added = now.filter((id) => !was.includes(id));
    if (removed.length + added.length === 0) continue;
    const kept = current[field].filter((id) => !removed.includes(id));
    patch[field] = [...kept, ...added.filter((id) => !kept.includes(id))];
  }
  const was = typedDomains(before);
  const now = typedDomains(after);
  const removed = withoutEach(was, now, sameDomain);
  const added = withoutEach(now, was, sameDomain);
  if (removed.length + added.length > 0) patch.domains = [...withoutEach(current.domains, removed, sameDomain), ...added];
  return patch;
}

/** The rendered config with the typed config's values for the keys authsync acts on. */
export function showTypedValues(rendered: ConfigObject, config: ProjectConfig): ConfigObject {
  const out = cloneConfig(rendered);
  for (const [path, field] of BOOLEAN_FIELDS) setValueAt(out, path, config[field]);
  for (const [path, field] of PERMISSION_FIELDS) setValueAt(out, path, Object.fromEntries(config[field].map((id) => [id, true])));
  // Trusted domains: the override's entries the typed config still has (under their IDs), entries the typed config
  // cannot hold (kept as written), then the typed domains no override names, under new IDs.
  const entries = entriesOf(out, TRUSTED_DOMAINS);
  let unmatched = [...config.domains];
  const shown: ConfigObject = {};
  for (const [id, entry] of Object.entries(entries)) {
    const domain = typedDomain(entry);
    const at = domain ? unmatched.findIndex((d) => sameDomain(d, domain)) : -1;
    if (!domain || at >= 0) putKey(shown, id, entry);
    if (at >= 0) unmatched = unmatched.filter((_, i) => i !== at);
  }
  let next = 0;
  for (const domain of unmatched) {
    while (Object.hasOwn(shown, `domain-${next}`)) next++;
    shown[`domain-${next}`] = { baseUrl: domain.domain, handlerPath: domain.handler_path };
  }
  setValueAt(out, TRUSTED_DOMAINS, shown);
  return out;
}
