/**
 * Which keys each level of Stack's layered config admits, and the checks an override must pass before it is stored
 * (Stack's wording in every refusal). Values are checked by type and by their fixed choices only, as Stack checks
 * overrides: an override may be partial, so nothing is required. Keys authsync has no behaviour for (payments, e-mail
 * templates, analytics...) are admitted, stored and rendered; docs/internal-project.md lists what authsync acts on.
 */
import { isConfigObject, invalidConfigReason } from './config-override-format.js';

export type ConfigLevel = 'project' | 'branch' | 'environment';
export const CONFIG_LEVELS: readonly ConfigLevel[] = ['project', 'branch', 'environment'];

export type SchemaNode =
  | { kind: 'boolean' }
  | { kind: 'number' }
  | { kind: 'string'; oneOf?: readonly string[]; uuid?: boolean }
  | { kind: 'any' }
  | { kind: 'object'; fields: Record<string, SchemaNode> }
  | { kind: 'record'; key?: { oneOf?: readonly string[]; uuid?: boolean }; value: SchemaNode };

const bool: SchemaNode = { kind: 'boolean' };
const num: SchemaNode = { kind: 'number' };
const str: SchemaNode = { kind: 'string' };
const any: SchemaNode = { kind: 'any' };
const oneOf = (...values: string[]): SchemaNode => ({ kind: 'string', oneOf: values });
const obj = (fields: Record<string, SchemaNode>): SchemaNode => ({ kind: 'object', fields });
const rec = (value: SchemaNode, key?: { oneOf?: readonly string[]; uuid?: boolean }): SchemaNode => ({
  kind: 'record',
  value,
  ...(key ? { key } : {}),
});

/** Stack's OAuth provider types. */
export const OAUTH_PROVIDER_TYPES = [
  'google',
  'github',
  'microsoft',
  'spotify',
  'facebook',
  'discord',
  'gitlab',
  'bitbucket',
  'linkedin',
  'apple',
  'x',
  'twitch',
] as const;

/** The apps a Stack project can install (`apps.installed.<id>`), in Stack's order. */
export const APP_IDS = [
  'authentication',
  'fraud-protection',
  'onboarding',
  'teams',
  'rbac',
  'api-keys',
  'payments',
  'emails',
  'email-api',
  'data-vault',
  'webhooks',
  'tv-mode',
  'launch-checklist',
  'catalyst',
  'neon',
  'convex',
  'vercel',
  'analytics',
] as const;

const permissionSet = rec(bool);

const projectFields = {
  sourceOfTruth: obj({ type: oneOf('hosted', 'neon', 'postgres'), connectionStrings: rec(str), connectionString: str }),
  project: obj({ requirePublishableClientKey: bool }),
};

const branchOAuthProvider = { type: oneOf(...OAUTH_PROVIDER_TYPES), allowSignIn: bool, allowConnectedAccounts: bool };

function branchFields(auth: { providerFields: Record<string, SchemaNode> }) {
  return {
    rbac: obj({
      permissions: rec(obj({ description: str, scope: oneOf('team', 'project'), containedPermissionIds: rec(bool) })),
      defaultPermissions: obj({ teamCreator: permissionSet, teamMember: permissionSet, signUp: permissionSet }),
    }),
    teams: obj({ createPersonalTeamOnSignUp: bool, allowClientTeamCreation: bool }),
    users: obj({ allowClientUserDeletion: bool }),
    onboarding: obj({ requireEmailVerification: bool }),
    apiKeys: obj({ enabled: obj({ team: bool, user: bool }) }),
    apps: obj({ installed: rec(obj({ enabled: bool }), { oneOf: APP_IDS }) }),
    auth: obj({
      allowSignUp: bool,
      password: obj({ allowSignIn: bool }),
      otp: obj({ allowSignIn: bool }),
      passkey: obj({ allowSignIn: bool }),
      oauth: obj({
        accountMergeStrategy: oneOf('link_method', 'raise_error', 'allow_duplicates'),
        providers: rec(obj(auth.providerFields)),
      }),
      signUpRules: rec(
        obj({
          enabled: bool,
          displayName: str,
          priority: num,
          condition: str,
          action: obj({ type: oneOf('allow', 'reject', 'restrict', 'log'), message: str }),
        }),
      ),
      signUpRulesDefaultAction: oneOf('allow', 'reject'),
    }),
    payments: obj({ blockNewPurchases: bool, autoPay: any, productLines: rec(any), products: rec(any), items: rec(any) }),
    dbSync: obj({ externalDatabases: rec(obj({ type: oneOf('postgres'), connectionString: str })) }),
    dataVault: obj({ stores: rec(obj({ displayName: str })) }),
  };
}

const emailsBranch = {
  selectedThemeId: str,
  themes: rec(obj({ displayName: str, tsxSource: str }), { uuid: true }),
  templates: rec(obj({ displayName: str, tsxSource: str, themeId: any }), { uuid: true }),
};

