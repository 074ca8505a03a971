/**
 * Verifies the bearer token of a /sql request for one project, with Neon's rules and messages (a refusal is TOKEN_REJECTED):
 * `kid` required; ES256, RS256 or EdDSA only (the key decides, the token's `alg` must match it); the project's own
 * keys (every audience) first, then its external JWKS providers; `aud` checked when the provider names one (our own
 * keys: the key's audience); `exp` required, `exp`/`nbf` with 30 s leeway; the project's own keys also pin `iss` to
 * the issuer authsync signs with. Returns the verified payload, which becomes the session, and whether it is an
 * anonymous or restricted user's token (the service refuses those for `authenticated`; an anonymous one is let through
 * when the project allows it).
 *
 * A token that verified is remembered for a few seconds (as long as the provider list is), keyed by project and the
 * whole token, signature included: an app sends the same token with every query of a page, and checking a signature
 * costs more CPU than the rest of a request. `exp` and `nbf` are checked again at every use.
 */
import { compactVerify } from 'jose';
import type { AppContext } from '../context/app-context.js';
import { decodeJws, verifyEs256Signature } from '../crypto/es256.js';
import { AppError } from '../errors/app-error.js';
import { audienceFor, issuerFor } from '../auth/access-tokens.js';
import { ACCEPTED_ALGORITHMS, type JwksCache } from './jwks-cache.js';
import { listProviders, type RlsProvider } from './providers.js';

const LEEWAY_SECONDS = 30;
/** How long a verified token is remembered; the provider list is cached as long, so a removed provider's tokens stop working within it. */
const VERIFIED_TTL_MS = 5_000;
const VERIFIED_MAX = 10_000;
const INVALID_ENCODING = 'Provided authentication token is not a valid JWT encoding';
/**
 * The latest `exp` accepted: 9999-12-31T23:59:59Z, the last second PostgreSQL's timestamps represent (an identity's
 * row keeps it). Beyond it (exp = 1e20, say) the token is refused as Neon's proxy refuses a claim it cannot read.
 */
const MAX_EXP = 253_402_300_799;

export const TOKEN_REJECTED = 'TOKEN_REJECTED';

/** A token refused, with Neon's message for it: a 400 in Neon's shape on /sql (sql/neon-errors.ts). */
function tokenRejected(message: string): AppError {
  return new AppError(TOKEN_REJECTED, 400, message);
}

export interface VerifiedClaims {
  payload: Record<string, unknown>;
  /** "own" or the provider's JWKS URL. */
  source: string;
  /**
   * An anonymous user's token: signed by the project's own anonymous key (audience `<project>:anon`), or carrying
   * `is_anonymous: true` from any source.
   */
  anonymous: boolean;
  /**
   * A restricted user's token (see users/user-object.ts, restrictedReason): signed by the project's own restricted
   * key (audience `<project>:restricted`), or carrying `is_restricted: true` from any source. Anonymous ones are too.
   */
  restricted: boolean;
}

export class TokenVerifier {
  private readonly providers = new Map<string, { value: Promise<RlsProvider[]>; expiresAt: number }>();
  /** Tokens that verified, by project and token, in insertion order (the oldest goes first when full). */
  private readonly verified = new Map<string, { claims: VerifiedClaims; until: number }>();

  constructor(
    private readonly ctx: AppContext,
    private readonly jwks: JwksCache,
  ) {}

