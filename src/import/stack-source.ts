/**
 * The old server of `authsync import stack`: a Stack Auth-compatible API read with server access (the project ID and a
 * secret server key). Every failure becomes an error the CLI shows as one line: the server cannot be reached, it
 * refused the key, it answered something that is not its API.
 */
import { AppError } from '../errors/app-error.js';

export interface StackSource {
  /** The server's base URL, e.g. https://api.stack-auth.com (with or without /api/v1). */
  url: string;
  projectId: string;
  secretServerKey: string;
}

/** How long one request to the old server may take. */
const TIMEOUT_MS = 30_000;

/** The API root of `url`: without a trailing slash, with /api/v1 once. */
export function apiRoot(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('CLI_INPUT', 400, `--from-url ${JSON.stringify(url)} is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new AppError('CLI_INPUT', 400, '--from-url must be an http(s) URL.');
  const base = parsed.href.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return `${base}/api/v1`;
}

/** GET `path` with `query` from the old server, as parsed JSON. */
export async function getFromSource(source: StackSource, path: string, query: Record<string, string> = {}): Promise<unknown> {
  const root = apiRoot(source.url);
  const search = new URLSearchParams(query).toString();
  let response: Response;
  try {
    response = await fetch(`${root}${path}${search ? `?${search}` : ''}`, {
      headers: {
        'x-stack-project-id': source.projectId,
        'x-stack-access-type': 'server',
        'x-stack-secret-server-key': source.secretServerKey,
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = error as { name?: string; cause?: { code?: string } };
    const why = cause.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (cause.cause?.code ?? 'connection failed');
    throw new AppError('IMPORT_SOURCE_UNREACHABLE', 502, `Cannot reach the old server at ${root} (${why}).`, { cause: error });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const known = body as { code?: unknown; error?: unknown } | undefined;
    const code = typeof known?.code === 'string' ? known.code : `HTTP ${response.status}`;
    const message = typeof known?.error === 'string' ? known.error : text.slice(0, 200).trim();
    const hint =
      response.status === 401 || response.status === 403 || /KEY|PROJECT/.test(code)
        ? ' Check --from-project-id and --from-secret-server-key.'
        : '';
    throw new AppError('IMPORT_SOURCE_REFUSED', 502, `The old server refused GET ${path} (${code}): ${message}.${hint}`);
  }
  if (body === undefined) {
    throw new AppError('IMPORT_SOURCE_NOT_STACK', 502, `The old server's answer to GET ${path} is not JSON: is ${root} a Stack Auth API?`);
  }
  return body;
}

/** A list answer's `items` (and the next page's cursor), or an error naming what was wrong with it. */
export function listItems(body: unknown, path: string): { items: unknown[]; nextCursor: string | null } {
  const list = body as { items?: unknown; pagination?: { next_cursor?: unknown } };
  if (!Array.isArray(list.items))
    throw new AppError('IMPORT_SOURCE_NOT_STACK', 502, `The old server's answer to GET ${path} has no items list.`);
  const next = list.pagination?.next_cursor;
  return { items: list.items, nextCursor: typeof next === 'string' ? next : null };
}
