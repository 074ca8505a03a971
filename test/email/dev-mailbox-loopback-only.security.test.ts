/**
 * Property: the development mailbox's API, which serves every stored mail (and the codes in them) to whoever asks, is
 * never reachable beyond this machine by accident. With AUTHSYNC_DEV_MAILBOX=true the instance refuses to listen on
 * a non-loopback address unless AUTHSYNC_DEV_MAILBOX_ALLOW_REMOTE=true is also set: `authsync start` exits 1 with a
 * clear message, and startServer rejects before listening.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/server/server.js';
import { runCli } from '../cli/run-cli.js';
import { seedPgliteDataDir } from '../helpers/pglite-template.js';
import { TEST_SERVER_SECRET } from '../helpers/server.js';

describe('the dev mailbox API listens on loopback only', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-devbox-'));
    fs.writeFileSync(path.join(dataDir, 'secret'), `${TEST_SERVER_SECRET}\n`, { mode: 0o600 });
    await seedPgliteDataDir(dataDir);
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const config = (host: string, env: Record<string, string>) => loadConfig({ host, port: 0, dataDir, logLevel: 'silent' }, env);

  it('refuses every non-loopback listen address while the mailbox API is on', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'auth.example.com']) {
      await expect(
        startServer(config(host, { AUTHSYNC_DEV_MAILBOX: 'true' }), { createDefaultProject: false }),
        host,
      ).rejects.toMatchObject({
        code: 'INVALID_CONFIGURATION',
        message: expect.stringMatching(
          /AUTHSYNC_DEV_MAILBOX=true[\s\S]*refusing to listen on[\s\S]*AUTHSYNC_DEV_MAILBOX_ALLOW_REMOTE=true/,
        ),
      });
    }
  });

  it('`authsync start --host 0.0.0.0` with the mailbox API on exits 1 with the reason', { timeout: 120_000 }, async () => {
    const res = await runCli(['start', '--port', '0', '--host', '0.0.0.0', '--data-dir', dataDir], { AUTHSYNC_DEV_MAILBOX: 'true' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/AUTHSYNC_DEV_MAILBOX=true serves every stored mail[\s\S]*refusing to listen on 0\.0\.0\.0/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stdout).not.toContain('listening on');
  });

  it('starts on a loopback address, and on any address with the explicit flag; without the mailbox API, anywhere', async () => {
    for (const [host, env] of [
      ['127.0.0.1', { AUTHSYNC_DEV_MAILBOX: 'true' }],
      ['0.0.0.0', { AUTHSYNC_DEV_MAILBOX: 'true', AUTHSYNC_DEV_MAILBOX_ALLOW_REMOTE: 'true' }],
      ['0.0.0.0', {}],
    ] as Array<[string, Record<string, string>]>) {
      const server = await startServer(config(host, env), { createDefaultProject: false });
      try {
        const port = new URL(server.url).port;
        const res = await fetch(`http://127.0.0.1:${port}/dev-mailbox/api/v1/mailbox/anyone`);
        expect(res.status, `${host} ${JSON.stringify(env)}`).toBe(env.AUTHSYNC_DEV_MAILBOX ? 200 : 404);
      } finally {
        await server.stop();
      }
    }
  });
});
