/** A /sql request: body (single query or batch, Neon's untagged format) and the Neon-* headers. */
import type { IncomingMessage } from 'node:http';
import { badRequest, sqlError } from './neon-errors.js';
import type { QueryOutcome } from './results.js';

export interface SqlQuery {
  query: string;
  params: (string | null)[];
  /** Per-query override of Neon-Array-Mode. */
  arrayMode?: boolean;
  /** Answered by authsync without running the statement (see CREATE EXTENSION pg_session_jwt). */
  synthetic?: QueryOutcome;
}

export type IsolationLevel = 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable';

export interface SqlRequest {
  queries: SqlQuery[];
  batch: boolean;
  rawTextOutput: boolean;
  arrayMode: boolean;
  isolationLevel?: IsolationLevel;
  readOnly: boolean;
  deferrable: boolean;
}

/** Largest request body, as Neon. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

const ISOLATION_LEVELS = new Set<string>(['ReadUncommitted', 'ReadCommitted', 'RepeatableRead', 'Serializable']);

export function parseSqlRequest(body: string, header: (name: string) => string | undefined): SqlRequest {
  const isolation = header('neon-batch-isolation-level');
  if (isolation !== undefined && !ISOLATION_LEVELS.has(isolation)) throw badRequest('invalid isolation level');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw badRequest(`could not parse the HTTP request body: ${(error as Error).message}`);
  }
  const base = {
    rawTextOutput: header('neon-raw-text-output') === 'true',
    arrayMode: header('neon-array-mode') === 'true',
    readOnly: header('neon-batch-read-only') === 'true',
    deferrable: header('neon-batch-deferrable') === 'true',
    ...(isolation ? { isolationLevel: isolation as IsolationLevel } : {}),
  };
  if (isObject(json) && 'query' in json) return { ...base, batch: false, queries: [parseQuery(json)] };
  if (isObject(json) && Array.isArray(json.queries)) return { ...base, batch: true, queries: json.queries.map((q) => parseQuery(q)) };
  throw badRequest('could not parse the HTTP request body: data did not match any variant of untagged enum Payload');
}

function parseQuery(value: unknown): SqlQuery {
  if (!isObject(value) || typeof value.query !== 'string') {
    throw badRequest('could not parse the HTTP request body: data did not match any variant of untagged enum Payload');
  }
  const params = value.params === undefined || value.params === null ? [] : value.params;
  if (!Array.isArray(params)) throw badRequest('could not parse the HTTP request body: invalid type: params must be a sequence');
  if (value.arrayMode !== undefined && typeof value.arrayMode !== 'boolean') {
    throw badRequest('could not parse the HTTP request body: invalid type: arrayMode must be a boolean');
  }
  return {
    query: value.query,
    params: params.map(jsonToPgText),
    ...(typeof value.arrayMode === 'boolean' ? { arrayMode: value.arrayMode } : {}),
  };
}

/** Neon's conversion of JSON parameters to Postgres text (the driver itself sends only strings and null). */
export function jsonToPgText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

function arrayLiteral(values: unknown[]): string {
  const items = values.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return arrayLiteral(item);
    if (typeof item === 'object') return JSON.stringify(JSON.stringify(item));
    return JSON.stringify(item);
  });
  return `{${items.join(',')}}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request body is larger than /sql accepts: 413. */
function requestTooLarge(limit: number) {
  return sqlError('SQL_REQUEST_TOO_LARGE', 413, `request is too large (max is ${limit} bytes)`);
}

/**
 * Reads a body straight from Node's request stream, up to `limit` bytes; beyond it, Neon's 413. (Cheaper than the
 * web `Request` body: no stream adapters per request.) The HTTP server drains whatever is left unread.
 */
export function readIncomingBody(incoming: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<string> {
  const declared = Number(incoming.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.reject(requestTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        incoming.pause();
        reject(requestTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}
