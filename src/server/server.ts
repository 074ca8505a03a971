/** Starts authsync: context, HTTP server, and the default project on first start. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config/index.js';
import type { AppContext } from '../context/app-context.js';
import { recordBaseUrl } from '../context/base-url.js';
import { AppError } from '../errors/app-error.js';
import { createProject, listProjects, type ProjectKeys } from '../projects/projects.js';
import { isInternalProject } from '../projects/internal-id.js';
import { DEVELOPMENT_KEYS, ensureInternalProject } from '../internal/internal-project.js';
import { jwksUrl } from '../projects/signing-keys.js';
import { provisionAppDatabasesAtStart } from '../provisioning/provision.js';
import { SyncWorker } from '../sync/worker.js';
import { EmailWorker } from '../email/worker.js';
import { ensureAdminSecret } from '../dashboard/admin-secret.js';
import { openContext } from './app-context.js';
import { createHttpApp } from './http-app.js';
import { isLoopback } from '../http/peer.js';
import { logSqlDatabaseFindingsAtStart } from '../sql/database-checks.js';
import { handleSql, isSqlRequest } from '../sql/route.js';
import { SqlService } from '../sql/service.js';

export interface RunningServer {
  ctx: AppContext;
  url: string;
  port: number;
  /** Things the operator must know, for the start-up output (e.g. the embedded database's RLS caveat). */
  notices: string[];
  /** Set when this start created the default project (first start on an empty database). */
  defaultProject?: { projectId: string; keys: ProjectKeys; jwksUrl: string };
  /** Set when this start generated the dashboard's instance admin secret (print it once; only its hash is stored). */
  adminSecret?: string;
  /** The /sql endpoint (pools, token verification, RLS kit installation), also behind the dashboard's "query as user". */
  sql: SqlService;
  /** Applies the outbox to users_sync databases other than the server's own. */
  sync: SyncWorker;
  /** Sends queued mails (or keeps them in the development mailbox). */
  emails: EmailWorker;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Create and report the default project when the database has no project. @default true */
  createDefaultProject?: boolean;
  /** Run the users_sync outbox and mail workers here (one process of an `authsync start --workers` set). @default true */
  backgroundWorkers?: boolean;
  /** Listen once ready rather than first (with port 0, the base URL must name the port: it cannot name the pick). @default false */
  listenWhenReady?: boolean;
}

interface AppHandlers {
  app: { fetch?: (request: Request, env?: unknown) => Response | Promise<Response> };
  sql: { handle?: (req: IncomingMessage, res: ServerResponse) => void };
}

