/**
 * The internal project: Stack's dashboard project, present on every instance. Its users are the instance's operators,
 * its teams own the other projects (src/internal/managed-projects.ts). It is made at each server start when missing,
 * with random keys, personal teams on sign-up, client team creation, and sign-up off: anyone who can sign up there can
 * create projects, so the operator turns sign-up on or creates the operators' accounts with the CLI or server API.
 */
import type { Database } from '../db/database.js';
import { hashSecret, hashesEqual } from '../crypto/secrets.js';
import type { SecretBox } from '../crypto/secret-box.js';
import {
  createProject,
  getProject,
  insertKey,
  notifyProjectChange,
  projectInputError,
  type ProjectKeyKind,
  type ProjectKeys,
} from '../projects/projects.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { INTERNAL_PROJECT_ID } from '../projects/internal-id.js';

/** Stack's published development keys of the internal project (its test suite uses them). Never set by default. */
export const DEVELOPMENT_KEYS: ProjectKeys = {
  publishableClientKey: 'this-publishable-client-key-is-for-local-development-only',
  secretServerKey: 'this-secret-server-key-is-for-local-development-only',
  superSecretAdminKey: 'this-super-secret-admin-key-is-for-local-development-only',
};

const INTERNAL_CONFIG: Partial<ProjectConfig> = {
  sign_up_enabled: false,
  create_team_on_sign_up: true,
  client_team_creation_enabled: true,
};

const KEY_KINDS: Array<[ProjectKeyKind, keyof ProjectKeys]> = [
  ['publishable_client', 'publishableClientKey'],
  ['secret_server', 'secretServerKey'],
  ['super_secret_admin', 'superSecretAdminKey'],
];

/**
 * Creates the internal project when missing (random keys, or `keys`); with `keys` and the project already there, makes
 * them its keys. Several servers starting at once on one database: one insert wins, the others find the project.
 */
export async function ensureInternalProject(db: Database, box: SecretBox, keys?: ProjectKeys): Promise<{ created: boolean }> {
  if (!(await getProject(db, INTERNAL_PROJECT_ID))) {
    try {
      await createProject(db, box, {
        id: INTERNAL_PROJECT_ID,
        displayName: 'Internal',
        config: INTERNAL_CONFIG,
        ...(keys ? { keys } : {}),
      });
      return { created: true };
    } catch (error) {
      // Another server made it meanwhile (its insert committed first): that one is the project.
      if (!(await getProject(db, INTERNAL_PROJECT_ID))) throw error;
    }
  }
  if (keys) await setInternalProjectKeys(db, box, keys);
  return { created: false };
}

/**
 * Makes `keys` the internal project's keys: each kind whose live key is not already this one gets it, and its other
 * project keys (not those of API key sets) are revoked. Nothing changes when the keys are already in place.
 */
export async function setInternalProjectKeys(db: Database, box: SecretBox, keys: ProjectKeys): Promise<void> {
  for (const [, field] of KEY_KINDS) {
    const value = keys[field];
    if (value.length < 16 || value.length > 256 || /\s/.test(value))
      throw projectInputError(`The ${field} must have 16 to 256 characters and no spaces.`);
  }
  await db.transaction(async (tx) => {
    let changed = false;
    for (const [kind, field] of KEY_KINDS) {
      const { rows } = await tx.query<{ key_hash: string }>(
        `SELECT key_hash FROM authsync.project_keys
         WHERE project_id = $1 AND kind = $2 AND revoked_at IS NULL AND key_set_id IS NULL FOR UPDATE`,
        [INTERNAL_PROJECT_ID, kind],
      );
      const wanted = hashSecret(keys[field]);
      if (rows.length === 1 && hashesEqual(rows[0]!.key_hash, wanted)) continue;
      await tx.query(
        `UPDATE authsync.project_keys SET revoked_at = now()
         WHERE project_id = $1 AND kind = $2 AND revoked_at IS NULL AND key_set_id IS NULL`,
        [INTERNAL_PROJECT_ID, kind],
      );
      await insertKey(tx, box, INTERNAL_PROJECT_ID, kind, keys[field]);
      changed = true;
    }
    if (changed) await notifyProjectChange(tx, INTERNAL_PROJECT_ID);
  });
}
