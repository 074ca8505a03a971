/**
 * Configuration: read once, from CLI flags and the environment, validated with zod.
 * Nothing else in the code base reads `process.env`; it receives a `Config` instead.
 */
import path from 'node:path';
import { z } from 'zod';

const configSchema = z.object({
  /**
   * TCP port of the HTTP server.
   * @default 8102
   */
  port: z.coerce.number().int().min(0).max(65535).default(8102),
  /**
   * Interface to listen on.
   * @default "127.0.0.1"
   */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * PostgreSQL connection string. When absent, an embedded PGlite database in `dataDir` is used.
   */
  databaseUrl: z.string().min(1).optional(),
  /**
   * Directory of the embedded database and of the generated server secret.
   * @default "./.authsync"
   */
  dataDir: z.string().min(1).default('./.authsync'),
  /**
   * Public URL of this server: used in token `iss` claims and JWKS URLs.
   * @default "http://HOST:PORT"
   */
  baseUrl: z.string().url().optional(),
  /**
   * Server secret that encrypts signing keys at rest. When absent it is read from (or created in)
   * `<dataDir>/secret`.
   */
  secret: z.string().min(32, 'AUTHSYNC_SECRET must be at least 32 characters').optional(),
  /**
   * Lifetime of access tokens in seconds. The Stack SDK needs more than 20 s.
   * @default 600
   */
  accessTokenTtlSeconds: z.coerce.number().int().min(30).max(86_400).default(600),
  /**
   * Lifetime of refresh tokens in seconds.
   * @default 31536000 (one year)
   */
  refreshTokenTtlSeconds: z.coerce.number().int().min(60).default(365 * 24 * 3600),
  /**
   * Largest request body accepted, in bytes.
   * @default 1048576
   */
  maxBodyBytes: z.coerce.number().int().min(1024).default(1024 * 1024),
  /**
   * Log level of the server (pino levels).
   * @default "info"
   */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Serve `/sql` on a non-loopback address in embedded (PGlite) mode, where RLS is not a security boundary.
   * @default false
   */
  allowEmbeddedSqlOnNetwork: z.boolean().default(false),
  /**
   * Instance admin secret for the dashboard. Generated on first start when absent.
   */
  adminSecret: z.string().min(16).optional(),
  /**
   * Bearer token `GET /metrics` requires. When absent, `/metrics` answers only on loopback connections.
   */
  metricsToken: z.string().min(16, 'AUTHSYNC_METRICS_TOKEN must be at least 16 characters').optional(),
});

export type Config = z.infer<typeof configSchema> & { baseUrl: string; dataDir: string };

/** Values given on the command line; each overrides its environment variable. */
export interface ConfigFlags {
  port?: string | number;
  host?: string;
  databaseUrl?: string;
  dataDir?: string;
  baseUrl?: string;
  logLevel?: string;
  allowEmbeddedSqlOnNetwork?: boolean;
}

export class ConfigError extends Error {}

/** Builds the configuration from flags and an environment (default: `process.env`). */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = {
    port: flags.port ?? env.PORT,
    host: flags.host ?? env.AUTHSYNC_HOST,
    databaseUrl: flags.databaseUrl ?? emptyToUndefined(env.DATABASE_URL),
    dataDir: flags.dataDir ?? emptyToUndefined(env.AUTHSYNC_DATA_DIR),
    baseUrl: flags.baseUrl ?? emptyToUndefined(env.AUTHSYNC_BASE_URL),
    secret: emptyToUndefined(env.AUTHSYNC_SECRET),
    accessTokenTtlSeconds: emptyToUndefined(env.AUTHSYNC_ACCESS_TOKEN_TTL),
    refreshTokenTtlSeconds: emptyToUndefined(env.AUTHSYNC_REFRESH_TOKEN_TTL),
    maxBodyBytes: emptyToUndefined(env.AUTHSYNC_MAX_BODY_BYTES),
    logLevel: flags.logLevel ?? emptyToUndefined(env.AUTHSYNC_LOG_LEVEL),
    allowEmbeddedSqlOnNetwork: flags.allowEmbeddedSqlOnNetwork ?? env.AUTHSYNC_ALLOW_EMBEDDED_SQL_ON_NETWORK === 'true',
    adminSecret: emptyToUndefined(env.AUTHSYNC_ADMIN_SECRET),
    metricsToken: emptyToUndefined(env.AUTHSYNC_METRICS_TOKEN),
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const value = parsed.data;
  const hostForUrl = value.host.includes(':') ? `[${value.host}]` : value.host;
  const baseUrl = (value.baseUrl ?? `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${value.port}`).replace(/\/+$/, '');
  return { ...value, baseUrl, dataDir: path.resolve(value.dataDir) };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
