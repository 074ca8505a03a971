/**
 * The per-connection key behind `auth.jwt_session_init`, pg_session_jwt's way for a connection to set its own
 * identity. authsync generates 32 random bytes for every end-user connection it opens and registers them for that
 * backend over a separate privileged connection (so SQL on the end-user connection never sees them). A token signed
 * with them (HMAC-SHA256 over `header.payload`, with a `jti` that grows by one per token) is worthless on any other
 * backend, and on its own backend once a later one was installed. (authsync itself installs request identities with
 * a key of its own: see IdentityStore and authsync_rls.use_identity.)
 */
import { createHmac, randomBytes } from 'node:crypto';

/** `{"alg":"HS256"}`: informative only; the kit checks the HMAC with the registered key whatever the header says. */
const HEADER = Buffer.from('{"alg":"HS256"}').toString('base64url');

export class SessionKey {
  private readonly key = randomBytes(32);
  private jti = 0;

  /** The key XORed with HMAC's ipad and opad, as the kit stores it (64 bytes each). */
  pads(): { inner: Buffer; outer: Buffer } {
    const inner = Buffer.alloc(64, 0x36);
    const outer = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < this.key.length; i++) {
      inner[i] = inner[i]! ^ this.key[i]!;
      outer[i] = outer[i]! ^ this.key[i]!;
    }
    return { inner, outer };
  }

  /** A session token for `auth.jwt_session_init`: the claims with `jti` set to the next counter value (position kept). */
  mint(claims: Record<string, unknown>): string {
    this.jti += 1;
    const payload = Buffer.from(JSON.stringify({ ...claims, jti: this.jti })).toString('base64url');
    const mac = createHmac('sha256', this.key).update(`${HEADER}.${payload}`).digest('base64url');
    return `${HEADER}.${payload}.${mac}`;
  }
}
