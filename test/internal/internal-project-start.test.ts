/**
 * The internal project on every instance, on PostgreSQL: made at start with random keys (Stack's development keys
 * refused) and its settings (sign-up off); one project when two servers start at once on a fresh database; the CLI's
 * key command and `project create --id internal` reach it by its alias; AUTHSYNC_INTERNAL_PROJECT_DEV_KEYS=true at a
 * later start gives it the development keys.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';
import { DEVELOPMENT_KEYS } from '../../src/internal/internal-project.js';
import { getProject } from '../../src/projects/projects.js';
import { startServer } from '../../src/server/server.js';
import { createTestDatabase } from '../helpers/databases.js';
import { api, startSecondServer, TEST_SERVER_SECRET, useTestServer, type TestServer } from '../helpers/server.js';
import { expectKnownError } from '../api/support.js';
import { runCli } from '../cli/run-cli.js';
import { internal } from './support.js';

const t = useTestServer();

/** The test server seen as its internal project with the given publishable key. */
const withPublishable = (key: string): TestServer => ({ ...internal(t), keys: { ...DEVELOPMENT_KEYS, publishableClientKey: key } });

describe('the internal project at start', () => {
  it('exists with random keys and its settings: sign-up off, personal teams, client team creation', async () => {
    const project = await getProject(t.server.ctx.db, 'internal');
    expect(project?.id).toBe(INTERNAL_PROJECT_ID);
    expect(project?.config).toMatchObject({ sign_up_enabled: false, create_team_on_sign_up: true, client_team_creation_enabled: true });
    expectKnownError(await api(internal(t), 'GET', '/projects/current'), 'INVALID_PUBLISHABLE_CLIENT_KEY', 401);
  });

  it("the CLI's key command and project create --id internal reach it by its alias", async () => {
    const cliArgs = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--base-url', t.url];
    const rotated = await runCli(['keys', 'rotate', '--project', 'internal', '--kind', 'publishable-client', '--json', ...cliArgs]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKey = (JSON.parse(rotated.stdout) as { newKey: string }).newKey;
    const current = await api(withPublishable(newKey), 'GET', '/projects/current');
    expect(current.status, current.text).toBe(200);
    expect(current.json.id).toBe('internal');

    const created = await runCli(['project', 'create', '--id', 'internal', '--name', 'Operators', '--json', ...cliArgs]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ projectId: 'internal', ...DEVELOPMENT_KEYS });
    expectKnownError(await api(withPublishable(newKey), 'GET', '/projects/current'), 'INVALID_PUBLISHABLE_CLIENT_KEY', 401);
    const dev = await api(internal(t), 'GET', '/projects/current');
    expect(dev.status, dev.text).toBe(200);
    expect(dev.json.display_name).toBe('Operators');

    const updated = await runCli(['project', 'update', '--id', 'internal', '--sign-up-enabled', 'true', '--json', ...cliArgs]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ signUpEnabled: true });
    expect((await getProject(t.server.ctx.db, INTERNAL_PROJECT_ID))?.config.sign_up_enabled).toBe(true);
    const shortKey = await runCli(['project', 'create', '--id', 'internal', '--name', 'X', '--secret-server-key', 'short', ...cliArgs]);
    expect(shortKey.code).toBe(1);
    expect(shortKey.stderr).toMatch(/16 to 256 characters/);
  });

  it('AUTHSYNC_INTERNAL_PROJECT_DEV_KEYS=true at a later start sets the development keys', async () => {
    const cliArgs = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--base-url', t.url];
    await runCli(['keys', 'rotate', '--project', 'internal', '--kind', 'publishable-client', ...cliArgs]);
    expectKnownError(await api(internal(t), 'GET', '/projects/current'), 'INVALID_PUBLISHABLE_CLIENT_KEY', 401);
    const second = await startSecondServer(t, { env: { AUTHSYNC_INTERNAL_PROJECT_DEV_KEYS: 'true' } });
    try {
      const res = await fetch(`${second.url}/api/v1/projects/current`, {
        headers: {
          'x-stack-access-type': 'client',
          'x-stack-project-id': 'internal',
          'x-stack-publishable-client-key': DEVELOPMENT_KEYS.publishableClientKey,
        },
      });
      expect(res.status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

describe('two servers starting at once on a fresh database', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('make one internal project', async () => {
    const database = await createTestDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-test-'));
    dirs.push(dataDir);
    fs.writeFileSync(path.join(dataDir, 'secret'), `${TEST_SERVER_SECRET}\n`, { mode: 0o600 });
    const config = () => loadConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', databaseUrl: database.url }, {});
    const servers = await Promise.all([
      startServer(config(), { createDefaultProject: false }),
      startServer(config(), { createDefaultProject: false }),
    ]);
    try {
      const { rows } = await servers[0].ctx.db.query<{ id: string }>('SELECT id FROM authsync.projects');
      expect(rows).toEqual([{ id: INTERNAL_PROJECT_ID }]);
      const keys = await servers[0].ctx.db.query('SELECT kind FROM authsync.project_keys WHERE project_id = $1 AND revoked_at IS NULL', [
        INTERNAL_PROJECT_ID,
      ]);
      expect(keys.rowCount).toBe(3);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await database.drop();
    }
  });
});
