/**
 * Bench child process: Better Auth with email and password on the PostgreSQL database given as argv[2], set up
 * as its docs show (a `pg` pool of 10, default password hashing), mounted with `toNodeHandler` on node:http on a
 * free loopback port. Rate limiting is turned off explicitly (it is on by default when NODE_ENV=production) and so
 * is telemetry. Its schema is created with `getMigrations().runMigrations()`. Reports `{ type: 'ready', … }` over
 * IPC and stops on 'stop' (or SIGTERM).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import type { ChildReady } from '../protocol.js';

const databaseUrl = process.argv[2];
if (!databaseUrl || !process.send) throw new Error('usage: run as a forked child with a database URL argument');

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
pool.on('error', () => undefined);
const server = http.createServer();
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve());
});
const port = (server.address() as AddressInfo).port;

const options: BetterAuthOptions = {
  database: pool,
  baseURL: `http://127.0.0.1:${port}`,
  secret: randomBytes(32).toString('hex'),
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
};
const auth = betterAuth(options);
const { runMigrations } = await getMigrations(options);
await runMigrations();
server.on('request', toNodeHandler(auth));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await pool.end().catch(() => undefined);
  process.exit(0);
}
process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());

const ready: ChildReady = { type: 'ready', url: `http://127.0.0.1:${port}` };
process.send(ready);