const branch = branchFields({ providerFields: branchOAuthProvider });
const environment = branchFields({
  providerFields: {
    ...branchOAuthProvider,
    isShared: bool,
    clientId: str,
    clientSecret: str,
    facebookConfigId: str,
    microsoftTenantId: str,
    appleBundles: rec(obj({ bundleId: str })),
  },
});

/** The keys each level may set (a key of a lower level is refused at a higher one, and the reverse). */
export const LEVEL_SCHEMAS: Record<ConfigLevel, SchemaNode> = {
  project: obj(projectFields),
  branch: obj({ ...branch, domains: obj({}), emails: obj(emailsBranch) }),
  environment: obj({
    ...environment,
    domains: obj({ allowLocalhost: bool, trustedDomains: rec(obj({ baseUrl: str, handlerPath: str })) }),
    emails: obj({
      ...emailsBranch,
      server: obj({
        isShared: bool,
        provider: oneOf('resend', 'smtp', 'managed'),
        host: str,
        port: num,
        username: str,
        password: str,
        senderName: str,
        senderEmail: str,
        managedSubdomain: str,
        managedSenderLocalPart: str,
      }),
    }),
    payments: obj({ ...(environment.payments as { fields: Record<string, SchemaNode> }).fields, testMode: bool }),
    analytics: obj({
      queryFolders: rec(
        obj({ displayName: str, sortOrder: num, queries: rec(obj({ displayName: str, sqlQuery: str, description: str })) }),
      ),
    }),
    customDashboards: rec(obj({ displayName: str, tsxSource: str }), { uuid: true }),
  }),
};

function subSchema(root: SchemaNode, path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const segment of path.split('.')) {
    if (node?.kind === 'object') node = Object.hasOwn(node.fields, segment) ? node.fields[segment] : undefined;
    else if (node?.kind === 'record') node = node.value;
    else return undefined;
  }
  return node;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value as Stack's validator prints it in its messages. */
function printValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(printValue).join(', ')}]`;
  if (isConfigObject(value)) return '[object Object]';
  return String(value);
}

const typeError = (path: string, type: string, value: unknown) =>
  `${path} must be a \`${type}\` type, but the final value was: \`${printValue(value)}\`.`;

/** The first problem of a value against a node (null is always admitted: it unsets the path), or undefined. */
function valueProblem(node: SchemaNode, value: unknown, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (node.kind) {
    case 'any':
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : typeError(path, 'boolean', value);
    case 'number':
      return typeof value === 'number' ? undefined : typeError(path, 'number', value);
    case 'string':
      if (typeof value !== 'string') return typeError(path, 'string', value);
      if (node.uuid && !UUID.test(value)) return `${path} must be a valid UUID`;
      if (node.oneOf && !node.oneOf.includes(value)) return `${path} must be one of the following values: ${node.oneOf.join(', ')}`;
      return undefined;
    case 'object': {
      if (!isConfigObject(value)) return typeError(path, 'object', value);
      const unknown = Object.keys(value).filter((key) => !Object.hasOwn(node.fields, key));
      if (unknown.length > 0) return `${path} contains unknown properties: ${unknown.join(', ')}`;
      for (const [key, field] of Object.entries(node.fields)) {
        const problem = valueProblem(field, value[key], `${path}.${key}`);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'record': {
      if (!isConfigObject(value)) return `${path} must be an object`;
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = node.key ? valueProblem({ kind: 'string', ...node.key }, key, path) : undefined;
        if (keyProblem) return keyProblem;
        const problem = valueProblem(node.value, item, `${path}.${key}`);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

function nestedDottedKey(value: unknown): string | undefined {
  if (!isConfigObject(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('.')) return key;
    const found = nestedDottedKey(item);
    if (found) return found;
  }
  return undefined;
}

/** Why an override cannot be stored at a level, in Stack's words, or undefined when it can. */
export function overrideProblem(level: ConfigLevel, override: unknown): string | undefined {
  if (!isConfigObject(override)) return 'Config override must be a non-null object.';
  for (const value of Object.values(override)) {
    const dotted = nestedDottedKey(value);
    if (dotted) return `Key ${dotted} contains a dot, which is not allowed in config override.`;
  }
  const reason = invalidConfigReason(override, 'override');
  if (reason) return `Invalid config format: ${reason}`;
  const schema = LEVEL_SCHEMAS[level];
  for (const [key, value] of Object.entries(override)) {
    const node = subSchema(schema, key);
    if (!node) {
      const segments = key.split('.');
      const prefix = segments.map((_, i) => segments.slice(0, i + 1).join('.')).find((p) => !subSchema(schema, p)) ?? key;
      return `The key ${JSON.stringify(key)} is not valid (nested object not found in schema: ${JSON.stringify(prefix)}).`;
    }
    const problem = valueProblem(node, value, key);
    if (problem) return problem;
  }
  return undefined;
}
