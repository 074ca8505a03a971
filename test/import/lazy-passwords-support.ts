/**
 * The lazy password tests' old server: a second authsync server (its API is Stack-compatible) behind a small HTTP
 * proxy that counts the password sign-ins it forwards and can play an old server that fails (`mode`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { writeUser } from '../../src/import/write-user.js';
import { markLazyPasswordUsers, setLazyPasswordSource } from '../../src/import/lazy-passwords.js';
import { api, clientHeaders, serverHeaders, type TestServer } from '../helpers/server.js';

export interface CountingProxy {
  url: string;
  /** POST /api/v1/auth/password/sign-in requests that reached the proxy. */
  signIns: number;
  /** DELETE /api/v1/auth/sessions/current requests (sign-outs) that reached the proxy. */
  signOuts: number;
  /** `forward` (the default), `error` (answers 503 itself), `hang` (never answers). */
  mode: 'forward' | 'error' | 'hang';
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const hanging = new Set<http.ServerResponse>();
  const proxy: CountingProxy = { url: '', signIns: 0, signOuts: 0, mode: 'forward', close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/api/v1/auth/password/sign-in') proxy.signIns++;
      if (req.method === 'DELETE' && req.url === '/api/v1/auth/sessions/current') proxy.signOuts++;
      if (proxy.mode === 'hang') return void hanging.add(res);
      if (proxy.mode === 'error') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'content-length'));
      fetch(`${target}${req.url}`, {
        method: req.method,
        headers: headers as Record<string, string>,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      })
        .then(async (response) => {
          res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'text/plain' });
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

/** Signs up a user with a password on the old server and returns its server user object. */
export async function oldUser(old: TestServer, email: string, password: string): Promise<Record<string, unknown>> {
  const signUp = await api(old, 'POST', '/auth/password/sign-up', { body: { email, password } });
  expect(signUp.status).toBe(200);
  const read = await api(old, 'GET', `/users/${signUp.json.user_id as string}`, { headers: serverHeaders(old) });
  expect(read.status).toBe(200);
  return read.json;
}

/**
 * Imports `source` into the new server's project through the import writer (without its password, which the old
 * server does not export), marks it when it had one, and points the project at `oldUrl` as its old server.
 */
export async function importLazily(t: TestServer, old: TestServer, oldUrl: string, source: Record<string, unknown>): Promise<void> {
  const ctx = t.server.ctx;
  expect(await writeUser(ctx, t.projectId, source)).toBe('imported');
  if (source.has_password === true) await markLazyPasswordUsers(ctx.db, t.projectId, [source.id as string]);
  await setLazyPasswordSource(ctx.db, ctx.box, t.projectId, {
    baseUrl: oldUrl,
    oldProjectId: old.projectId,
    keyKind: 'secret_server',
    key: old.keys.secretServerKey,
  });
}

/** A password sign-in at the new server, as the SDK sends it. */
export function signIn(t: TestServer, email: string, password: string) {
  return api(t, 'POST', '/auth/password/sign-in', { headers: clientHeaders(t), body: { email, password } });
}

export async function isMarked(t: TestServer, userId: string): Promise<boolean> {
  const { rows } = await t.server.ctx.db.query('SELECT 1 FROM authsync.lazy_password_users WHERE user_id = $1', [userId]);
  return rows.length > 0;
}
