/**
 * The one place where results and errors become HTTP responses. JSON bodies carry the Stack API's headers;
 * known errors carry `x-stack-known-error` (equal to the body's `code`); with the override-status header, a
 * 4xx is sent as 200 with the real status in `x-stack-actual-status`, as the SDK asks.
 */
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.js';
import { KnownError, errors } from '../errors/known-errors.js';

export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  // retry-after: a browser SDK reads it to wait out a 429, and it is not a header scripts may read by default.
  'access-control-expose-headers':
    'content-type, retry-after, x-stack-actual-status, x-stack-known-error, x-hexclave-actual-status, x-hexclave-known-error',
};

export interface Reply {
  status: number;
  /** The JSON body; undefined for a reply without a body (a redirect). */
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` (a string) as plain text instead of JSON. */
  text?: boolean;
}

export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, ...(headers ? { headers } : {}) });
/** 200 with a plain-text body (Stack's welcome at GET /api/v1). */
export const okText = (text: string): Reply => ({ status: 200, body: text, text: true });
export const created = (body: unknown): Reply => ({ status: 201, body });
/** A redirect without a body: 307 keeps the method, 303 turns it into a GET (after a form_post callback). */
export const redirect = (location: string, status: 303 | 307, headers: Record<string, string> = {}): Reply => ({
  status,
  body: undefined,
  headers: { ...headers, location },
});

export interface ResponseOptions {
  overrideErrorStatus: boolean;
  requestId: string;
}

export function jsonResponse(reply: Reply, options: ResponseOptions): Response {
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    ...(reply.body === undefined ? {} : { 'content-type': reply.text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' }),
    'cache-control': 'no-store, max-age=0',
    'x-stack-request-id': options.requestId,
    ...reply.headers,
  };
  let status = reply.status;
  if (options.overrideErrorStatus && status >= 400 && status < 500) {
    headers['x-stack-actual-status'] = String(status);
    status = 200;
  }
  const body = reply.body === undefined ? null : reply.text ? String(reply.body) : JSON.stringify(reply.body);
  return new Response(body, { status, headers });
}

export function textResponse(status: number, text: string, options: ResponseOptions, extraHeaders: Record<string, string> = {}): Response {
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store, max-age=0',
    'x-stack-request-id': options.requestId,
    ...extraHeaders,
  };
  if (options.overrideErrorStatus && status >= 400 && status < 500) {
    headers['x-stack-actual-status'] = String(status);
    status = 200;
  }
  return new Response(text, { status, headers });
}

/**
 * Any thrown value → a response: the Stack face's one error mapper. A known error is Stack's JSON; any other
 * AppError is plain text with its status and public message (with `Retry-After` when it has one: a 429 the SDK
 * waits out and retries); anything else is logged with its stack and answered 500 without details.
 */
export function errorResponse(error: unknown, options: ResponseOptions, log: Logger): Response {
  if (error instanceof KnownError) return knownErrorResponse(error, options);
  if (error instanceof AppError) {
    const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
    return textResponse(error.status, error.message, options, retry);
  }
  if (isInvalidInputFromDatabase(error)) {
    // A value that passed validation but that PostgreSQL still refuses (e.g. a NUL byte in text): the client's fault.
    return knownErrorResponse(errors.schemaError(`Invalid request: ${(error as Error).message}`), options);
  }
  log.error({ err: error, requestId: options.requestId }, 'unhandled error');
  return textResponse(500, 'Internal server error', options);
}

function knownErrorResponse(error: KnownError, options: ResponseOptions): Response {
  return jsonResponse({ status: error.status, body: error.toBody(), headers: { 'x-stack-known-error': error.code } }, options);
}

/** PostgreSQL's "data exception" class (22xxx): invalid text representation, bad encoding, value too long... */
function isInvalidInputFromDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
