/**
 * Mounts the declared endpoints on Hono under /api/v1 (and /api/latest, Stack's alias of the newest version) and runs each request through the same steps:
 * parse the body → authenticate (api/request-auth.ts) → check the access type → validate query and body →
 * call the handler → shape the response (api/respond.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { z } from 'zod';
import type { AppContext } from '../context/app-context.js';
import { errors } from '../errors/known-errors.js';
import { clientAddress, countryCodeOf } from '../http/peer.js';
import { readBody } from './body.js';
import { describeIssue, nameRequestInSchemaError, schemaErrorFor, type InputPart } from './schema-error.js';
import type { Endpoint } from './endpoint.js';
import { STACK_HEADER_NAMES, stackHeader } from './headers.js';
import { authenticate } from './request-auth.js';
import { CORS_HEADERS, errorResponse, jsonResponse, textResponse, type ResponseOptions } from './respond.js';

export const API_PREFIX = '/api/v1';

/** Every prefix the API answers under: Stack's helpers also call `/api/latest/...`, the newest version's alias. */
export const API_PREFIXES = [API_PREFIX, '/api/latest'] as const;

const ALLOW_HEADERS = [
  'content-type',
  'authorization',
  'ngrok-skip-browser-warning',
  ...STACK_HEADER_NAMES.flatMap((name) => [`x-stack-${name}`, `x-hexclave-${name}`]),
].join(', ');

export function mountApi(app: Hono, ctx: AppContext, endpoints: readonly Endpoint[]): void {
  for (const prefix of API_PREFIXES) mountUnder(app, ctx, endpoints, prefix);
}

function mountUnder(app: Hono, ctx: AppContext, endpoints: readonly Endpoint[], prefix: string): void {
  app.options(
    `${prefix}/*`,
    () =>
      new Response(null, {
        status: 204,
        headers: {
          ...CORS_HEADERS,
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': '86400',
        },
      }),
  );
  for (const spec of endpoints) {
    app.on(spec.method, `${prefix}${spec.path}`, async (c) =>
      handle(ctx, spec, c.req.raw, c.req.param() as Record<string, string>, clientAddress(c, ctx.config.trustedProxyHops)),
    );
  }
  app.all(`${prefix}/*`, (c) =>
    textResponse(404, `No endpoint ${c.req.method} ${new URL(c.req.url).pathname}`, responseOptions(c.req.raw.headers)),
  );
}

function responseOptions(headers: Headers): ResponseOptions {
  return { overrideErrorStatus: stackHeader(headers, 'override-error-status') !== undefined, requestId: randomUUID() };
}

async function handle(
  ctx: AppContext,
  spec: Endpoint,
  request: Request,
  params: Record<string, string>,
  clientAddress: string | undefined,
): Promise<Response> {
  const options = responseOptions(request.headers);
  try {
    const rawBody = await readBody(request, ctx.config.maxBodyBytes);
    const url = new URL(request.url);
    const rawQuery = Object.fromEntries(url.searchParams);
    const countryCode = countryCodeOf(request.headers, ctx.config.trustedProxyHops);
    const base = { ctx, params, headers: request.headers, clientAddress, countryCode };
    const inputs = (bodySchema: z.ZodType | undefined) =>
      validate(request, [
        { where: 'params', schema: spec.params, value: params },
        { where: 'query', schema: spec.query, value: rawQuery },
        { where: 'body', schema: bodySchema, value: rawBody },
      ]);
    if (spec.access === 'public') {
      const [checkedParams, query, body] = inputs(spec.body);
      return jsonResponse(await spec.handler({ ...base, params: checkedParams as Record<string, string>, query, body }), options);
    }
    const auth = await authenticate(ctx, request.headers);
    if (spec.access === 'optional') {
      const [checkedParams, query, body] = inputs(spec.body);
      return jsonResponse(await spec.handler({ ...base, params: checkedParams as Record<string, string>, auth, query, body }), options);
    }
    if (!auth) throw errors.accessTypeRequired();
    if (!spec.access.includes(auth.accessType)) throw errors.insufficientAccessType(auth.accessType, spec.access);
    const [checkedParams, query, body] = inputs(spec.bodyFor?.(auth.accessType) ?? spec.body);
    return jsonResponse(await spec.handler({ ...base, params: checkedParams as Record<string, string>, auth, query, body }), options);
  } catch (error) {
    return errorResponse(nameRequestInSchemaError(error, request.method, new URL(request.url).pathname), options, ctx.log);
  }
}

interface InputPartCheck {
  where: InputPart;
  schema: z.ZodType | undefined;
  value: unknown;
}

/**
 * Checks the path parameters, the query and the body, in that order, and answers every problem of all three in one
 * SCHEMA_ERROR, as Stack's validator does; the parsed values, in the same order.
 */
function validate(request: Request, parts: readonly InputPartCheck[]): unknown[] {
  const problems: string[] = [];
  const values = parts.map(({ where, schema, value }) => {
    // PostgreSQL refuses U+0000 in text and jsonb, and bcrypt stops at it: refuse it in any input up front,
    // so no handler ever gets halfway with such a value.
    const nulAt = findNulByte(value, [where]);
    if (nulAt) throw errors.schemaError(`Request validation failed:\n  - ${nulAt.join('.')}: must not contain NUL characters (\\u0000)`);
    if (!schema) return value;
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) return parsed.data;
    problems.push(...parsed.error.issues.map((issue) => describeIssue(where, issue)));
    return undefined;
  });
  if (problems.length > 0) throw schemaErrorFor(request.method, new URL(request.url).pathname, problems);
  return values;
}

/** Deeper JSON is refused: PostgreSQL's jsonb and recursive code (JSON.stringify) would fail on it. */
const MAX_INPUT_DEPTH = 128;

/**
 * Walks an input without recursion: the path of a string (value or object key) containing U+0000, or
 * a SCHEMA_ERROR when the input nests deeper than MAX_INPUT_DEPTH.
 */
function findNulByte(root: unknown, rootPath: Array<string | number>): Array<string | number> | undefined {
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value: root, path: rootPath }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length > MAX_INPUT_DEPTH)
      throw errors.schemaError(`Request validation failed:\n  - ${rootPath.join('.')}: nested deeper than ${MAX_INPUT_DEPTH} levels`);
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, JSON.stringify(key)];
      stack.push({ value: item, path: [...path, Array.isArray(value) ? Number(key) : key] });
    }
  }
  return undefined;
}
