/**
 * The `Neon-Connection-String` header, read as Neon's proxy reads it: scheme postgres/postgresql, user and database
 * URL-decoded, the first DNS label of the host as the endpoint ID, query parameters accepted and ignored.
 */
import { badRequest } from './neon-errors.js';

export interface ConnectionInfo {
  user: string;
  /** Empty when the URL has none. */
  password: string;
  database: string;
  hostname: string;
  /** "" when the URL names none. */
  port: string;
  /** First DNS label of the host ("" for IP addresses). */
  endpointId: string;
}

/**
 * Headers parsed before: an app sends the same one or two with every query. Only headers without a password are kept
 * (token requests), so no password stays in memory past its request.
 */
const parsed = new Map<string, ConnectionInfo>();
const PARSED_MAX = 1_000;

export function parseConnectionString(header: string | undefined): ConnectionInfo {
  if (header === undefined || header === '') throw badRequest('invalid header: neon-connection-string');
  const known = parsed.get(header);
  if (known) return known;
  const info = parse(header);
  if (info.password !== '') return info;
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
  parsed.set(header, Object.freeze(info));
  return info;
}

function parse(header: string): ConnectionInfo {
  let url: URL;
  try {
    url = new URL(header);
  } catch {
    throw badRequest('invalid connection string: not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw badRequest('invalid connection string: the scheme must be postgres or postgresql');
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw badRequest('invalid connection string: bad percent-encoding');
    }
  };
  const user = decode(url.username);
  if (!user) throw badRequest('missing username');
  const database = decode(url.pathname.replace(/^\//, '').split('/')[0] ?? '');
  if (!database) throw badRequest('missing dbname');
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (!hostname) throw badRequest('missing hostname');
  const isIp = /^[0-9.]+$/.test(hostname) || hostname.includes(':');
  return {
    user,
    password: decode(url.password),
    database,
    hostname,
    port: url.port,
    endpointId: isIp ? '' : (hostname.split('.')[0] ?? ''),
  };
}
