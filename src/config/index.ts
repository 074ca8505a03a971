/**
 * Configuration: read once, from CLI flags and the environment, validated with zod.
 * Nothing else in the code base reads `process.env`; it receives a `Config` instead.
 */
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';

/**
 * A rate limit written `N/WINDOW` (`30/5m`, `10/1m`, `100/1h`, `5/30s`): a bucket of N tokens refilled at N per
 * window. `off` disables that one limit.
 */
export interface RateLimit {
  /** Requests (tokens) a full bucket allows at once. */
  capacity: number;
  /** Length of the window in seconds: the bucket refills `capacity` tokens per window. */
  windowSeconds: number;
}

const WINDOW_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

const rateLimitSchema = z
  .string()
  .trim()
  .transform((text, ctx): RateLimit | null => {
    if (text === 'off') return null;
    const match = /^(\d+)\/(\d*)([smhd])$/.exec(text);
    const capacity = match ? Number(match[1]) : 0;
    if (!match || capacity < 1) {
      ctx.addIssue({ code: 'custom', message: `expected N/WINDOW such as 30/5m (units s, m, h, d) or off, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return { capacity, windowSeconds: Number(match[2] || '1') * WINDOW_UNITS[match[3]!]! };
  });

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
   * Server processes `authsync start` runs on one port (node:cluster): a number, or `auto` for one per core
   * (`os.availableParallelism()`; 1 on the embedded database, which one process alone can open).
   * @default 1
   */
  workers: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(1024)], { error: 'expected a number from 1 to 1024, or auto' })
    .default(1),
  /** Which of those processes this is (1..N): set by `authsync start --workers` in the processes it forks. */
  clusterSlot: z.coerce.number().int().min(1).optional(),
  /** The port the set serves, given to the processes forked after the first (which may have listened on port 0). */
  clusterPort: z.coerce.number().int().min(1).max(65535).optional(),
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
  refreshTokenTtlSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .default(365 * 24 * 3600),
  /**
   * Largest request body accepted, in bytes.
   * @default 1048576
   */
  maxBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
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

  // --- /sql limits (per end-user connection and request; see docs/security.md) ---
  /**
   * `statement_timeout` of `authenticated` sessions, milliseconds (pinned at login; a request as a whole is also cut
   * off by authsync after this plus one second, whatever its SQL sets).
   * @default 8000
   */
  sqlStatementTimeoutAuthenticatedMs: z.coerce.number().int().min(100).default(8000),
  /** The same for `anonymous` sessions. @default 3000 */
  sqlStatementTimeoutAnonymousMs: z.coerce.number().int().min(100).default(3000),
  /** `lock_timeout` of end-user sessions, milliseconds. @default 3000 */
  sqlLockTimeoutMs: z.coerce.number().int().min(10).default(3000),
  /** `idle_in_transaction_session_timeout` of end-user and password sessions, milliseconds. @default 10000 */
  sqlIdleInTransactionTimeoutMs: z.coerce.number().int().min(100).default(10_000),
  /** How long a /sql request waits for a free connection before it is refused, milliseconds. @default 5000 */
  sqlPoolWaitMs: z.coerce.number().int().min(10).default(5000),
  /** Most /sql connections this server opens to one app database, all roles together. @default 20 */
  sqlMaxConnectionsPerDatabase: z.coerce.number().int().min(1).default(20),
  /** Most /sql requests in flight per end user (project and token `sub`). @default 8 */
  sqlMaxRequestsPerUser: z.coerce.number().int().min(1).default(8),
  /**
   * The /sql password path (a connection string with a password and no token): `auto` serves it unless the app
   * database accepts a wrong password (trust authentication), `off` never, `on` always (development only).
   * @default "auto"
   */
  sqlPasswordAuth: z.enum(['auto', 'on', 'off']).default('auto'),

  // --- Rate limits (per client address unless named otherwise; `N/WINDOW` or `off`) ---
  /** All rate limits on (`true`) or off. @default true */
  rateLimitsEnabled: z.boolean().default(true),
  /** Password sign-in attempts per client address. @default "30/5m" */
  rateLimitSignIn: rateLimitSchema.prefault('30/5m'),
  /** Failed password sign-ins per account (an attempt is counted, and given back when it succeeds). @default "10/15m" */
  rateLimitSignInPerAccount: rateLimitSchema.prefault('10/15m'),
  /** Password sign-ups per client address. @default "30/5m" */
  rateLimitSignUp: rateLimitSchema.prefault('30/5m'),
  /** Anonymous sign-ups per client address. @default "30/1h" */
  rateLimitAnonymousSignUp: rateLimitSchema.prefault('30/1h'),
  /** Failed /sql password logins per client address. @default "10/1m" */
  rateLimitSqlPassword: rateLimitSchema.prefault('10/1m'),
  /** Failed dashboard sign-ins per client address and per credential. @default "10/1m" */
  rateLimitDashboardSignIn: rateLimitSchema.prefault('10/1m'),
  /** E-mails a client address may have sent (verification, password reset, magic link). @default "20/1h" */
  rateLimitEmailSend: rateLimitSchema.prefault('20/1h'),
  /** E-mails sent to one recipient address, whoever asks (an inbox cannot be flooded from many addresses). @default "5/1h" */
  rateLimitEmailRecipient: rateLimitSchema.prefault('5/1h'),
  /**
   * Reverse proxies in front of authsync whose `X-Forwarded-For` entries are trusted: the client address is the
   * entry this many hops from the right. 0 uses the connection's own address.
   * @default 0
   */
  trustedProxyHops: z.coerce.number().int().min(0).max(10).default(0),

  // --- E-mail (docs/email.md) ---
  /** The instance's SMTP server, for projects without their own. Without one, mails go to the development mailbox. */
  emailHost: z.string().min(1).optional(),
  /** @default 587 (465 when emailTls is `tls`) */
  emailPort: z.coerce.number().int().min(1).max(65535).optional(),
  /** SMTP login; no authentication when absent. */
  emailUsername: z.string().min(1).optional(),
  emailPassword: z.string().min(1).optional(),
  /** The From address, `address` or `Name <address>`; without a name, the project's name is shown. @default "noreply@<base URL host>" */
  emailSender: z.string().min(3).optional(),
  /** `none` (plain SMTP), `starttls` (upgrade required), `tls` (implicit TLS). @default "starttls" (on port 465: "tls") */
  emailTls: z.enum(['none', 'starttls', 'tls']).optional(),
  /** Pause before the first retry of a mail that could not be sent, milliseconds; it doubles with each attempt. @default 30000 */
  emailRetryBaseMs: z.coerce.number().int().min(10).default(30_000),
  /** Longest pause between retries, milliseconds. @default 3600000 */
  emailRetryMaxMs: z.coerce.number().int().min(10).default(3_600_000),
  /** Attempts before a mail is marked failed. @default 10 */
  emailMaxAttempts: z.coerce.number().int().min(1).max(100).default(10),
  /** The mail worker's safety poll, milliseconds (it is also woken at once by every queued mail). @default 10000 */
  emailPollMs: z.coerce.number().int().min(10).default(10_000),
  /** Serve the development mailbox's Inbucket-compatible read API at `/dev-mailbox/api/v1/mailbox/...`. @default false */
  devMailbox: z.boolean().default(false),
  /** Allow that API on a non-loopback listen address (anyone who reaches it reads every stored mail). @default false */
  devMailboxAllowRemote: z.boolean().default(false),
  /**
   * Give the internal project Stack's published development keys (`this-…-is-for-local-development-only`) at start, as
   * Stack's own test suite expects. Development only: anyone knows these keys. @default false
   */
  internalProjectDevKeys: z.boolean().default(false),

  /**
   * Where stored images (profile images, project logos) are served from: the start of their URLs, to which
   * `/<folder>/<id>.<ext>` is added. Set it when a CDN or a reverse proxy path serves authsync's `/storage`.
   * @default "<base URL>/storage"
   */
  storagePublicUrl: z.url({ protocol: /^https?$/ }).optional(),

  /** Largest JSON text of each of a user's three metadata objects, bytes. @default 65536 */
  maxMetadataBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
});

export type Config = z.infer<typeof configSchema> & {
  baseUrl: string;
  dataDir: string;
  /** Whether baseUrl was given (--base-url or AUTHSYNC_BASE_URL) rather than derived from host and port. */
  baseUrlGiven: boolean;
};

/** Values given on the command line; each overrides its environment variable. */
export interface ConfigFlags {
  port?: string | number;
  host?: string;
  databaseUrl?: string;
  dataDir?: string;
  baseUrl?: string;
  logLevel?: string;
  allowEmbeddedSqlOnNetwork?: boolean;
  workers?: string;
}

/** Builds the configuration from flags and an environment (default: `process.env`). */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = {
    port: flags.port ?? env.PORT,
    host: flags.host ?? env.AUTHSYNC_HOST,
    databaseUrl: flags.databaseUrl ?? emptyToUndefined(env.DATABASE_URL),
    dataDir: flags.dataDir ?? emptyToUndefined(env.AUTHSYNC_DATA_DIR),
    baseUrl: flags.baseUrl ?? emptyToUndefined(env.AUTHSYNC_BASE_URL),
    workers: flags.workers ?? emptyToUndefined(env.AUTHSYNC_WORKERS),
    clusterSlot: emptyToUndefined(env.AUTHSYNC_CLUSTER_SLOT),
    clusterPort: emptyToUndefined(env.AUTHSYNC_CLUSTER_PORT),
    secret: emptyToUndefined(env.AUTHSYNC_SECRET),
    accessTokenTtlSeconds: emptyToUndefined(env.AUTHSYNC_ACCESS_TOKEN_TTL),
    refreshTokenTtlSeconds: emptyToUndefined(env.AUTHSYNC_REFRESH_TOKEN_TTL),
    maxBodyBytes: emptyToUndefined(env.AUTHSYNC_MAX_BODY_BYTES),
    logLevel: flags.logLevel ?? emptyToUndefined(env.AUTHSYNC_LOG_LEVEL),
    allowEmbeddedSqlOnNetwork: flags.allowEmbeddedSqlOnNetwork ?? env.AUTHSYNC_ALLOW_EMBEDDED_SQL_ON_NETWORK === 'true',
    adminSecret: emptyToUndefined(env.AUTHSYNC_ADMIN_SECRET),
    metricsToken: emptyToUndefined(env.AUTHSYNC_METRICS_TOKEN),
    sqlStatementTimeoutAuthenticatedMs: emptyToUndefined(env.AUTHSYNC_SQL_STATEMENT_TIMEOUT_AUTHENTICATED),
    sqlStatementTimeoutAnonymousMs: emptyToUndefined(env.AUTHSYNC_SQL_STATEMENT_TIMEOUT_ANONYMOUS),
    sqlLockTimeoutMs: emptyToUndefined(env.AUTHSYNC_SQL_LOCK_TIMEOUT),
    sqlIdleInTransactionTimeoutMs: emptyToUndefined(env.AUTHSYNC_SQL_IDLE_IN_TRANSACTION_TIMEOUT),
    sqlPoolWaitMs: emptyToUndefined(env.AUTHSYNC_SQL_POOL_WAIT_TIMEOUT),
    sqlMaxConnectionsPerDatabase: emptyToUndefined(env.AUTHSYNC_SQL_MAX_CONNECTIONS_PER_DATABASE),
    sqlMaxRequestsPerUser: emptyToUndefined(env.AUTHSYNC_SQL_MAX_REQUESTS_PER_USER),
    sqlPasswordAuth: emptyToUndefined(env.AUTHSYNC_SQL_PASSWORD_AUTH),
    rateLimitsEnabled:
      env.AUTHSYNC_RATE_LIMITS === undefined || env.AUTHSYNC_RATE_LIMITS === '' ? undefined : env.AUTHSYNC_RATE_LIMITS !== 'off',
    rateLimitSignIn: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_SIGN_IN),
    rateLimitSignInPerAccount: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_SIGN_IN_PER_ACCOUNT),
    rateLimitSignUp: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_SIGN_UP),
    rateLimitAnonymousSignUp: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_ANONYMOUS_SIGN_UP),
    rateLimitSqlPassword: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_SQL_PASSWORD),
    rateLimitDashboardSignIn: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_DASHBOARD_SIGN_IN),
    rateLimitEmailSend: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_EMAIL_SEND),
    rateLimitEmailRecipient: emptyToUndefined(env.AUTHSYNC_RATE_LIMIT_EMAIL_RECIPIENT),
    trustedProxyHops: emptyToUndefined(env.AUTHSYNC_TRUSTED_PROXY_HOPS),
    maxMetadataBytes: emptyToUndefined(env.AUTHSYNC_MAX_METADATA_BYTES),
    storagePublicUrl: emptyToUndefined(env.AUTHSYNC_STORAGE_PUBLIC_URL),
    emailHost: emptyToUndefined(env.AUTHSYNC_EMAIL_HOST),
    emailPort: emptyToUndefined(env.AUTHSYNC_EMAIL_PORT),
    emailUsername: emptyToUndefined(env.AUTHSYNC_EMAIL_USERNAME),
    emailPassword: emptyToUndefined(env.AUTHSYNC_EMAIL_PASSWORD),
    emailSender: emptyToUndefined(env.AUTHSYNC_EMAIL_SENDER),
    emailTls: emptyToUndefined(env.AUTHSYNC_EMAIL_TLS),
    emailRetryBaseMs: emptyToUndefined(env.AUTHSYNC_EMAIL_RETRY_BASE_MS),
    emailRetryMaxMs: emptyToUndefined(env.AUTHSYNC_EMAIL_RETRY_MAX_MS),
    emailMaxAttempts: emptyToUndefined(env.AUTHSYNC_EMAIL_MAX_ATTEMPTS),
    emailPollMs: emptyToUndefined(env.AUTHSYNC_EMAIL_POLL_MS),
    devMailbox: env.AUTHSYNC_DEV_MAILBOX === 'true',
    devMailboxAllowRemote: env.AUTHSYNC_DEV_MAILBOX_ALLOW_REMOTE === 'true',
    internalProjectDevKeys: env.AUTHSYNC_INTERNAL_PROJECT_DEV_KEYS === 'true',
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new AppError('INVALID_CONFIGURATION', 400, `Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const value = parsed.data;
  const hostForUrl = value.host.includes(':') ? `[${value.host}]` : value.host;
  const baseUrl = (value.baseUrl ?? `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${value.port}`).replace(/\/+$/, '');
  return { ...value, baseUrl, baseUrlGiven: value.baseUrl !== undefined, dataDir: path.resolve(value.dataDir) };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
