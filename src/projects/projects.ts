/**
 * Projects and their API keys: creation, listing, key rotation. Plain functions over a database handle;
 * the HTTP API, the CLI and the dashboard all call these.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { hashSecret, newProjectKey } from '../crypto/secrets.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AppError } from '../errors/app-error.js';
import { resolveProjectId } from './internal-id.js';
import { parseProjectConfig, projectConfigSchema, type ProjectConfig } from './project-config.js';
import { addProjectDatabase } from './databases.js';
import { createSigningKeySets } from './signing-keys.js';

export type ProjectKeyKind = 'publishable_client' | 'secret_server' | 'super_secret_admin';

export interface Project {
  id: string;
  displayName: string;
  description: string;
  config: ProjectConfig;
  createdAt: Date;
  /** The internal project's team whose members administer this project (null: only the project's keys do). */
  ownerTeamId: string | null;
  /** Stack's production mode flag, kept for the admin API (no behaviour yet). */
  isProductionMode: boolean;
}

export interface ProjectKeys {
  publishableClientKey: string;
  secretServerKey: string;
  superSecretAdminKey: string;
}

export interface CreateProjectInput {
  displayName: string;
  /** Keep an existing Stack/Neon Auth project ID. */
  id?: string;
  /** Keep existing keys; each missing one is generated. */
  keys?: Partial<ProjectKeys>;
  config?: Partial<ProjectConfig>;
  /** The app database (users_sync, RLS kit); default: the server's own database. */
  appDatabaseUrl?: string | null;
  /** Extra users_sync targets. */
  syncDatabaseUrls?: string[];
  /** A team of the internal project, whose members administer the project (POST /internal/projects). */
  ownerTeamId?: string | null;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Project IDs must be UUIDs (the Stack SDK checks them in its constructor from 2.8.77 on). */
export function isProjectId(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** A project's settings the user gave and must fix (a malformed ID, a name too long, a taken ID...). */
export function projectInputError(message: string): AppError {
  return new AppError('PROJECT_INPUT', 400, message);
}

/** Creates a project with its keys and signing keys. The keys are returned once and stored only as hashes. */
export async function createProject(
  db: Database,
  box: SecretBox,
  input: CreateProjectInput,
): Promise<{ project: Project; keys: ProjectKeys }> {
  const id = (input.id ?? randomUUID()).toLowerCase();
  if (!isProjectId(id)) throw projectInputError(`The project ID "${input.id}" is not a UUID.`);
  const displayName = input.displayName.trim();
  if (displayName.length < 1 || displayName.length > 256) throw projectInputError('The project name must have 1 to 256 characters.');
  const keys: ProjectKeys = {
    publishableClientKey: input.keys?.publishableClientKey ?? newProjectKey('publishable_client'),
    secretServerKey: input.keys?.secretServerKey ?? newProjectKey('secret_server'),
    superSecretAdminKey: input.keys?.superSecretAdminKey ?? newProjectKey('super_secret_admin'),
  };
  for (const [name, value] of Object.entries(keys)) {
    if (value.length < 16 || value.length > 256 || /\s/.test(value))
      throw projectInputError(`The ${name} must have 16 to 256 characters and no spaces.`);
  }
  const config = projectConfigSchema.parse(input.config ?? {});
  const project = await db.transaction(async (tx) => {
    const existing = await tx.query('SELECT 1 FROM authsync.projects WHERE id = $1', [id]);
    if (existing.rowCount > 0) throw projectInputError(`A project with the ID ${id} already exists.`);
    const { rows } = await tx.query<{ created_at: Date }>(
      'INSERT INTO authsync.projects (id, display_name, config, owner_team_id) VALUES ($1, $2, $3, $4) RETURNING created_at',
      [id, displayName, JSON.stringify(config), input.ownerTeamId ?? null],
    );
    await insertKey(tx, box, id, 'publishable_client', keys.publishableClientKey);
    await insertKey(tx, box, id, 'secret_server', keys.secretServerKey);
    await insertKey(tx, box, id, 'super_secret_admin', keys.superSecretAdminKey);
    await createSigningKeySets(tx, box, id);
    await addProjectDatabase(tx, box, id, 'app', input.appDatabaseUrl ?? null);
    for (const url of input.syncDatabaseUrls ?? []) await addProjectDatabase(tx, box, id, 'sync_target', url);
    await notifyProjectChange(tx, id);
    return {
      id,
      displayName,
      description: '',
      config,
      createdAt: rows[0]!.created_at,
      ownerTeamId: input.ownerTeamId ?? null,
      isProductionMode: false,
    };
  });
  return { project, keys };
}

/** Stores one key: its hash, and the publishable key sealed too; `set` for the keys of an API key set. */
export async function insertKey(
  tx: Queryable,
  box: SecretBox,
  projectId: string,
  kind: ProjectKeyKind,
  key: string,
  set?: { id: string; expiresAt: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO authsync.project_keys (id, project_id, kind, key_hash, key_enc, key_set_id, expires_at, last_four)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      randomUUID(),
      projectId,
      kind,
      hashSecret(key),
      kind === 'publishable_client' ? box.seal(key) : null,
      set?.id ?? null,
      set?.expiresAt ?? null,
      key.slice(-4),
    ],
  );
}

/**
 * Replaces a project key with a new one (shown once); the old one stops working at once. Rotating the super secret
 * admin key also ends the project's dashboard sessions, which that key opened: whoever held the old key is signed out.
 */
export async function rotateProjectKey(db: Database, box: SecretBox, projectId: string, kind: ProjectKeyKind): Promise<string> {
  const key = newProjectKey(kind);
  await db.transaction(async (tx) => {
    await tx.query('UPDATE authsync.project_keys SET revoked_at = now() WHERE project_id = $1 AND kind = $2 AND revoked_at IS NULL', [
      projectId,
      kind,
    ]);
    await insertKey(tx, box, projectId, kind, key);
    if (kind === 'super_secret_admin') await tx.query('DELETE FROM authsync.dashboard_sessions WHERE project_id = $1', [projectId]);
    await notifyProjectChange(tx, projectId);
  });
  return key;
}

/** Tells every authsync process that a project changed (its directory entry and sync targets), at commit. */
export async function notifyProjectChange(tx: Queryable, projectId: string): Promise<void> {
  await tx.notify('project_changes', projectId);
}

interface ProjectRow {
  id: string;
  display_name: string;
  description: string;
  config: unknown;
  created_at: Date;
  owner_team_id: string | null;
  is_production_mode: boolean;
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    config: parseProjectConfig(row.config),
    createdAt: row.created_at,
    ownerTeamId: row.owner_team_id,
    isProductionMode: row.is_production_mode,
  };
}

