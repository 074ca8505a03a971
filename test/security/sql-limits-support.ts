/** Shared by the /sql limit tests: raw /sql requests (status, Neon's JSON body, time taken) and an anonymous visitor's token. */
import fs from 'node:fs';
import { eventually, withClient } from '../sync/sync-helpers.js';

export { eventually, withClient };

export interface SqlAnswer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

export type SqlBody = { query: string; params?: unknown[] } | { queries: { query: string; params?: unknown[] }[] };

/** One /sql request as @neondatabase/serverless sends it (raw text, array mode). */
export async function postSql(endpoint: string, connectionString: string, token: string | undefined, body: SqlBody): Promise<SqlAnswer> {
  const started = performance.now();
  const normalized = 'queries' in body ? { queries: body.queries.map((q) => ({ params: [], ...q })) } : { params: [], ...body };
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'neon-connection-string': connectionString,
      'neon-raw-text-output': 'true',
      'neon-array-mode': 'true',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(normalized),
  });
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: response.status, body: json, ms: performance.now() - started };
}

/** What anyone can do with the publishable client key: create an anonymous user and take its access token. */
export async function anonymousToken(apiUrl: string, projectId: string, publishableClientKey: string): Promise<string> {
  const response = await fetch(`${apiUrl}/auth/anonymous/sign-up`, {
    method: 'POST',
    headers: {
      'x-stack-access-type': 'client',
      'x-stack-project-id': projectId,
      'x-stack-publishable-client-key': publishableClientKey,
      'content-type': 'application/json',
    },
    body: '{}',
  });
  const json = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !json.access_token)
    throw new Error(`anonymous sign-up failed: ${response.status} ${JSON.stringify(json)}`);
  return json.access_token;
}

/** Backends of `database` running a statement whose text contains `marker` (other than this lookup). */
export async function activeQueries(url: string, database: string, marker: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE '%' || $2 || '%' AND pid <> pg_backend_pid()`,
      [database, marker],
    );
    return Number(rows[0]!.n);
  });
}

/** Connections to `database` of the /sql pools (application_name authsync-sql). */
export async function sqlConnections(url: string, database: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'authsync-sql'`,
      [database],
    );
    return Number(rows[0]!.n);
  });
}

/** A process's peak resident memory (VmHWM) and current one (VmRSS), in MiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { peakMiB: field('VmHWM'), rssMiB: field('VmRSS') };
}