/** Listens on the configured port; until the handlers are set, requests get 503. */
async function listen(config: Config, handlers: AppHandlers): Promise<ServerType> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: (request, env) => handlers.app.fetch?.(request, env) ?? new Response('Starting', { status: 503 }),
        port: config.port,
        hostname: config.host,
      },
      () => resolve(s),
    );
    // A port taken or not allowed is the operator's to fix: a coded error with Node's reason.
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
          ? new AppError('CANNOT_LISTEN', 500, `Cannot listen on ${config.host}:${config.port}: ${error.message}`, { cause: error })
          : error,
      ),
    );
  });
  // /sql goes straight to its Node handler; everything else through the web-standard app.
  const [appListener] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    handlers.sql.handle && isSqlRequest(req) ? handlers.sql.handle(req, res) : appListener!(req, res),
  );
  return server;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // The development mailbox's API lets anyone who reaches it read every mail (and its codes).
  if (config.devMailbox && !isLoopback(config.host) && !config.devMailboxAllowRemote)
    throw new AppError(
      'INVALID_CONFIGURATION',
      400,
      `AUTHSYNC_DEV_MAILBOX=true serves every stored mail to whoever asks; refusing to listen on ${config.host}. Listen on a loopback address, or also set AUTHSYNC_DEV_MAILBOX_ALLOW_REMOTE=true.`,
    );
  const app: AppHandlers['app'] = {};
  const sqlHandler: AppHandlers['sql'] = {};
  // Listen first, so that with port 0 the base URL (token issuer) can name the real port (meanwhile requests get 503);
  // or, when asked, once ready: a process joining a set that already serves the port must not answer 503 meanwhile.
  let server = options.listenWhenReady ? undefined : await listen(config, { app, sql: sqlHandler });
  if (server && new URL(config.baseUrl).port === '0') {
    const picked = (server.address() as AddressInfo).port;
    config = { ...config, port: picked, baseUrl: config.baseUrl.replace(/:0$/, `:${picked}`) };
  }

  let opened: Awaited<ReturnType<typeof openContext>>;
  try {
    opened = await openContext(config);
  } catch (error) {
    if (server) await new Promise((resolve) => server!.close(resolve));
    throw error;
  }
  const { ctx } = opened;
  // CLI commands run beside this server print URLs that name it (see context/base-url.ts).
  await recordBaseUrl(ctx.db, config.baseUrl);
  // Every instance has the internal project (docs/internal-project.md); Stack's development keys only when asked.
  await ensureInternalProject(ctx.db, ctx.box, config.internalProjectDevKeys ? DEVELOPMENT_KEYS : undefined);
  let defaultProject: RunningServer['defaultProject'];
  if (options.createDefaultProject !== false && (await listProjects(ctx.db)).every((p) => isInternalProject(p.id))) {
    const { project, keys } = await createProject(ctx.db, ctx.box, { displayName: 'Default project' });
    defaultProject = { projectId: project.id, keys, jwksUrl: jwksUrl(config.baseUrl, project.id) };
  }
  await provisionAppDatabasesAtStart(ctx);
  const sql = new SqlService(ctx);
  // A database that accepts any password closes /sql's password path; end users who can signal each other: both logged.
  await logSqlDatabaseFindingsAtStart(ctx, sql).catch((error: unknown) =>
    ctx.log.warn({ err: (error as Error).message }, 'could not check the app databases for /sql'),
  );
  const sync = new SyncWorker(ctx);
  if (options.backgroundWorkers !== false) await sync.start();
  const emails = new EmailWorker(ctx);
  if (options.backgroundWorkers !== false) await emails.start();
  const adminSecret = await ensureAdminSecret(ctx.db, config);
  const notices: string[] = [];
  if (ctx.db.kind === 'pglite') {
    notices.push(
      isLoopback(config.host) || config.allowEmbeddedSqlOnNetwork
        ? 'Embedded database: /sql enforces RLS policies for development only. SQL sent to /sql can leave its role (RESET ROLE, DO blocks); use PostgreSQL (--database-url) when the policies must hold.'
        : 'Embedded database on a network address: /sql is disabled (its RLS is not a security boundary). Use PostgreSQL, or set AUTHSYNC_ALLOW_EMBEDDED_SQL_ON_NETWORK=true.',
    );
    ctx.log.debug({ notice: notices.at(-1) }, 'embedded database');
  }
  const http = createHttpApp(ctx, sql);
  // The Node request (env) goes along: the dashboard's sign-in limiter needs the client address.
  app.fetch = (request, env) => http.fetch(request, env);
  sqlHandler.handle = (req, res) => handleSql(ctx, sql, req, res);
  if (!server) {
    try {
      server = await listen(config, { app, sql: sqlHandler });
    } catch (error) {
      await Promise.all([sync.stop(), emails.stop()]);
      await sql.close();
      await opened.close();
      throw error;
    }
  }
  const listening = server;
  const port = (listening.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const running: RunningServer = {
    ctx,
    url: `http://${host}:${port}`,
    port,
    notices,
    ...(defaultProject ? { defaultProject } : {}),
    ...(adminSecret ? { adminSecret } : {}),
    sql,
    sync,
    emails,
    async stop() {
      await new Promise<void>((resolve) => {
        listening.close(() => resolve());
        (listening as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await sync.stop();
      await emails.stop();
      await sql.close();
      await opened.close();
    },
  };
  return running;
}