/** A project by its ID (`internal` names the internal project). */
export async function getProject(db: Queryable, id: string): Promise<Project | undefined> {
  id = resolveProjectId(id);
  if (!isProjectId(id)) return undefined;
  const { rows } = await db.query<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM authsync.projects WHERE id = $1`, [id]);
  return rows[0] ? toProject(rows[0]) : undefined;
}

const PROJECT_COLUMNS = 'id, display_name, description, config, created_at, owner_team_id, is_production_mode';

export async function listProjects(db: Queryable): Promise<Project[]> {
  const { rows } = await db.query<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM authsync.projects ORDER BY created_at, id`);
  return rows.map(toProject);
}

export async function updateProject(
  db: Database,
  id: string,
  patch: { displayName?: string; config?: Partial<ProjectConfig> },
): Promise<Project | undefined> {
  return db.transaction(async (tx) => {
    const current = await getProject(tx, id);
    if (!current) return undefined;
    const displayName = patch.displayName?.trim() ?? current.displayName;
    if (displayName.length < 1 || displayName.length > 256) throw projectInputError('The project name must have 1 to 256 characters.');
    const config = projectConfigSchema.parse({ ...current.config, ...patch.config });
    await tx.query('UPDATE authsync.projects SET display_name = $2, config = $3, updated_at = now() WHERE id = $1', [
      id,
      displayName,
      JSON.stringify(config),
    ]);
    await notifyProjectChange(tx, id);
    return { ...current, displayName, config };
  });
}

/** The current publishable client key of a project, decrypted (it is public by design). */
export async function getPublishableClientKey(db: Queryable, box: SecretBox, projectId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ key_enc: string | null }>(
    `SELECT key_enc FROM authsync.project_keys
     WHERE project_id = $1 AND kind = 'publishable_client' AND revoked_at IS NULL AND key_set_id IS NULL
     ORDER BY created_at DESC LIMIT 1`,
    [projectId],
  );
  const sealed = rows[0]?.key_enc;
  return sealed ? box.open(sealed) : undefined;
}

/**
 * Hashes of the live keys of a project, by kind: not revoked, and not past the end date of their key set (the project
 * directory keeps them for its TTL, so a key set ends up to that much later).
 */
export async function getProjectKeyHashes(db: Queryable, projectId: string): Promise<Record<ProjectKeyKind, string[]>> {
  const { rows } = await db.query<{ kind: ProjectKeyKind; key_hash: string }>(
    `SELECT kind, key_hash FROM authsync.project_keys
     WHERE project_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [projectId],
  );
  const hashes: Record<ProjectKeyKind, string[]> = { publishable_client: [], secret_server: [], super_secret_admin: [] };
  for (const row of rows) hashes[row.kind].push(row.key_hash);
  return hashes;
}
