/**
 * The `oauth_providers` of Stack's admin project object. A list given through POST /internal/projects or PATCH
 * /internal/projects/current becomes the project's set of built-in providers (Google, GitHub, Microsoft): those it
 * names are added or replaced, the built-in ones it leaves out are removed, and OpenID Connect providers added with
 * `authsync oauth providers add` stay (Stack's list cannot name them). Only `type: "standard"` gives a provider:
 * Stack's "shared" type uses OAuth apps Stack runs, which an authsync instance does not have, so a shared entry is
 * accepted (Stack's dashboard and set-up scripts send them) and offers nothing: it is not stored nor shown. The shown list has each
 * provider's client ID, never its secret (Stack shows it back; authsync does not hand out a stored credential).
 */
import { z } from 'zod';
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { TextError } from '../errors/known-errors.js';
import {
  addOAuthProvider,
  listOAuthProviderSummaries,
  removeOAuthProvider,
  type OAuthProviderInput,
  type OAuthProviderType,
} from '../oauth/provider-config.js';
import { BUILT_IN_PROVIDERS, parseOAuthProviderInput } from '../oauth/provider-input.js';
import { OAUTH_PROVIDER_TYPES } from '../projects/config-override-schema.js';

/** Stack's provider IDs (the admin API refuses any other). */
const STACK_PROVIDER_IDS = OAUTH_PROVIDER_TYPES;

/** Defined and not empty when the type is `standard`, as Stack's validator words it. */
const legacyProviderSchema = z
  .strictObject({
    id: z.enum(STACK_PROVIDER_IDS),
    type: z.enum(['shared', 'standard']),
    client_id: z.string().max(1024).optional(),
    client_secret: z.string().max(4096).optional(),
    facebook_config_id: z.string().max(1024).optional(),
    microsoft_tenant_id: z.string().max(256).optional(),
    apple_bundle_ids: z.array(z.string().max(256)).max(100).optional(),
  })
  .superRefine((value, refine) => {
    if (value.type !== 'standard') return;
    for (const key of ['client_id', 'client_secret'] as const) {
      if (value[key] === undefined) refine.addIssue({ code: 'custom', path: [key], message: 'must be defined' });
      else if (value[key] === '') refine.addIssue({ code: 'custom', path: [key], message: 'must not be empty' });
    }
  });

export const legacyOAuthProvidersSchema = z.array(legacyProviderSchema).max(STACK_PROVIDER_IDS.length);

export type LegacyOAuthProvider = z.infer<typeof legacyProviderSchema>;

const refused = (message: string) => new TextError('OAUTH_PROVIDER_NOT_AVAILABLE', 400, message);

function isBuiltIn(id: string): id is OAuthProviderType {
  return (BUILT_IN_PROVIDERS as readonly string[]).includes(id);
}

/** The provider inputs of a legacy list, checked: refuses what authsync cannot offer before anything is written. */
function providerInputs(projectId: string, providers: readonly LegacyOAuthProvider[]) {
  const ids = new Set<string>();
  return providers.flatMap((provider) => {
    if (provider.type === 'shared') return [];
    if (ids.has(provider.id)) throw refused(`The OAuth provider ${provider.id} is listed twice.`);
    ids.add(provider.id);
    if (!isBuiltIn(provider.id)) {
      throw refused(
        `authsync offers ${BUILT_IN_PROVIDERS.join(', ')} and OpenID Connect providers (authsync oauth providers add); ${provider.id} is not one of them.`,
      );
    }
    const input: OAuthProviderInput = {
      providerId: provider.id,
      type: provider.id,
      clientId: provider.client_id!,
      clientSecret: provider.client_secret!,
      ...(provider.id === 'microsoft' && provider.microsoft_tenant_id
        ? { issuerUrl: `https://login.microsoftonline.com/${encodeURIComponent(provider.microsoft_tenant_id)}/v2.0` }
        : {}),
    };
    parseOAuthProviderInput(projectId, input);
    return [input];
  });
}

/** Refuses a legacy list authsync cannot store, before anything is written (and before a new project has its ID). */
export function checkLegacyOAuthProviders(providers: readonly LegacyOAuthProvider[] | undefined): void {
  if (providers) providerInputs('', providers);
}

/** Makes a legacy list the project's set of built-in providers, in one transaction. */
export async function applyLegacyOAuthProviders(
  ctx: AppContext,
  projectId: string,
  providers: readonly LegacyOAuthProvider[],
): Promise<void> {
  const inputs = providerInputs(projectId, providers);
  await ctx.db.transaction(async (tx) => {
    const wanted = new Set(inputs.map((input) => input.providerId));
    for (const existing of await listOAuthProviderSummaries(tx, projectId)) {
      if (existing.type !== 'oidc' && !wanted.has(existing.providerId)) await removeOAuthProvider(tx, projectId, existing.providerId);
    }
    for (const input of inputs) await addOAuthProvider(tx, ctx.box, projectId, input);
  });
}

/** `oauth_providers` and `enabled_oauth_providers` as the admin project object shows them. */
export async function renderLegacyOAuthProviders(db: Queryable, projectId: string) {
  const providers = await listOAuthProviderSummaries(db, projectId);
  return {
    oauth_providers: providers.map((p) => ({
      id: p.providerId,
      provider_config_id: p.providerId,
      type: 'standard',
      client_id: p.clientId,
    })),
    enabled_oauth_providers: providers.filter((p) => p.allowSignIn).map((p) => ({ id: p.providerId })),
  };
}
