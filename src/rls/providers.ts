/** A project's external JWKS providers for /sql (`authsync rls providers …`). */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { notifyProjectChange } from '../projects/projects.js';

export interface RlsProvider {
  id: string;
  projectId: string;
  jwksUrl: string;
  audience: string | null;
  createdAt: Date;
}

/** A JWKS URL that cannot be a provider: the user's to fix. */
function providerInput(message: string): AppError {
  return new AppError('PROVIDER_INPUT', 400, message);
}

/** https, or http to a loopback address (for development and tests). No credentials, no fragment. */
export function checkJwksUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw providerInput(`"${value}" is not a URL.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw providerInput('A JWKS URL must use https (http only for 127.0.0.1/localhost).');
  if (url.username || url.password) throw providerInput('A JWKS URL must not contain credentials.');
  url.hash = '';
  return url.toString();
}

export async function addProvider(db: Queryable, projectId: string, jwksUrl: string, audience?: string): Promise<RlsProvider> {
  const url = checkJwksUrl(jwksUrl);
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `INSERT INTO authsync.rls_providers (id, project_id, jwks_url, audience) VALUES ($1, $2, $3, $4)
     ON CONFLICT (project_id, jwks_url) DO UPDATE SET audience = excluded.audience RETURNING id, created_at`,
    [randomUUID(), projectId, url, audience ?? null],
  );
  await notifyProjectChange(db, projectId);
  return { id: rows[0]!.id, projectId, jwksUrl: url, audience: audience ?? null, createdAt: rows[0]!.created_at };
}

export async function removeProvider(db: Queryable, projectId: string, jwksUrl: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM authsync.rls_providers WHERE project_id = $1 AND jwks_url = $2', [
    projectId,
    checkJwksUrl(jwksUrl),
  ]);
  await notifyProjectChange(db, projectId);
  return rowCount > 0;
}

export async function listProviders(db: Queryable, projectId: string): Promise<RlsProvider[]> {
  const { rows } = await db.query<{ id: string; project_id: string; jwks_url: string; audience: string | null; created_at: Date }>(
    'SELECT id, project_id, jwks_url, audience, created_at FROM authsync.rls_providers WHERE project_id = $1 ORDER BY created_at, jwks_url',
    [projectId],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id, jwksUrl: r.jwks_url, audience: r.audience, createdAt: r.created_at }));
}
