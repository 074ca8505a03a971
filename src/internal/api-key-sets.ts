/**
 * API key sets (POST/GET/PATCH /internal/api-keys): up to three keys of a project made together, with a description
 * and an end date, shown once and stored like the project's other keys (a SHA-256 hash each, the publishable key also
 * sealed; see projects/projects.ts). A set's keys work until its end date or its revocation.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { newProjectKey } from '../crypto/secrets.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { errors } from '../errors/known-errors.js';
import { insertKey, notifyProjectChange, type ProjectKeyKind } from '../projects/projects.js';

export interface KeySetInput {
  description: string;
  expiresAt: Date;
  kinds: ProjectKeyKind[];
}

export interface KeySet {
  id: string;
  description: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  /** The last four characters of each key of the set. */
  lastFour: Partial<Record<ProjectKeyKind, string>>;
}

/** Creates a key set; the keys are returned this once. */
export async function createKeySet(
  db: Database,
  box: SecretBox,
  projectId: string,
  input: KeySetInput,
): Promise<{ set: KeySet; keys: Partial<Record<ProjectKeyKind, string>> }> {
  const id = randomUUID();
  const keys: Partial<Record<ProjectKeyKind, string>> = {};
  for (const kind of input.kinds) keys[kind] = newProjectKey(kind);
  const createdAt = await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ created_at: Date }>(
      'INSERT INTO authsync.project_key_sets (id, project_id, description, expires_at) VALUES ($1, $2, $3, $4) RETURNING created_at',
      [id, projectId, input.description, input.expiresAt],
    );
    for (const [kind, key] of Object.entries(keys) as Array<[ProjectKeyKind, string]>)
      await insertKey(tx, box, projectId, kind, key, { id, expiresAt: input.expiresAt });
    await notifyProjectChange(tx, projectId);
    return rows[0]!.created_at;
  });
  const lastFour = Object.fromEntries(Object.entries(keys).map(([kind, key]) => [kind, key.slice(-4)]));
  return { set: { id, description: input.description, createdAt, expiresAt: input.expiresAt, revokedAt: null, lastFour }, keys };
}

interface KeySetRow {
  id: string;
  description: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_fours: Array<{ kind: ProjectKeyKind; last_four: string }> | null;
}

const SELECT_SETS = `SELECT s.id, s.description, s.created_at, s.expires_at, s.revoked_at,
  (SELECT json_agg(json_build_object('kind', k.kind, 'last_four', k.last_four)) FROM authsync.project_keys k WHERE k.key_set_id = s.id)
    AS last_fours
  FROM authsync.project_key_sets s`;

function toKeySet(row: KeySetRow): KeySet {
  const lastFour: KeySet['lastFour'] = {};
  for (const entry of row.last_fours ?? []) lastFour[entry.kind] = entry.last_four;
  return {
    id: row.id,
    description: row.description,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastFour,
  };
}

/** A project's key sets, oldest first. */
export async function listKeySets(db: Queryable, projectId: string): Promise<KeySet[]> {
  const { rows } = await db.query<KeySetRow>(`${SELECT_SETS} WHERE s.project_id = $1 ORDER BY s.created_at, s.id`, [projectId]);
  return rows.map(toKeySet);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Changes a key set's description and/or revokes it (at once: its keys stop working on every server). */
export async function updateKeySet(
  db: Database,
  projectId: string,
  id: string,
  patch: { description?: string; revoked?: boolean },
): Promise<KeySet> {
  if (!UUID.test(id)) throw errors.apiKeyNotFound();
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM authsync.project_key_sets WHERE id = $1 AND project_id = $2 FOR UPDATE',
      [id, projectId],
    );
    if (!rows[0]) throw errors.apiKeyNotFound();
    if (patch.description !== undefined)
      await tx.query('UPDATE authsync.project_key_sets SET description = $2 WHERE id = $1', [id, patch.description]);
    if (patch.revoked && rows[0].revoked_at === null) {
      await tx.query('UPDATE authsync.project_key_sets SET revoked_at = now() WHERE id = $1', [id]);
      await tx.query('UPDATE authsync.project_keys SET revoked_at = now() WHERE key_set_id = $1 AND revoked_at IS NULL', [id]);
      await notifyProjectChange(tx, projectId);
    }
    const { rows: sets } = await tx.query<KeySetRow>(`${SELECT_SETS} WHERE s.id = $1`, [id]);
    return toKeySet(sets[0]!);
  });
}
