/**
 * The configuration (src/config/index.ts) from flags and an environment: defaults, rate limits written N/WINDOW,
 * the base URL derived from host and port, flags over the environment, and every invalid value refused with its name.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('has defaults for everything: PGlite in ./.authsync, port 8102, limits on', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({
      port: 8102,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: path.resolve('./.authsync'),
      baseUrl: 'http://127.0.0.1:8102',
      baseUrlGiven: false,
      rateLimitsEnabled: true,
      rateLimitSignIn: { capacity: 30, windowSeconds: 300 },
      rateLimitAnonymousSignUp: { capacity: 30, windowSeconds: 3600 },
      trustedProxyHops: 0,
      sqlPasswordAuth: 'auto',
    });
  });

  it('reads rate limits as N/WINDOW with units s, m, h, d (a missing count of units is 1), or off', () => {
    const limit = (value: string) => loadConfig({}, { AUTHSYNC_RATE_LIMIT_SIGN_UP: value }).rateLimitSignUp;
    expect(limit('5/30s')).toEqual({ capacity: 5, windowSeconds: 30 });
    expect(limit('10/m')).toEqual({ capacity: 10, windowSeconds: 60 });
    expect(limit(' 100/1h ')).toEqual({ capacity: 100, windowSeconds: 3600 });
    expect(limit('7/2d')).toEqual({ capacity: 7, windowSeconds: 2 * 86_400 });
    expect(limit('off')).toBeNull();
    for (const bad of ['0/1m', '5', '5/1w', '-1/1m', 'five/1m', '5/1.5m']) {
      expect(() => limit(bad), bad).toThrow(/rateLimitSignUp: expected N\/WINDOW/);
    }
  });

  it('turns every limit off with AUTHSYNC_RATE_LIMITS=off; empty variables count as unset', () => {
    expect(loadConfig({}, { AUTHSYNC_RATE_LIMITS: 'off' }).rateLimitsEnabled).toBe(false);
    expect(loadConfig({}, { AUTHSYNC_RATE_LIMITS: 'on' }).rateLimitsEnabled).toBe(true);
    expect(loadConfig({}, { AUTHSYNC_RATE_LIMITS: '', DATABASE_URL: '', AUTHSYNC_RATE_LIMIT_SIGN_IN: '' })).toMatchObject({
      rateLimitsEnabled: true,
      databaseUrl: undefined,
      rateLimitSignIn: { capacity: 30, windowSeconds: 300 },
    });
  });

  it('derives the base URL from host and port (0.0.0.0 as 127.0.0.1, IPv6 in brackets) unless given, without a trailing slash', () => {
    expect(loadConfig({ host: '0.0.0.0', port: 9000 }, {}).baseUrl).toBe('http://127.0.0.1:9000');
    expect(loadConfig({ host: '::1', port: 9000 }, {}).baseUrl).toBe('http://[::1]:9000');
    const given = loadConfig({}, { AUTHSYNC_BASE_URL: 'https://auth.example.com//' });
    expect(given).toMatchObject({ baseUrl: 'https://auth.example.com', baseUrlGiven: true });
  });

  it('prefers flags to the environment', () => {
    const config = loadConfig(
      { port: 4000, databaseUrl: 'postgres://flag@h/db', dataDir: '/tmp/flag' },
      { PORT: '5000', DATABASE_URL: 'postgres://env@h/db', AUTHSYNC_DATA_DIR: '/tmp/env' },
    );
    expect(config).toMatchObject({ port: 4000, databaseUrl: 'postgres://flag@h/db', dataDir: path.resolve('/tmp/flag') });
    expect(loadConfig({}, { PORT: '5000' }).port).toBe(5000);
  });

  it('refuses invalid values, naming each', () => {
    expect(() => loadConfig({}, { PORT: '70000' })).toThrow(/Invalid configuration:[\s\S]*port:/);
    expect(() => loadConfig({}, { AUTHSYNC_TRUSTED_PROXY_HOPS: '11' })).toThrow(/trustedProxyHops:/);
    expect(() => loadConfig({}, { AUTHSYNC_SQL_PASSWORD_AUTH: 'yes' })).toThrow(/sqlPasswordAuth:/);
    expect(() => loadConfig({}, { AUTHSYNC_ACCESS_TOKEN_TTL: '10' })).toThrow(/accessTokenTtlSeconds:/);
    expect(() => loadConfig({}, { AUTHSYNC_BASE_URL: 'not a url' })).toThrow(/baseUrl:/);
    // Every problem at once.
    expect(() => loadConfig({}, { PORT: 'x', AUTHSYNC_LOG_LEVEL: 'loud' })).toThrow(/port:[\s\S]*logLevel:|logLevel:[\s\S]*port:/);
  });
});
