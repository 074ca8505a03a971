/**
 * Bench child process: an authsync server on the PostgreSQL database given as argv[2], on a free loopback port,
 * with the default project created at first start. Reports `{ type: 'ready', … }` over IPC and stops on
 * 'stop' (or SIGTERM), deleting its temporary data directory.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { startServer } from '../../../src/server/server.js';
import type { ChildReady } from '../protocol.js';

const databaseUrl = process.argv[2];
if (!databaseUrl || !process.send) throw new Error('usage: run as a forked child with a database URL argument');

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-bench-'));
const config = loadConfig(
  { port: 0, host: '127.0.0.1', databaseUrl, dataDir, logLevel: 'warn' },
  // Rate limits off: the benchmark measures sign-ups and sign-ins per second from one address, which they would cap.
  { AUTHSYNC_SECRET: randomBytes(32).toString('hex'), AUTHSYNC_RATE_LIMITS: 'off' },
);
const server = await startServer(config, { createDefaultProject: true });
const project = server.defaultProject;
if (!project) throw new Error('expected a fresh database (no default project was created)');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());

const ready: ChildReady = {
  type: 'ready',
  url: server.url,
  projectId: project.projectId,
  publishableClientKey: project.keys.publishableClientKey,
  jwksUrl: project.jwksUrl,
};
process.send(ready);
