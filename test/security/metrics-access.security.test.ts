/**
 * GET /metrics names projects and their databases in its labels, so it is not public: with AUTHSYNC_METRICS_TOKEN
 * set it wants that bearer token from everyone; without one it answers loopback connections only.
 */
import { describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/server/http-app.js';
import { useTestServer } from '../helpers/server.js';

const TOKEN = 'metrics-token-0123456789abcdef';

describe('/metrics behind a trusted proxy on this machine', () => {
  const t = useTestServer({ env: { AUTHSYNC_TRUSTED_PROXY_HOPS: '1' } });

  it('judges the client the proxy names, not the proxy: a remote client is refused though the socket is loopback', async () => {
    const remote = await fetch(`${t.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(remote.status).toBe(403);
    const local = await fetch(`${t.url}/metrics`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(local.status).toBe(200);
  });
});

describe('/metrics without a metrics token', () => {
  const t = useTestServer();

  it('answers a loopback connection', async () => {
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE authsync_users_sync_pending gauge');
  });

  it('refuses a connection from another address, saying how to allow it', async () => {
    // The application as the server runs it, with the peer address of a remote client (the socket is the one part
    // a loopback test cannot produce).
    const app = createHttpApp(t.server.ctx, t.server.sql);
    for (const remoteAddress of ['203.0.113.9', '::ffff:192.0.2.7', '2001:db8::1']) {
      const response = await app.request('/metrics', {}, { incoming: { socket: { remoteAddress } } });
      expect(response.status, remoteAddress).toBe(403);
      expect(await response.text()).toContain('set AUTHSYNC_METRICS_TOKEN');
    }
    for (const remoteAddress of ['127.0.0.1', '::ffff:127.0.0.1', '::1']) {
      expect((await app.request('/metrics', {}, { incoming: { socket: { remoteAddress } } })).status, remoteAddress).toBe(200);
    }
  });
});

describe('/metrics with a metrics token', () => {
  const t = useTestServer({ env: { AUTHSYNC_METRICS_TOKEN: TOKEN } });

  it('wants the token even on loopback, and answers with it', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${TOKEN}`, 'Bearer ', `Bearer ${TOKEN}x`]) {
      const response = await fetch(`${t.url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authsync metrics"');
    }
    const response = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE authsync_users_sync_lag_seconds gauge');
  });

  it('from another address too', async () => {
    const app = createHttpApp(t.server.ctx, t.server.sql);
    const env = { incoming: { socket: { remoteAddress: '203.0.113.9' } } };
    expect((await app.request('/metrics', {}, env)).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }, env)).status).toBe(200);
  });
});
