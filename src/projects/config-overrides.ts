/**
 * A project's config overrides per level (authsync.project_config_overrides) and the branch config's source. Every
 * write runs in one transaction with the project row locked: the level's new override is stored, and the typed fields
 * it changes are written to projects.config, so behaviour (which reads only the typed config) follows at commit.
 */
import type { Database, Queryable } from '../db/database.js';
import { TextError } from '../errors/known-errors.js';
import { isConfigObject, overrideConfig, removeConfigKeys, type ConfigObject } from './config-override-format.js';
import { renderOverrides, showTypedValues, typedChanges, type LevelOverrides } from './config-override-render.js';
import { overrideProblem, type ConfigLevel } from './config-override-schema.js';
import { projectConfigSchema } from './project-config.js';
import { getProject, notifyProjectChange, type Project } from './projects.js';

/** Where the branch config was pushed from, as Stack's config source. */
export type ConfigSource =
  | { type: 'pushed-from-github'; owner: string; repo: string; branch: string; commit_hash: string; config_file_path: string }
  | { type: 'pushed-from-unknown' }
  | { type: 'unlinked' };

/** A refused config override: answered as plain text, as Stack answers it. */
export function configOverrideError(message: string): TextError {
  return new TextError('CONFIG_OVERRIDE_INVALID', 400, message);
}

/** Parses a config string of a request (`config_override_string`, `config_string`) and checks it for the level. */
export function parseOverride(level: ConfigLevel, text: string): ConfigObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw configOverrideError('Invalid config JSON');
  }
  const problem = overrideProblem(level, parsed);
  if (problem) throw configOverrideError(problem);
  return parsed as ConfigObject;
}

async function readLevels(db: Queryable, projectId: string): Promise<LevelOverrides & { source: ConfigSource }> {
  const { rows } = await db.query<{ level: ConfigLevel; override: unknown; source: unknown }>(
    'SELECT level, override, source FROM authsync.project_config_overrides WHERE project_id = $1',
    [projectId],
  );
  const levels: LevelOverrides & { source: ConfigSource } = { project: {}, branch: {}, environment: {}, source: { type: 'unlinked' } };
  for (const row of rows) {
    if (isConfigObject(row.override)) levels[row.level] = row.override;
    if (row.level === 'branch' && isConfigObject(row.source)) levels.source = row.source as ConfigSource;
  }
  return levels;
}

/** One level's override as stored ({} when never written). */
export async function getLevelOverride(db: Queryable, projectId: string, level: ConfigLevel): Promise<ConfigObject> {
  return (await readLevels(db, projectId))[level];
}

/** The rendered config of a project's overrides alone (without the typed config's values). */
export async function renderedOverrides(db: Queryable, projectId: string): Promise<ConfigObject> {
  return renderOverrides(await readLevels(db, projectId));
}

/** The rendered config of a project: its overrides over the defaults, with the typed config's values shown. */
export async function renderedProjectConfig(db: Queryable, project: Project): Promise<ConfigObject> {
  return showTypedValues(renderOverrides(await readLevels(db, project.id)), project.config);
}

export async function getConfigSource(db: Queryable, projectId: string): Promise<ConfigSource> {
  return (await readLevels(db, projectId)).source;
}

/** Sets the branch config's source to unlinked; its override stays. */
export async function unlinkConfigSource(db: Queryable, projectId: string): Promise<void> {
  await db.query('UPDATE authsync.project_config_overrides SET source = NULL WHERE project_id = $1 AND level = $2', [projectId, 'branch']);
}

export type OverrideWrite =
  /** Applied over the level's override (PATCH). */
  | { kind: 'patch'; override: ConfigObject }
  /** Replaces the level's override (PUT); for the branch level, with its source. */
  | { kind: 'replace'; override: ConfigObject; source?: ConfigSource }
  /** Removes paths, and what lies below them, from the level's override (reset-keys). */
  | { kind: 'reset'; keys: readonly string[] };

/** Writes one level's override and the typed fields it changes, in one transaction. False: no such project. */
export async function writeLevelOverride(db: Database, projectId: string, level: ConfigLevel, write: OverrideWrite): Promise<boolean> {
  return db.transaction(async (tx) => {
    const locked = await tx.query('SELECT 1 FROM authsync.projects WHERE id = $1 FOR UPDATE', [projectId]);
    if (locked.rowCount === 0) return false;
    const levels = await readLevels(tx, projectId);
    const current = levels[level];
    const next =
      write.kind === 'patch'
        ? overrideConfig(current, write.override)
        : write.kind === 'replace'
          ? write.override
          : removeConfigKeys(current, write.keys);
    const source = level === 'branch' && write.kind === 'replace' && write.source ? write.source : undefined;
    await tx.query(
      `INSERT INTO authsync.project_config_overrides (project_id, level, override, source) VALUES ($1, $2, $3, $4)
       ON CONFLICT (project_id, level) DO UPDATE
         SET override = EXCLUDED.override, updated_at = clock_timestamp(),
             source = CASE WHEN $5 THEN EXCLUDED.source ELSE authsync.project_config_overrides.source END`,
      [projectId, level, JSON.stringify(next), source && source.type !== 'unlinked' ? JSON.stringify(source) : null, source !== undefined],
    );
    const project = await getProject(tx, projectId);
    if (!project) return false;
    const written = write.kind === 'reset' ? [] : Object.keys(write.override);
    const changes = typedChanges(renderOverrides(levels), renderOverrides({ ...levels, [level]: next }), written, project.config);
    if (Object.keys(changes).length > 0) {
      const config = projectConfigSchema.parse({ ...project.config, ...changes });
      await tx.query('UPDATE authsync.projects SET config = $2, updated_at = now() WHERE id = $1', [projectId, JSON.stringify(config)]);
    }
    await notifyProjectChange(tx, projectId);
    return true;
  });
}
