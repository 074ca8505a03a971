/**
 * Per-project ES256 signing keys: creation, rotation and the published JWKS. Private keys are sealed
 * under the server secret (see crypto/secret-box.ts) and never leave this module unsealed except as
 * node:crypto KeyObjects.
 */
import { randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { generateEs256KeyPair } from '../crypto/es256.js';
import type { SecretBox } from '../crypto/secret-box.js';

/**
 * A project signs the tokens of each kind of user with its own key, as Stack does: normal users, restricted users
 * (aud `<project>:restricted`) and anonymous users (aud `<project>:anon`). The default JWKS publishes the normal users'
 * keys only, so a verifier that did not ask for restricted or anonymous keys refuses those users' tokens.
 */
export const AUDIENCES = ['default', 'restricted', 'anonymous'] as const;
export type Audience = (typeof AUDIENCES)[number];

export interface PublicSigningKey {
  kid: string;
  projectId: string;
  audience: Audience;
  publicJwk: JsonWebKey;
  /** When set, the key no longer verifies after this instant. */
  publishUntil: Date | null;
}

/** A new key of an audience: the signing one, or (`pending`) published only, to sign after the next rotation. */
export async function createSigningKey(
  tx: Queryable,
  box: SecretBox,
  projectId: string,
  audience: Audience,
  pending = false,
): Promise<string> {
  const { privateJwk, publicJwk } = generateEs256KeyPair();
  const kid = randomBytes(9).toString('base64url');
  await tx.query(
    'INSERT INTO authsync.signing_keys (kid, project_id, audience, public_jwk, private_key_enc, pending) VALUES ($1, $2, $3, $4, $5, $6)',
    [
      kid,
      projectId,
      audience,
      JSON.stringify({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y }),
      box.seal(JSON.stringify(privateJwk)),
      pending,
    ],
  );
  return kid;
}

/** A new project's keys: for each audience, the signing key and the pending one (so its JWKS has two per audience). */
export async function createSigningKeySets(tx: Queryable, box: SecretBox, projectId: string): Promise<void> {
  for (const audience of AUDIENCES) {
    await createSigningKey(tx, box, projectId, audience);
    await createSigningKey(tx, box, projectId, audience, true);
  }
}

/**
 * Replaces the signing keys of a project; returns the keys that sign now. The old keys stop signing at once and stay
 * published (and verifiable) for `overlapSeconds`, long enough for every token they signed to expire. Each audience's
 * pending key, already published, becomes its signing key, and a new key is made pending (an audience without a
 * pending key, from before there were any, gets a new signing key).
 */
export async function rotateSigningKeys(db: Database, box: SecretBox, projectId: string, overlapSeconds: number): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query(
      `UPDATE authsync.signing_keys SET retired_at = now(), publish_until = now() + make_interval(secs => $2)
       WHERE project_id = $1 AND retired_at IS NULL AND NOT pending`,
      [projectId, overlapSeconds],
    );
    const { rows: promoted } = await tx.query<{ kid: string; audience: Audience }>(
      `UPDATE authsync.signing_keys SET pending = false WHERE project_id = $1 AND retired_at IS NULL AND pending RETURNING kid, audience`,
      [projectId],
    );
    const kids: string[] = [];
    for (const audience of AUDIENCES) {
      const signing = promoted.find((key) => key.audience === audience)?.kid;
      kids.push(signing ?? (await createSigningKey(tx, box, projectId, audience)));
      await createSigningKey(tx, box, projectId, audience, true);
    }
    await tx.notify('project_changes', projectId);
    return kids;
  });
}

/**
 * Makes the active key of an audience when the project has none (a project made before that audience existed: its
 * restricted users' key is made when the first of their tokens is signed). The project's row is locked, so two
 * servers doing this at once make one key. True when a key was made.
 */
export async function ensureSigningKey(db: Database, box: SecretBox, projectId: string, audience: Audience): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rowCount: projects } = await tx.query('SELECT 1 FROM authsync.projects WHERE id = $1 FOR UPDATE', [projectId]);
    if (projects === 0) return false;
    const { rowCount } = await tx.query(
      'SELECT 1 FROM authsync.signing_keys WHERE project_id = $1 AND audience = $2 AND retired_at IS NULL AND NOT pending',
      [projectId, audience],
    );
    if (rowCount > 0) return false;
    await createSigningKey(tx, box, projectId, audience);
    await tx.notify('project_changes', projectId);
    return true;
  });
}

/** The private key that signs new tokens of a project for an audience. */
export async function loadActiveSigningKey(
  db: Queryable,
  box: SecretBox,
  projectId: string,
  audience: Audience,
): Promise<{ kid: string; privateJwk: JsonWebKey } | undefined> {
  const { rows } = await db.query<{ kid: string; private_key_enc: string }>(
    `SELECT kid, private_key_enc FROM authsync.signing_keys
     WHERE project_id = $1 AND audience = $2 AND retired_at IS NULL AND NOT pending ORDER BY created_at DESC LIMIT 1`,
    [projectId, audience],
  );
  const row = rows[0];
  return row ? { kid: row.kid, privateJwk: JSON.parse(box.open(row.private_key_enc)) as JsonWebKey } : undefined;
}

interface PublicKeyRow {
  kid: string;
  project_id: string;
  audience: Audience;
  public_jwk: JsonWebKey;
  publish_until: Date | null;
}

function toPublicKey(row: PublicKeyRow): PublicSigningKey {
  return { kid: row.kid, projectId: row.project_id, audience: row.audience, publicJwk: row.public_jwk, publishUntil: row.publish_until };
}

export async function loadPublicKey(db: Queryable, kid: string): Promise<PublicSigningKey | undefined> {
  if (kid.length > 64) return undefined;
  const { rows } = await db.query<PublicKeyRow>(
    'SELECT kid, project_id, audience, public_jwk, publish_until FROM authsync.signing_keys WHERE kid = $1',
    [kid],
  );
  return rows[0] ? toPublicKey(rows[0]) : undefined;
}

/** The keys a project publishes: every key that still verifies, newest first. */
export async function listPublishedKeys(db: Queryable, projectId: string, audiences: readonly Audience[]): Promise<PublicSigningKey[]> {
  const { rows } = await db.query<PublicKeyRow>(
    `SELECT kid, project_id, audience, public_jwk, publish_until FROM authsync.signing_keys
     WHERE project_id = $1 AND audience = ANY($2::text[]) AND (publish_until IS NULL OR publish_until > now())
     ORDER BY audience, created_at DESC`,
    [projectId, audiences],
  );
  return rows.map(toPublicKey);
}

/** A published key as a JWK entry. */
export function toJwk(key: PublicSigningKey): Record<string, unknown> {
  return { ...key.publicJwk, alg: 'ES256', kid: key.kid, use: 'sig' };
}

/** Where a project's public signing keys are served (the API's `/.well-known/jwks.json`). */
export function jwksUrl(baseUrl: string, projectId: string): string {
  return `${baseUrl}/api/v1/projects/${projectId}/.well-known/jwks.json`;
}