  async verify(token: string, projectId: string): Promise<VerifiedClaims> {
    const cacheKey = `${projectId} ${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit && hit.until > Date.now()) {
      checkTimes(hit.claims.payload);
      return hit.claims;
    }
    if (hit) this.verified.delete(cacheKey);
    const claims = await this.verifyNow(token, projectId);
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(cacheKey, { claims, until: Date.now() + VERIFIED_TTL_MS });
    return claims;
  }

  private async verifyNow(token: string, projectId: string): Promise<VerifiedClaims> {
    const jws = decodeJws(token);
    if (!jws) throw tokenRejected(INVALID_ENCODING);
    const { header, payload } = jws;
    checkClaimTypes(payload);
    if (typeof header.alg !== 'string') throw tokenRejected(INVALID_ENCODING);
    if (typeof header.kid !== 'string') throw tokenRejected('missing key id');
    if (!(ACCEPTED_ALGORITHMS as readonly string[]).includes(header.alg)) throw tokenRejected('signature algorithm not supported');
    const kid = header.kid;

    const own = await this.ctx.directory.verifyingKey(kid);
    if (own && own.projectId === projectId && (own.publishUntil === null || own.publishUntil.getTime() > Date.now())) {
      if (header.alg !== 'ES256') throw tokenRejected('signature algorithm not supported');
      if (!verifyEs256Signature(jws, own.key)) throw tokenRejected('invalid JWT signature');
      checkAudience(payload, audienceFor(projectId, own.audience));
      if (payload.iss !== issuerFor(this.ctx.config.baseUrl, projectId, own.audience)) throw tokenRejected('invalid JWT token issuer');
      checkTimes(payload);
      const anonymous = own.audience === 'anonymous' || payload.is_anonymous === true;
      const restricted = anonymous || own.audience === 'restricted' || payload.is_restricted === true;
      return { payload, source: 'own', anonymous, restricted };
    }

    for (const provider of await this.providerList(projectId)) {
      const key = await this.jwks.find(provider.jwksUrl, kid);
      if (!key) continue;
      if (key.alg !== header.alg) throw tokenRejected('signature algorithm not supported');
      try {
        await compactVerify(token, key.key, { algorithms: [key.alg] });
      } catch {
        throw tokenRejected('invalid JWT signature');
      }
      if (provider.audience !== null) checkAudience(payload, provider.audience);
      checkTimes(payload);
      const anonymous = payload.is_anonymous === true;
      return { payload, source: provider.jwksUrl, anonymous, restricted: anonymous || payload.is_restricted === true };
    }
    throw tokenRejected('jwk not found');
  }

  private providerList(projectId: string): Promise<RlsProvider[]> {
    const hit = this.providers.get(projectId);
    if (hit && hit.expiresAt > Date.now()) return hit.value;
    const value = listProviders(this.ctx.db, projectId);
    this.providers.set(projectId, { value, expiresAt: Date.now() + 5_000 });
    value.catch(() => this.providers.delete(projectId));
    return value;
  }
}

/** Neon deserialises these claims with fixed types; anything else is not a valid JWT encoding. */
function checkClaimTypes(p: Record<string, unknown>): void {
  const aud = p.aud;
  const ok =
    (aud === undefined || typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) &&
    ['exp', 'nbf'].every((k) => p[k] === undefined || (Number.isInteger(p[k]) && (p[k] as number) >= 0 && (p[k] as number) <= MAX_EXP)) &&
    ['iss', 'sub', 'jti', 'sid'].every((k) => p[k] === undefined || typeof p[k] === 'string');
  if (!ok) throw tokenRejected(INVALID_ENCODING);
  // A token without exp would be good forever (and its identity row kept for a day after each first use).
  if (p.exp === undefined) throw tokenRejected('JWT token has no expiration time (exp)');
}

function checkAudience(p: Record<string, unknown>, audience: string): void {
  const aud = p.aud;
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!list.includes(audience)) throw tokenRejected('invalid JWT token audience');
}

function checkTimes(p: Record<string, unknown>): void {
  const now = Date.now() / 1000;
  if (typeof p.exp === 'number' && now >= p.exp + LEEWAY_SECONDS) throw tokenRejected(`JWT token has expired (exp=${p.exp})`);
  if (typeof p.nbf === 'number' && p.nbf >= now + LEEWAY_SECONDS) throw tokenRejected(`JWT token is not yet ready to use (nbf=${p.nbf})`);
}
