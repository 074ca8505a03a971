/**
 * External JWKS, fetched and cached as Neon's proxy does: GET without redirects, 5 s timeout, body at most 64 KiB,
 * keys parsed one by one (unusable ones skipped, `use` other than `sig` skipped); refreshed in the background after
 * 5 minutes, refetched before use after an hour, and on an unknown `kid` at most every 30 seconds per URL.
 */
import { importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { readLimited } from '../http/read-limited.js';

export const JWKS_MAX_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
const REFRESH_AFTER_MS = 5 * 60_000;
const MAX_AGE_MS = 60 * 60_000;
const UNKNOWN_KID_REFETCH_MS = 30_000;

/** Algorithms /sql accepts (never HS*, never none). */
export const ACCEPTED_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;
export type AcceptedAlgorithm = (typeof ACCEPTED_ALGORITHMS)[number];

export interface CachedKey {
  kid: string;
  alg: AcceptedAlgorithm;
  key: CryptoKey | KeyObject | Uint8Array;
}

interface Entry {
  keys: Map<string, CachedKey>;
  fetchedAt: number;
  loading?: Promise<void>;
}

export class JwksCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly fetchFn: typeof fetch = fetch) {}

  /** The key with this kid at `url`, refetching when it is unknown (rate-limited) or the cache is stale. */
  async find(url: string, kid: string): Promise<CachedKey | undefined> {
    let entry = this.entries.get(url);
    if (!entry || Date.now() - entry.fetchedAt > MAX_AGE_MS) entry = await this.refresh(url);
    else if (Date.now() - entry.fetchedAt > REFRESH_AFTER_MS) void this.refresh(url).catch(() => undefined);
    const hit = entry.keys.get(kid);
    if (hit) return hit;
    if (Date.now() - entry.fetchedAt < UNKNOWN_KID_REFETCH_MS) return undefined;
    return (await this.refresh(url)).keys.get(kid);
  }

  private async refresh(url: string): Promise<Entry> {
    const entry: Entry = this.entries.get(url) ?? { keys: new Map(), fetchedAt: 0 };
    this.entries.set(url, entry);
    entry.loading ??= (async () => {
      try {
        entry.keys = await this.load(url);
      } catch {
        // Keep the keys we had; try again no sooner than the unknown-kid interval.
      } finally {
        entry.fetchedAt = Date.now();
        entry.loading = undefined;
      }
    })();
    await entry.loading;
    return entry;
  }

  private async load(url: string): Promise<Map<string, CachedKey>> {
    const response = await this.fetchFn(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { 'user-agent': 'authsync' },
    });
    if (response.status !== 200 || !response.body) throw new Error(`JWKS fetch answered ${response.status}`);
    const raw = await readLimited(response.body, JWKS_MAX_BYTES, () => new Error('JWKS larger than 64 KiB'));
    const body = JSON.parse(raw.toString('utf8')) as { keys?: unknown };
    const keys = new Map<string, CachedKey>();
    for (const jwk of Array.isArray(body.keys) ? body.keys : []) {
      const parsed = await parseKey(jwk as JWK).catch(() => undefined);
      if (parsed) keys.set(parsed.kid, parsed);
    }
    return keys;
  }
}

async function parseKey(jwk: JWK): Promise<CachedKey | undefined> {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  let alg: AcceptedAlgorithm;
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && (jwk.alg === undefined || jwk.alg === 'ES256')) alg = 'ES256';
  else if (jwk.kty === 'RSA' && (jwk.alg === undefined || jwk.alg === 'RS256')) alg = 'RS256';
  else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && (jwk.alg === undefined || jwk.alg === 'EdDSA' || jwk.alg === 'Ed25519'))
    alg = 'EdDSA';
  else return undefined;
  const { d: _private, ...publicPart } = jwk;
  return { kid: jwk.kid, alg, key: await importJWK({ ...publicPart, alg }, alg) };
}
