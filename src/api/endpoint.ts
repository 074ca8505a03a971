/**
 * One declaration per endpoint: method, path, the access types it admits, the schemas of its query and
 * body, and a handler that receives parsed input and returns a Reply (or throws a KnownError). The router
 * (api/router.ts) does the rest: body parsing, authentication, validation, errors, CORS, status override.
 */
import type { z } from 'zod';
import type { AppContext } from '../context/app-context.js';
import type { AccessType } from '../errors/known-errors.js';
import type { RequestAuth } from './request-auth.js';
import type { Reply } from './respond.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface EndpointBase<Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Path under /api/v1 (and its alias /api/latest), Hono syntax (`/users/:user_id`); '' is /api/v1 itself. */
  path: string;
  /** The path parameters' schema, checked with the query and body (one SCHEMA_ERROR names every problem). */
  params?: z.ZodType;
  query?: Q;
  body?: B;
}

/** An endpoint that needs an access type (`x-stack-access-type`) from the given list. */
export interface AuthedEndpoint<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> extends EndpointBase<Q, B> {
  access: readonly AccessType[];
  /** Pick the body schema by access type (client access to PATCH /users/me admits fewer fields). */
  bodyFor?: (accessType: AccessType) => z.ZodType;
  handler: (input: AuthedInput<z.infer<Q>, z.infer<B>>) => Promise<Reply>;
}

/** An endpoint without Stack authentication (JWKS, the OAuth token endpoint). */
export interface PublicEndpoint<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> extends EndpointBase<Q, B> {
  access: 'public';
  handler: (input: PublicInput<z.infer<Q>, z.infer<B>>) => Promise<Reply>;
}

/**
 * An endpoint that answers with or without Stack authentication: the request is authenticated when it carries an
 * access type (and refused like any other when its headers are wrong), and the handler gets null when it has none.
 */
export interface OptionalAuthEndpoint<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> extends EndpointBase<Q, B> {
  access: 'optional';
  handler: (input: PublicInput<z.infer<Q>, z.infer<B>> & { auth: RequestAuth | null }) => Promise<Reply>;
}

export interface PublicInput<Q, B> {
  ctx: AppContext;
  query: Q;
  body: B;
  params: Record<string, string>;
  headers: Headers;
  /** The client's address (behind the trusted proxies, see http/peer.ts); undefined when not over a Node socket. */
  clientAddress: string | undefined;
  /** The client's country from its proxy's geo header, only behind trusted proxies (http/peer.ts); else null. */
  countryCode: string | null;
}

export interface AuthedInput<Q, B> extends PublicInput<Q, B> {
  auth: RequestAuth;
}

export type Endpoint =
  AuthedEndpoint<z.ZodType, z.ZodType> | PublicEndpoint<z.ZodType, z.ZodType> | OptionalAuthEndpoint<z.ZodType, z.ZodType>;

export function endpoint<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUnknown>(spec: AuthedEndpoint<Q, B>): Endpoint;
export function endpoint<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUnknown>(spec: PublicEndpoint<Q, B>): Endpoint;
export function endpoint<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUnknown>(
  spec: OptionalAuthEndpoint<Q, B>,
): Endpoint;
export function endpoint(spec: Endpoint): Endpoint {
  return spec;
}
