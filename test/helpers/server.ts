/**
 * A real authsync server for a test file: on a fresh PostgreSQL database or a fresh PGlite directory,
 * listening on a free port, with one project whose keys the test can use.
 *
 * - `useTestServer()`: a server for the enclosing describe block (or file), started before its tests, stopped after.
 * - `describeOnEachStore()`: a describe block once per store (PostgreSQL, PGlite), each with its own server.
 * - `startSecondServer()`: another server on a test server's database, as behind a load balancer.
 * - `startTestServer()`: the server itself, for a test that starts and stops it on its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createProject, type ProjectKeys } from '../../src/projects/projects.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { createTestDatabase } from './databases.js';
import { seedPgliteDataDir } from './pglite-template.js';

export type StorageMode = 'postgres' | 'pglite';

/** Every store a server runs on: what both must do alike is tested on each. */
export const STORES: readonly StorageMode[] = ['postgres', 'pglite'];

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
  const names = ['SIGN_IN', 'SIGN_IN_PER_ACCOUNT', 'SIGN_UP', 'ANONYMOUS_SIGN_UP', 'SQL_PASSWORD', 'EMAIL_SEND', 'EMAIL_RECIPIENT'].map(
    (name) => `AUTHSYNC_RATE_LIMIT_${name}`,
  );
  return Object.fromEntries(names.map((name) => [name, 'off']));
}

/** The configuration of a test server: a free port on 127.0.0.1, no logs, the API's rate limits off unless `env` sets them. */
function testConfig(
  store: { dataDir: string; databaseUrl: string | undefined; baseUrl?: string },
  env: Record<string, string> | undefined,
): Config {
  const { dataDir, databaseUrl, baseUrl } = store;
  return loadConfig(
    { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...(databaseUrl ? { databaseUrl } : {}), ...(baseUrl ? { baseUrl } : {}) },
    { ...apiRateLimitsOff(env), ...env },
  );
}

/** The server secret of test servers (a test value: the login roles it names exist only on test clusters). */
export const TEST_SERVER_SECRET = 'authsync-test-servers-share-this-secret-for-their-login-roles';

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const mode = options.mode ?? 'postgres';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-test-'));
  // One server secret for every test server (unless the test sets its own), so they share one pair of login roles
  // on the test cluster instead of adding a pair per server (rls/end-user-roles.ts). Written where the server and the
  // CLI read it, so `--data-dir` runs agree with the server.
  if (options.env?.AUTHSYNC_SECRET === undefined)
    fs.writeFileSync(path.join(dataDir, 'secret'), `${TEST_SERVER_SECRET}\n`, { mode: 0o600 });
  const database = mode === 'postgres' ? await createTestDatabase() : undefined;
  if (mode === 'pglite') await seedPgliteDataDir(dataDir);
  const server = await startServer(testConfig({ dataDir, databaseUrl: database?.url }, options.env), { createDefaultProject: false });
  const { project, keys } = await createProject(server.ctx.db, server.ctx.box, { displayName: 'Test project' });
  let stopped: Promise<void> | undefined;
  return {
    server,
    url: server.url,
    apiUrl: `${server.url}/api/v1`,
    projectId: project.id,
    keys,
    mode,
    databaseUrl: database?.url,
    dataDir,
    /** Stops the server and removes its database and directory; calling it again waits for the same stop. */
    stop() {
      stopped ??= (async () => {
        await server.stop();
        await database?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/**
 * A test server for the enclosing describe block, or for the file when called at its top level: started in `beforeAll`,
 * stopped in `afterAll`. Call it before the block's own hooks, so that they run once the server is up. The object
 * returned is filled in once the server has started: read it inside tests and hooks, not while the block is being
 * declared. The block's own `afterAll` hooks run before the server stops; one whose cleanup needs the server gone
 * (dropping a database or a role it uses) calls `await t.stop()` first, and the fixture's stop then waits for that one.
 */
export function useTestServer(options: TestServerOptions = {}): TestServer {
  const t = {} as TestServer;
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await startTestServer(options);
    Object.assign(t, started);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return t;
}

/**
 * A describe block for each store, PostgreSQL then PGlite, each with its own server (`useTestServer`, with `options`):
 * `name` names the store with `%s`, as in `describe.each`; `body` declares the block's tests against `t`.
 */
export function describeOnEachStore(name: string, body: (t: TestServer, mode: StorageMode) => void): void;
export function describeOnEachStore(
  name: string,
  options: Omit<TestServerOptions, 'mode'>,
  body: (t: TestServer, mode: StorageMode) => void,
): void;
export function describeOnEachStore(
  name: string,
  ...args: [(t: TestServer, mode: StorageMode) => void] | [Omit<TestServerOptions, 'mode'>, (t: TestServer, mode: StorageMode) => void]
): void {
  const [options, body] = args.length === 1 ? [{}, args[0]] : args;
  describe.each(STORES)(name, (mode) => {
    const t = useTestServer({ ...options, mode });
    body(t, mode);
  });
}

/**
 * Another server on a PostgreSQL test server's database and data directory (so the same server secret, and tokens
 * valid on both), as a load balancer would spread them; the caller stops it before stopping `t`. `env` is the
 * second server's whole environment, with the same defaults as `startTestServer`'s.
 */
export function startSecondServer(t: TestServer, options: { env?: Record<string, string>; baseUrl?: string } = {}): Promise<RunningServer> {
  if (!t.databaseUrl) throw new Error('A second server shares a PostgreSQL database; PGlite has one process.');
  return startServer(testConfig({ dataDir: t.dataDir, databaseUrl: t.databaseUrl, baseUrl: options.baseUrl }, options.env), {
    createDefaultProject: false,
  });
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

/** Headers of an admin request to the test server's project with its super secret admin key. */
export function adminHeaders(t: TestServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'x-stack-access-type': 'admin',
    'x-stack-project-id': t.projectId,
    'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
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
