/** HTTP framing of /sql: Neon's headers, CORS, status codes and JSON bodies around SqlService. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../context/app-context.js';
import { clientAddressOf, isLoopback } from '../http/peer.js';
import type { AppError } from '../errors/app-error.js';
import { badRequest, neonErrorReply } from './neon-errors.js';
import { parseSqlRequest, readIncomingBody } from './request.js';
import { serializeResult } from './results.js';
import type { SqlService } from './service.js';

const BASE_HEADERS = { 'content-type': 'application/json', 'access-control-allow-origin': '*' };

const CORS_HEADERS = {
  ...BASE_HEADERS,
  allow: 'OPTIONS, POST',
  'access-control-allow-headers':
    'Authorization, Neon-Connection-String, Neon-Raw-Text-Output, Neon-Array-Mode, Neon-Pool-Opt-In, Neon-Batch-Read-Only, Neon-Batch-Isolation-Level',
  'access-control-max-age': '86400',
};

/**
 * Whether a Node request is for /sql. The endpoint is served straight on Node's request and response rather than
 * through the web-standard Request/Response layer the rest of the API uses: at thousands of requests per second,
 * that layer cost more CPU than everything else /sql does in the server.
 */
export function isSqlRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return url === '/sql' || url.startsWith('/sql?');
}

export function handleSql(ctx: AppContext, service: SqlService, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'OPTIONS') return void res.writeHead(200, CORS_HEADERS).end();
  if (req.method !== 'POST') return void res.writeHead(400, BASE_HEADERS).end('"query is not supported"');
  const refusal = embeddedRefusal(ctx);
  if (refusal) return sendError(ctx, res, refusal);
  void runSql(ctx, service, req, res);
}

async function runSql(ctx: AppContext, service: SqlService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  try {
    const request = parseSqlRequest(await readIncomingBody(req), header);
    const results = await service.run({
      connectionString: header('neon-connection-string'),
      authorization: header('authorization'),
      request,
      signal: disconnectSignal(res),
      clientAddress: clientAddressOf(req.socket.remoteAddress, header('x-forwarded-for'), ctx.config.trustedProxyHops),
    });
    const serialized = results.map((result, i) => {
      const query = request.queries[i]!;
      return serializeResult(result, { arrayMode: query.arrayMode ?? request.arrayMode });
    });
    let headers: Record<string, string> = BASE_HEADERS;
    if (request.batch) {
      headers = { ...BASE_HEADERS };
      if (request.isolationLevel) headers['neon-batch-isolation-level'] = request.isolationLevel;
      if (request.readOnly) headers['neon-batch-read-only'] = 'true';
      if (request.deferrable) headers['neon-batch-deferrable'] = 'true';
    }
    res.writeHead(200, headers).end(request.batch ? `{"results":[${serialized.join(',')}]}` : serialized[0]);
  } catch (error) {
    sendError(ctx, res, error);
  }
}

function sendError(ctx: AppContext, res: ServerResponse, error: unknown): void {
  const reply = neonErrorReply(error, ctx.log);
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { ...BASE_HEADERS, ...reply.headers }).end(reply.body);
}

/** Embedded mode is not a security boundary: refuse /sql on a non-loopback interface unless explicitly allowed. */
function embeddedRefusal(ctx: AppContext): AppError | undefined {
  if (ctx.db.kind !== 'pglite' || ctx.config.allowEmbeddedSqlOnNetwork || isLoopback(ctx.config.host)) return undefined;
  return badRequest(
    '/sql is disabled: the embedded database cannot isolate SQL sessions, and this server listens on a network address. Use PostgreSQL (--database-url), listen on 127.0.0.1, or set AUTHSYNC_ALLOW_EMBEDDED_SQL_ON_NETWORK=true.',
  );
}

/**
 * Aborts when the client goes away before the response is written. (The request's own 'close' is unusable here:
 * Node reports a POST request closed as soon as its body has been read.)
 */
function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
