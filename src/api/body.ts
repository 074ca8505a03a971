/**
 * Request bodies, by content type, as the Stack API accepts them: none, JSON, form-encoded, text/plain
 * (parsed as JSON when it is JSON, which is what a bare `fetch` of a JSON string sends), octet-stream
 * (ignored). Anything else, malformed JSON, or a body over the size limit is BODY_PARSING_ERROR.
 */
import { errors } from '../errors/known-errors.js';
import { readLimited } from '../http/read-limited.js';

export async function readBody(request: Request, maxBytes: number): Promise<unknown> {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return undefined;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const bytes = await readBodyBytes(request, maxBytes);
  if (bytes.length === 0) return undefined;
  switch (type) {
    case '':
    case 'application/octet-stream':
      return undefined;
    case 'application/json':
      return parseJson(decode(bytes));
    case 'application/x-www-form-urlencoded':
      return Object.fromEntries(new URLSearchParams(decode(bytes)));
    case 'text/plain': {
      const text = decode(bytes);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    default:
      throw errors.bodyParsingError(`Unsupported content type "${type}". Send application/json.`);
  }
}

async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array();
  return readLimited(request.body, maxBytes, () => tooLarge(maxBytes));
}

function tooLarge(maxBytes: number) {
  return errors.bodyParsingError(`The request body is larger than ${maxBytes} bytes.`, 413);
}

function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw errors.bodyParsingError('The request body is not valid UTF-8.');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw errors.bodyParsingError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}
