/** HTTP framing of /sql: Neon's headers, CORS, status codes and JSON bodies around SqlService. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hono } from 'hono';
import type { AppContext } from '../context.js';
import { SqlHttpError } from './neon-errors.js';
import { parseSqlRequest, readIncomingBody, readLimitedBody } from './request.js';
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

export function mountSql(app: Hono, ctx: AppContext, service: SqlService): void {
  app.options('/sql', () => new Response(null, { status: 200, headers: CORS_HEADERS }));
  app.post('/sql', async (c) => {
    const refusal = embeddedRefusal(ctx);
    if (refusal) return errorResponse(refusal);
    const header = (name: string) => c.req.header(name);
    try {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      const body = incoming && typeof incoming.on === 'function' && !incoming.readableEnded ? await readIncomingBody(incoming) : await readLimitedBody(c.req.raw);
      const request = parseSqlRequest(body, header);
      const results = await service.run({
        connectionString: header('neon-connection-string'),
        authorization: header('authorization'),
        request,
        signal: disconnectSignal(c.env),
      });
      const serialized = results.map((result, i) => {
        const query = request.queries[i]!;
        return serializeResult(result, { arrayMode: query.arrayMode ?? request.arrayMode, raw: request.rawTextOutput });
      });
      const headers: Record<string, string> = { ...BASE_HEADERS };
      if (request.batch) {
        if (request.isolationLevel) headers['neon-batch-isolation-level'] = request.isolationLevel;
        if (request.readOnly) headers['neon-batch-read-only'] = 'true';
        if (request.deferrable) headers['neon-batch-deferrable'] = 'true';
      }
      return new Response(request.batch ? `{"results":[${serialized.join(',')}]}` : serialized[0], { status: 200, headers });
    } catch (error) {
      if (error instanceof SqlHttpError) return errorResponse(error);
      ctx.log.error({ err: error }, '/sql failed');
      return errorResponse(new SqlHttpError(500, 'internal error'));
    }
  });
  app.all('/sql', () => new Response('"query is not supported"', { status: 400, headers: BASE_HEADERS }));
}

function errorResponse(error: SqlHttpError): Response {
  // Cancellation answers with Neon's two-key body.
  const body = error.fields?.code === '08P01' && error.message.startsWith('Query cancelled') ? { message: error.message, code: '08P01' } : error.body();
  return new Response(JSON.stringify(body), { status: error.status, headers: BASE_HEADERS });
}

/** Embedded mode is not a security boundary: refuse /sql on a non-loopback interface unless explicitly allowed. */
function embeddedRefusal(ctx: AppContext): SqlHttpError | undefined {
  if (ctx.db.kind !== 'pglite' || ctx.config.allowEmbeddedSqlOnNetwork || isLoopback(ctx.config.host)) return undefined;
  return new SqlHttpError(
    400,
    '/sql is disabled: the embedded database cannot isolate SQL sessions, and this server listens on a network address. Use PostgreSQL (--database-url), listen on 127.0.0.1, or set AUTHSYNC_ALLOW_EMBEDDED_SQL_ON_NETWORK=true.',
  );
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Aborts when the client goes away before the response is written. (The request's own signal is unusable here:
 * Node reports a POST request "closed" as soon as its body has been read.)
 */
function disconnectSignal(env: unknown): AbortSignal | undefined {
  const outgoing = (env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing || typeof outgoing.once !== 'function') return undefined;
  const controller = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  return controller.signal;
}
