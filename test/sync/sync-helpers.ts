/** Shared setup of the users_sync tests: a server on PostgreSQL, projects with external databases, comparisons. */
import pg from 'pg';
import { expect } from 'vitest';
import { createProject, type ProjectKeys } from '../../src/projects/projects.js';
import { provisionProject } from '../../src/provisioning/provision.js';
import { toServerUser, USER_COLUMNS, type UserRow } from '../../src/users/user-object.js';
import type { Database } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import type { TestServer } from '../helpers/server.js';

export interface SyncProject {
  projectId: string;
  keys: ProjectKeys;
  app: TestDatabase | undefined;
  targets: TestDatabase[];
}

/** A project whose app database is elsewhere (`externalApp`) and/or with extra sync targets. */
export async function createSyncProject(t: TestServer, options: { externalApp?: boolean; targets?: number }): Promise<SyncProject> {
  const app = options.externalApp ? await createTestDatabase('authsync_app') : undefined;
  const targets: TestDatabase[] = [];
  for (let i = 0; i < (options.targets ?? 0); i++) targets.push(await createTestDatabase('authsync_target'));
  const { ctx } = t.server;
  const { project, keys } = await createProject(ctx.db, ctx.box, {
    displayName: 'Sync project',
    ...(app ? { appDatabaseUrl: app.url } : {}),
    syncDatabaseUrls: targets.map((d) => d.url),
  });
  await provisionProject(ctx, project.id);
  await t.server.sync.refresh();
  return { projectId: project.id, keys, app, targets };
}

export function serverHeadersFor(p: { projectId: string; keys: ProjectKeys }): Record<string, string> {
  return {
    'x-stack-access-type': 'server',
    'x-stack-project-id': p.projectId,
    'x-stack-secret-server-key': p.keys.secretServerKey,
    'content-type': 'application/json',
  };
}

export function clientHeadersFor(p: { projectId: string; keys: ProjectKeys }): Record<string, string> {
  return {
    'x-stack-access-type': 'client',
    'x-stack-project-id': p.projectId,
    'x-stack-publishable-client-key': p.keys.publishableClientKey,
    'content-type': 'application/json',
  };
}

export async function call(
  t: TestServer,
  p: SyncProject | { projectId: string; keys: ProjectKeys },
  method: string,
  route: string,
  body?: unknown,
  client = false,
) {
  const response = await fetch(`${t.apiUrl}${route}`, {
    method,
    headers: client ? clientHeadersFor(p) : serverHeadersFor(p),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

interface RowState {
  raw: Record<string, unknown>;
  updated_at: string | null;
  deleted_at: string | null;
}

const iso = (value: Date | null) => (value === null ? null : value.toISOString());

/** What neon_auth.users_sync must hold for the project, computed from the source tables directly. */
export async function expectedRows(source: Database, projectId: string): Promise<Map<string, RowState>> {
  const expected = new Map<string, RowState>();
  const users = await source.query<UserRow>(`SELECT ${USER_COLUMNS} FROM authsync.users WHERE project_id = $1`, [projectId]);
  for (const u of users.rows) {
    expected.set(u.id, {
      raw: strip(toServerUser(u)),
      updated_at: Number(u.version) === 1 ? null : u.updated_at.toISOString(),
      deleted_at: null,
    });
  }
  const tombs = await source.query<{
    user_id: string;
    kind: string;
    raw_json: Record<string, unknown>;
    updated_at: Date | null;
    deleted_at: Date;
  }>('SELECT user_id, kind, raw_json, updated_at, deleted_at FROM authsync.sync_tombstones WHERE project_id = $1', [projectId]);
  for (const t of tombs.rows) {
    if (t.kind === 'deleted')
      expected.set(t.user_id, { raw: strip(t.raw_json), updated_at: iso(t.updated_at), deleted_at: t.deleted_at.toISOString() });
  }
  return expected;
}

/** The project's rows in a target (ids of the given project's users and tombstones). */
export async function targetRows(url: string, ids: Iterable<string>): Promise<Map<string, RowState>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{
      id: string;
      raw_json: Record<string, unknown>;
      updated_at: Date | null;
      deleted_at: Date | null;
    }>('SELECT id, raw_json, updated_at, deleted_at FROM neon_auth.users_sync WHERE id = ANY($1)', [[...ids]]);
    return new Map(rows.map((r) => [r.id, { raw: strip(r.raw_json), updated_at: iso(r.updated_at), deleted_at: iso(r.deleted_at) }]));
  });
}

/** Every id the project ever had (users and tombstones). */
export async function allIds(source: Database, projectId: string): Promise<string[]> {
  const { rows } = await source.query<{ id: string }>(
    'SELECT id::text FROM authsync.users WHERE project_id = $1 UNION SELECT user_id::text FROM authsync.sync_tombstones WHERE project_id = $1',
    [projectId],
  );
  return rows.map((r) => r.id);
}

export async function expectTargetEqualsSource(source: Database, url: string, projectId: string): Promise<void> {
  const expected = await expectedRows(source, projectId);
  const actual = await targetRows(url, await allIds(source, projectId));
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
}

/** Polls until `check` passes (or rethrows its last failure after `timeoutMs`). Waiting, not timing. */
export async function eventually(check: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function strip(raw: unknown): Record<string, unknown> {
  const { last_active_at_millis: _ignored, ...rest } = raw as Record<string, unknown>;
  return rest;
}
