/**
 * Stack's layered project configuration (docs/internal-project.md): GET /internal/config (the rendered config),
 * GET/PATCH/PUT /internal/config/override/{project|branch|environment} (and PATCH /internal/config/override, the
 * environment, as older SDKs send it), POST .../{branch|environment}/reset-keys, and
 * GET/DELETE /internal/config/source. Admin access to the current project only: its super secret admin key, or an
 * admin access token of a member of its owner team.
 */
import { z } from 'zod';
import { errors } from '../../errors/known-errors.js';
import {
  configOverrideError,
  getConfigSource,
  getLevelOverride,
  parseOverride,
  renderedProjectConfig,
  unlinkConfigSource,
  writeLevelOverride,
  type OverrideWrite,
} from '../../projects/config-overrides.js';
import type { ConfigLevel } from '../../projects/config-override-schema.js';
import { endpoint } from '../endpoint.js';
import type { AuthedInput } from '../endpoint.js';
import { ok } from '../respond.js';

const ADMIN = ['admin'] as const;
const ALL_LEVELS: readonly ConfigLevel[] = ['project', 'branch', 'environment'];
const RESETTABLE_LEVELS: readonly ConfigLevel[] = ['branch', 'environment'];

function levelParam(value: string | undefined, allowed: readonly ConfigLevel[]): ConfigLevel {
  if (value && (allowed as readonly string[]).includes(value)) return value as ConfigLevel;
  throw errors.schemaError(`Request validation failed:\n  - params.level must be one of the following values: ${allowed.join(', ')}`);
}

const sourceSchema = z.union([
  z.object({
    type: z.literal('pushed-from-github'),
    owner: z.string(),
    repo: z.string(),
    branch: z.string(),
    commit_hash: z.string(),
    config_file_path: z.string(),
  }),
  z.object({ type: z.literal('pushed-from-unknown') }),
  z.object({ type: z.literal('unlinked') }),
]);

async function write({ ctx, auth }: AuthedInput<unknown, unknown>, level: ConfigLevel, change: OverrideWrite) {
  const id = auth.project.project.id;
  if (!(await writeLevelOverride(ctx.db, id, level, change))) throw errors.currentProjectNotFound(id);
  // This server applies the change at once; the others when the change notification reaches them.
  ctx.directory.invalidate(id);
  return ok({ success: true });
}

export const getRenderedConfigEndpoint = endpoint({
  method: 'GET',
  path: '/internal/config',
  access: ADMIN,
  handler: async ({ ctx, auth }) => ok({ config_string: JSON.stringify(await renderedProjectConfig(ctx.db, auth.project.project)) }),
});

export const getConfigOverrideEndpoint = endpoint({
  method: 'GET',
  path: '/internal/config/override/:level',
  access: ADMIN,
  handler: async ({ ctx, auth, params }) => {
    const level = levelParam(params.level, ALL_LEVELS);
    return ok({ config_string: JSON.stringify(await getLevelOverride(ctx.db, auth.project.project.id, level)) });
  },
});

export const patchConfigOverrideEndpoint = endpoint({
  method: 'PATCH',
  path: '/internal/config/override/:level',
  access: ADMIN,
  body: z.strictObject({ config_override_string: z.string() }),
  handler: async (input) => {
    const level = levelParam(input.params.level, ALL_LEVELS);
    return write(input, level, { kind: 'patch', override: parseOverride(level, input.body.config_override_string) });
  },
});

/** Older SDKs (2.8.39's `project.updateConfig`) send PATCH /internal/config/override: the environment level. */
export const patchEnvironmentOverrideEndpoint = endpoint({
  method: 'PATCH',
  path: '/internal/config/override',
  access: ADMIN,
  body: z.strictObject({ config_override_string: z.string() }),
  handler: async (input) =>
    write(input, 'environment', { kind: 'patch', override: parseOverride('environment', input.body.config_override_string) }),
});

export const putConfigOverrideEndpoint = endpoint({
  method: 'PUT',
  path: '/internal/config/override/:level',
  access: ADMIN,
  body: z.strictObject({ config_string: z.string(), source: sourceSchema.optional() }),
  handler: async (input) => {
    const level = levelParam(input.params.level, ALL_LEVELS);
    const override = parseOverride(level, input.body.config_string);
    if (level === 'branch' && !input.body.source) throw configOverrideError('source is required for branch level config');
    return write(input, level, { kind: 'replace', override, ...(input.body.source ? { source: input.body.source } : {}) });
  },
});

export const resetConfigOverrideKeysEndpoint = endpoint({
  method: 'POST',
  path: '/internal/config/override/:level/reset-keys',
  access: ADMIN,
  body: z.strictObject({ keys: z.array(z.string()) }),
  handler: async (input) => write(input, levelParam(input.params.level, RESETTABLE_LEVELS), { kind: 'reset', keys: input.body.keys }),
});

export const getConfigSourceEndpoint = endpoint({
  method: 'GET',
  path: '/internal/config/source',
  access: ADMIN,
  handler: async ({ ctx, auth }) => ok({ source: await getConfigSource(ctx.db, auth.project.project.id) }),
});

export const unlinkConfigSourceEndpoint = endpoint({
  method: 'DELETE',
  path: '/internal/config/source',
  access: ADMIN,
  handler: async ({ ctx, auth }) => {
    await unlinkConfigSource(ctx.db, auth.project.project.id);
    return ok({ success: true });
  },
});
