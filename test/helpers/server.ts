/**
 * A real authsync server for a test file: on a fresh PostgreSQL database or a fresh PGlite directory,
 * listening on a free port, with one project whose keys the test can use.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createProject, type ProjectKeys } from '../../src/projects/projects.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { createTestDatabase } from './databases.js';

export type StorageMode = 'postgres' | 'pglite';

export interface TestServer {
  server: RunningServer;
  url: string;
  apiUrl: string;
  projectId: string;
  keys: ProjectKeys;
  mode: StorageMode;
  databaseUrl: string | undefined;
  dataDir: string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  mode?: StorageMode;
  env?: Record<string, string>;
}

/**
 * Tests sign up and sign in many users from 127.0.0.1: the API's rate limits are off unless the test's env sets
 * `AUTHSYNC_RATE_LIMITS` or the limit itself. The dashboard's sign-in limit keeps its default, as before it moved to
 * the shared limiter (the dashboard tests rely on it).
 */
function apiRateLimitsOff(env: Record<string, string> = {}): Record<string, string> {
  if (env.AUTHSYNC_RATE_LIMITS !== undefined) return {};
  const names = ['SIGN_IN', 'SIGN_IN_PER_ACCOUNT', 'SIGN_UP', 'ANONYMOUS_SIGN_UP', 'SQL_PASSWORD'].map(
    (name) => `AUTHSYNC_RATE_LIMIT_${name}`,
  );
  return Object.fromEntries(names.map((name) => [name, 'off']));
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const mode = options.mode ?? 'postgres';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-test-'));
  const database = mode === 'postgres' ? await createTestDatabase() : undefined;
  const config: Config = loadConfig(
    { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...(database ? { databaseUrl: database.url } : {}) },
    { ...apiRateLimitsOff(options.env), ...options.env },
  );
  const server = await startServer(config, { createDefaultProject: false });
  const { project, keys } = await createProject(server.ctx.db, server.ctx.box, { displayName: 'Test project' });
  return {
    server,
    url: server.url,
    apiUrl: `${server.url}/api/v1`,
    projectId: project.id,
    keys,
    mode,
    databaseUrl: database?.url,
    dataDir,
    async stop() {
      await server.stop();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers of a client-access request to the test project. */
export function clientHeaders(t: TestServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'x-stack-access-type': 'client',
    'x-stack-project-id': t.projectId,
    'x-stack-publishable-client-key': t.keys.publishableClientKey,
    'content-type': 'application/json',
    ...extra,
  };
}

/** Headers of a server-access request to the test project. */
export function serverHeaders(t: TestServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'x-stack-access-type': 'server',
    'x-stack-project-id': t.projectId,
    'x-stack-secret-server-key': t.keys.secretServerKey,
    'content-type': 'application/json',
    ...extra,
  };
}

export async function api(t: TestServer, method: string, route: string, init: { headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`${t.apiUrl}${route}`, {
    method,
    headers: init.headers ?? clientHeaders(t),
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> };
}
